import { createPrivateKey } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { verifyArchive } from '../../src/audit/archive-verify.js'
import { verifyArchiveFile, writeArchiveFile } from '../../src/audit/archive-file.js'
import { ArchiveRangeError } from '../../src/audit/archive.js'
import { signCheckpoint, type ChainHead } from '../../src/audit/checkpoints.js'
import { verifyChain } from '../../src/audit/reader.js'
import { pruneArchived } from '../../src/audit/retention.js'
import { createAuditWriter, ensurePartitions } from '../../src/audit/writer.js'
import { gatewayKeyOf, loadGatewayKey, newGatewayKeyPem, type GatewayKey } from '../../src/signing/gateway-key.js'
import { registerPublicKey } from '../../src/signing/key-register.js'
import { openDb, type Db, type Queryable } from '../../src/store/db.js'
import { auditEntry } from '../support/audit-entries.js'
import { productionEnv, TEST_GATEWAY_KEY_FILE } from '../support/env.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'
import { runBuiltScript, type ScriptResult } from '../support/processes.js'
import { pgliteDir } from '../support/store.js'
import { storeDrivers } from '../store/store-drivers.js'

const MONTHS = ['2025-07', '2025-08', '2025-09']
const period = (month: number): { from: string, to: string } =>
  ({ from: new Date(Date.UTC(2025, 6 + month, 1)).toISOString(), to: new Date(Date.UTC(2025, 7 + month, 1)).toISOString() })

/** `perMonth` records in each of the three months, in time order (seq 1.. in July, and so on); the third a refusal summary. */
async function writeMonths (db: Db, perMonth: number): Promise<void> {
  const entries = MONTHS.flatMap((month, m) => Array.from({ length: perMonth }, (_, i) => {
    const recordedAt = new Date(Date.parse(`${month}-01T00:00:00Z`) + (i + 1) * 3_600_000).toISOString()
    const summary = { count: 7, address: '203.0.113.9', reason: 'no-credentials', windowStart: recordedAt }
    return auditEntry(m * perMonth + i, { recordedAt, ...(i === 2 ? { clientId: null, subjects: [], status: 401, summary } : {}) })
  }))
  await ensurePartitions(db, entries.map((entry) => entry.recordedAt))
  const writer = createAuditWriter(db, { maxBatch: 100 })
  for (const entry of entries) await writer.append(entry)
}

async function recordAt (db: Queryable, seq: number): Promise<ChainHead> {
  const [head] = await db.query<ChainHead>('SELECT seq, hash FROM audit_records WHERE seq = $1', [seq])
  if (head === undefined) throw new Error(`no record ${seq}`)
  return head
}

async function testKey (db: Queryable): Promise<GatewayKey> {
  const key = await loadGatewayKey(TEST_GATEWAY_KEY_FILE)
  await registerPublicKey(db, key)
  return key
}

