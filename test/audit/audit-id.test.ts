import { createHash, randomUUID } from 'node:crypto'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { verifyChain } from '../../src/audit/reader.js'
import { GENESIS_HASH, type AuditEntry, type AuditRecord } from '../../src/audit/record.js'
import { createAuditWriter } from '../../src/audit/writer.js'
import { openDb, type Db } from '../../src/store/db.js'
import { migrate, MIGRATIONS_DIR, readMigrations } from '../../src/store/migrate.js'
import { auditEntry } from '../support/audit-entries.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'
import { postgresSchema } from '../support/store.js'

/**
 * Issue 15 #9: X-Request-Id is the caller's and may be reused, so every audited exchange gets an id of its own
 * (auditId), covered by the chain's hash. Records written before it existed still verify.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Entries of one request id reused, as a careless caller sends them. */
function entry (n: number, auditId?: string): AuditEntry {
  return auditEntry(n, { requestId: 'the-same-request-id', ...(auditId === undefined ? {} : { auditId }) })
}

/** A store of its own with no migration applied yet. */
async function unmigrated (t: Test): Promise<Db> {
  const url = process.env.TEST_DATABASE_URL
  const db = url !== undefined
    ? await openDb({ driver: 'postgres', url, schema: await postgresSchema(t, url), poolSize: 2 })
    : await openDb({ driver: 'pglite', dataDir: await mkdtemp(join(tmpdir(), 'lgsp-audit-id-')) })
  t.teardown(() => db.close())
  return db
}

t.test('records written before audit ids existed still verify after the upgrade, and new ones chain after them', async (t) => {
  const db = await unmigrated(t)
  // the schema as it was before 005: migrations 001–004 only
  const before = await mkdtemp(join(tmpdir(), 'lgsp-migrations-'))
  t.teardown(() => rm(before, { recursive: true, force: true }))
  for (const migration of (await readMigrations()).filter((m) => m.version <= 4)) {
    const file = `${String(migration.version).padStart(3, '0')}_${migration.name}.sql`
    await copyFile(join(MIGRATIONS_DIR, file), join(before, file))
  }
  await migrate(db, before)
  // three records hashed the way the gateway hashed them then: every field, no audit id
  let prevHash = GENESIS_HASH
  for (let seq = 1; seq <= 3; seq++) {
    const e = entry(seq)
    const hash = createHash('sha256').update(prevHash).update(JSON.stringify([seq, e.recordedAt, e.requestId, e.clientId, e.officialId, e.service,
      e.method, e.route, e.purpose, e.purposeReference, e.subjects, e.status, e.upstream, e.latencyMs])).digest('hex')
    await db.query(`INSERT INTO audit_records (seq, recorded_at, request_id, client_id, official_id, service, method, route, purpose,
      purpose_reference, subjects, status, upstream, latency_ms, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [seq, e.recordedAt, e.requestId, e.clientId, e.officialId, e.service, e.method, e.route, e.purpose, e.purposeReference, e.subjects, e.status, e.upstream, e.latencyMs, prevHash, hash])
    await db.query('UPDATE audit_head SET seq = $1, hash = $2', [seq, hash])
    prevHash = hash
  }

  await migrate(db)
  const writer = createAuditWriter(db, { maxBatch: 10 })
  const ids = [randomUUID(), randomUUID()]
  await Promise.all(ids.map((id, n) => writer.append(entry(10 + n, id))))
  t.same(await verifyChain(db), { intact: true, checked: 5, headSeq: 5, checkpoints: 0 }, 'old and new records verify together')
  const rows = await db.query<{ auditId: string | null }>('SELECT audit_id AS "auditId" FROM audit_records ORDER BY seq')
  t.same(rows.map((row) => row.auditId), [null, null, null, ...ids])

  await db.exec('ALTER TABLE audit_records DISABLE TRIGGER USER')
  await db.query('UPDATE audit_records SET audit_id = $1 WHERE seq = 4', [randomUUID()])
  t.match(await verifyChain(db), { intact: false, firstBroken: { seq: 4, reason: /contents changed/ } }, 'the audit id is covered by the hash')
  await db.query('UPDATE audit_records SET audit_id = $1 WHERE seq = 4', [ids[0]])
  await db.query('UPDATE audit_records SET audit_id = NULL WHERE seq = 5')
  t.match(await verifyChain(db), { intact: false, firstBroken: { seq: 5, reason: /contents changed/ } }, 'removing it is noticed too')
})

t.test('a reused X-Request-Id: two exchanges, two records, each with its own audit id, told to the caller', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(2).personalId}`
  const first = await app.inject({ method: 'GET', url, headers: { ...await headers(), 'x-request-id': 'reused-request-0001' } })
  const second = await app.inject({ method: 'GET', url, headers: { ...await headers({ purpose: 'KCB' }), 'x-request-id': 'reused-request-0001' } })
  t.equal(first.statusCode, 200)
  t.equal(second.statusCode, 403)
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  const records = (await app.inject({ method: 'GET', url: '/admin/v1/audit?service=citizens.read', headers: admin })).json().items as AuditRecord[]
  t.equal(records.length, 2)
  t.same(records.map((record) => record.requestId), ['reused-request-0001', 'reused-request-0001'], 'the caller\'s correlation id is kept')
  const [newer, older] = records
  t.match(older?.auditId, UUID)
  t.match(newer?.auditId, UUID)
  t.not(older?.auditId, newer?.auditId, 'but each exchange has an id of its own')
  t.equal(first.headers['x-audit-id'], older?.auditId, 'X-Audit-Id names the record of the exchange')
  t.equal(second.headers['x-audit-id'], newer?.auditId)
  t.same((await app.inject({ method: 'GET', url: '/admin/v1/audit/verify', headers: admin })).json(), { intact: true, checked: 3, headSeq: 3, checkpoints: 0 })
})