async function partitionNames (db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'audit_records'::regclass ORDER BY 1`)
  return rows.map((row) => row.name)
}

const auditVerify = async (...args: string[]): Promise<ScriptResult> => await runBuiltScript('audit-verify', args)

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: archives chain month after month; only archived months past the retention are removed, and the chain still verifies`, async (t) => {
    const db = await driver.open(t)
    const key = await testKey(db)
    await writeMonths(db, 10)
    await signCheckpoint(db, key, await recordAt(db, 5))
    await signCheckpoint(db, key, await recordAt(db, 15))
    await db.query("INSERT INTO audit_message_ids (client_id, message_id, reserved_at) VALUES ('VN.TEST.FULL', 'old', '2025-07-02T00:00:00Z'), ('VN.TEST.FULL', 'new', now())")
    const dir = t.testdir()

    const july = await writeArchiveFile(db, key, period(0), join(dir, 'july.ndjson'))
    t.match(july.header, { anchor: { seq: 0, hash: '0'.repeat(64) }, last: await recordAt(db, 10), records: 10 })
    t.match(july.verification, { ok: true, records: 10, checkpoints: 2 }, 'the checkpoint at seq 5, and the one signed at its last record')
    t.match(await verifyArchiveFile(join(dir, 'july.ndjson'), { trustedKeys: [key.publicJwk] }), { ok: true })
    const stranger = await gatewayKeyOf(createPrivateKey(newGatewayKeyPem()))
    t.match(await verifyArchiveFile(join(dir, 'july.ndjson'), { trustedKeys: [stranger.publicJwk] }),
      { ok: false, failure: { seq: 5, reason: /not among the trusted keys/ } }, 'keys one does not trust are refused')
    await t.rejects(writeArchiveFile(db, key, period(0), join(dir, 'july.ndjson')), { message: /exists already/ })

    // July and August are past a 40-day retention on 15 October; only July is archived
    const pruned = await pruneArchived(db, { retentionDays: 40, now: new Date('2025-10-15T00:00:00Z') })
    t.match(pruned, { removed: [{ month: '2025-07', records: 10, archiveId: july.header.archiveId }], kept: { month: '2025-08', reason: /not archived/ }, messageIds: 1 })
    t.same((await partitionNames(db)).filter((name) => name < 'audit_records_2026'), ['audit_records_2025_08', 'audit_records_2025_09'], 'July\'s partition is gone')
    t.same(await verifyChain(db), { intact: true, checked: 20, headSeq: 30, anchor: { ...july.header.last, archiveId: july.header.archiveId }, checkpoints: 2 },
      'the chain starts at the anchor; the checkpoint at the anchor is checked against it')
    t.same((await db.query('SELECT message_id FROM audit_message_ids')).map((row) => row.message_id), ['new'])
    await t.rejects(writeArchiveFile(db, key, period(0), join(dir, 'july-again.ndjson')), ArchiveRangeError, 'a removed period cannot be archived again')

    const august = await writeArchiveFile(db, key, period(1), join(dir, 'august.ndjson'))
    t.same(august.header.anchor, july.header.last, 'the next archive starts where the last ended')
    t.match(august.verification, { ok: true, records: 10, checkpoints: 3 }, 'the anchor\'s checkpoint, seq 15, and the last')
    const chained = await auditVerify(join(dir, 'july.ndjson'), join(dir, 'august.ndjson'))
    t.equal(chained.code, 0, chained.stderr)
    t.match(chained.stdout, /july\.ndjson: OK .* 10 records \(seq 1\.\.10\)[^]*august\.ndjson: OK .* 10 records \(seq 11\.\.20\)/)
    const unchained = await auditVerify(join(dir, 'august.ndjson'), join(dir, 'july.ndjson'))
    t.equal(unchained.code, 1)
    t.match(unchained.stderr, /july\.ndjson: NOT OK: starts after seq 0, but the archive before it ends at seq 20/)

    const next = await pruneArchived(db, { retentionDays: 40, now: new Date('2025-10-15T00:00:00Z') })
    t.match(next, { removed: [{ month: '2025-08', records: 10 }], messageIds: 0 })
    t.notOk('kept' in next, 'September is within the retention')
    t.match(await verifyChain(db), { intact: true, checked: 10, anchor: { seq: 20, archiveId: august.header.archiveId } })
  })
}

t.test('verify names the first record, gap, checkpoint or signature that is wrong; the script exits 1', async (t) => {
  const [driver] = storeDrivers()
  if (driver === undefined) throw new Error('no store driver')
  const db = await driver.open(t)
  const key = await testKey(db)
  await writeMonths(db, 8)
  await signCheckpoint(db, key, await recordAt(db, 4))
  const dir = t.testdir()
  const file = join(dir, 'july.ndjson')
  await writeArchiveFile(db, key, period(0), file)
  const lines = (await readFile(file, 'utf8')).split('\n')

  /** A copy of the archive with `change` applied to its lines (parsed); verified by the library and the script. */
  const tampered = async (name: string, change: (values: any[]) => any[]): Promise<string> => {
    const values = lines.filter((line) => line !== '').map((line) => JSON.parse(line))
    const copy = join(dir, `${name}.ndjson`)
    await writeFile(copy, change(values).map((value) => JSON.stringify(value) + '\n').join(''))
    return copy
  }
  const recordLine = (values: any[], seq: number): number => values.findIndex((value) => value.record?.seq === seq)
  const checkpointLine = (values: any[], seq: number): number => values.findIndex((value) => value.checkpoint?.seq === seq)

  const ok = await auditVerify(file, '--keys', await writeJwks(dir, key))
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /OK archive .* 8 records \(seq 1\.\.8\), 2 signed checkpoints, signed by trusted keys/)

  const edited = await tampered('edited', (values) => { values[recordLine(values, 3)].record.clientId = 'VN.KHAC'; return values })
  t.match(await verifyArchiveFile(edited), { ok: false, failure: { seq: 3, reason: 'contents changed after it was written' } })
  const dropped = await tampered('dropped', (values) => values.filter((_, i) => i !== recordLine(values, 6)))
  t.match(await verifyArchiveFile(dropped), { ok: false, failure: { seq: 6, reason: 'record missing (next present is 7)' } })
  const swapped = await tampered('swapped', (values) => {
    values[checkpointLine(values, 4)].checkpoint.jws = values[checkpointLine(values, 8)].checkpoint.jws
    return values
  })
  t.match(await verifyArchiveFile(swapped), { ok: false, failure: { seq: 4, reason: /checkpoint of seq 4 signed by .*: its stored seq, hash or time differ/ } })
  const forged = await tampered('forged', (values) => {
    const jws = values[checkpointLine(values, 4)].checkpoint.jws as string
    values[checkpointLine(values, 4)].checkpoint.jws = jws.slice(0, -4) + (jws.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    return values
  })
  t.match(await verifyArchiveFile(forged), { ok: false, failure: { seq: 4, reason: /checkpoint of seq 4 .*its signature does not verify/ } })
  const resigned = await tampered('resigned', (values) => {
    const last = values.at(-1)
    last.signature.jws = last.signature.jws.slice(0, -4) + (last.signature.jws.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    return values
  })
  t.match(await verifyArchiveFile(resigned), { ok: false, failure: { reason: /the archive's signature by .* does not verify/ } })
  const cut = await tampered('cut', (values) => values.slice(0, -1))
  t.match(await verifyArchiveFile(cut), { ok: false, failure: { reason: /ends without its signature/ } })

  for (const [copy, says] of [[edited, /line \d+, seq 3: contents changed/], [dropped, /seq 6: record missing/], [swapped, /seq 4: checkpoint of seq 4/], [resigned, /signature by .* does not verify/]] as const) {
    const result = await auditVerify(copy)
    t.equal(result.code, 1, copy)
    t.match(result.stderr, says)
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace')
  }
  t.equal((await auditVerify()).code, 2, 'no file: a usage error')
})

async function writeJwks (dir: string, key: GatewayKey): Promise<string> {
  const file = join(dir, 'trusted.jwks.json')
  await writeFile(file, JSON.stringify({ keys: [key.publicJwk] }))
  return file
}

t.test('GET /admin/v1/audit/archives streams an archive that verifies offline; admins only; a bad period is a 400', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  await writeMonths(app.store, 4)
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  const url = `/admin/v1/audit/archives?from=${period(0).from}&to=${period(0).to}`

  const res = await app.inject({ method: 'GET', url, headers: admin })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/x-ndjson/)
  t.match(res.headers['content-disposition'], /filename="audit-2025-07\.ndjson"/)
  const key = await loadGatewayKey(TEST_GATEWAY_KEY_FILE)
  t.match(await verifyArchive(res.body.split('\n'), { trustedKeys: [key.publicJwk] }), { ok: true, records: 4, checkpoints: 1 })

  t.equal((await app.inject({ method: 'GET', url, headers: await headers() })).statusCode, 403, 'not for clients without the admin scope')
  const refusal = async (query: string): Promise<unknown> => {
    const answer = await app.inject({ method: 'GET', url: `/admin/v1/audit/archives?${query}`, headers: admin })
    return { status: answer.statusCode, type: answer.headers['content-type'], pointers: (answer.json().errors ?? []).map((error: { pointer: string }) => error.pointer) }
  }
  const problem = { status: 400, type: /^application\/problem\+json/ }
  t.match(await refusal(`from=${period(1).from}&to=${period(0).from}`), { ...problem, pointers: ['/to'] }, 'ends before it starts')
  t.match(await refusal(`from=${period(0).from}&to=${new Date(Date.now() + 86_400_000).toISOString()}`), { ...problem, pointers: ['/to'] }, 'not ended yet')
  t.match(await refusal(`from=${period(0).from}`), { ...problem, pointers: ['/to'] }, 'no end')

  const [audited] = await app.store.query<{ status: number }>("SELECT status FROM audit_records WHERE route = '/admin/v1/audit/archives' AND status = 200")
  t.ok(audited, 'reading an archive is audited')
})

t.test('npm run audit:archive writes, verifies and records an archive, then prunes what it holds', async (t) => {
  const dir = await pgliteDir(t)
  const db = await openDb({ driver: 'pglite', dataDir: dir })
  await registerPublicKey(db, await loadGatewayKey(TEST_GATEWAY_KEY_FILE))
  await writeMonths(db, 3)
  await db.close()
  const out = join(t.testdir(), 'archives')
  await mkdir(out)
  const env = { ...productionEnv('http://127.0.0.1:9/ws'), AUTH_JWKS_FILE: '/nonexistent/jwks.json', REDIS_URL: 'redis://127.0.0.1:9', STORE_DIR: dir, AUDIT_ARCHIVE_DIR: out, AUDIT_RETENTION_DAYS: '30' }

  const archived = await runBuiltScript('audit-archive', ['--from', '2025-07-01', '--to', '2025-08-01', '--prune'], env)
  t.equal(archived.code, 0, archived.stderr)
  t.match(archived.stdout, /archived \[2025-07-01T00:00:00\.000Z, 2025-08-01T00:00:00\.000Z\): 3 records \(seq 1\.\.3\), 1 signed checkpoints, into .*audit-2025-07\.ndjson; verified/)
  t.match(archived.stdout, /removed 2025-07: 3 records[^]*kept 2025-08: not archived/)
  const verified = await auditVerify(join(out, 'audit-2025-07.ndjson'))
  t.equal(verified.code, 0, verified.stderr)
  const again = await runBuiltScript('audit-archive', ['--from', '2025-07-01', '--to', '2025-08-01'], env)
  t.equal(again.code, 1)
  t.match(again.stderr, /exists already/)
  t.notMatch(again.stderr, /\n\s+at /, 'no stack trace')
  t.equal((await runBuiltScript('audit-archive', ['--from', '2025-07-01'], env)).code, 2, 'a usage error')
  const pruneOnly = await runBuiltScript('audit-archive', ['--prune-only'], env)
  t.equal(pruneOnly.code, 0, pruneOnly.stderr)
  t.notMatch(pruneOnly.stdout, /^archived \[/m, 'no archive written')
  t.match(pruneOnly.stdout, /kept 2025-08: not archived/, 'and still nothing removed that is not archived')

  const reopened = await openDb({ driver: 'pglite', dataDir: dir })
  t.teardown(() => reopened.close())
  t.match(await reopened.query('SELECT records, first_seq AS "first", last_seq AS "last", verified_at AS "verifiedAt" FROM audit_archives'), [{ records: 3, first: 1, last: 3, verifiedAt: Date }])
  t.match(await verifyChain(reopened), { intact: true, checked: 6, anchor: { seq: 3 } })
})
