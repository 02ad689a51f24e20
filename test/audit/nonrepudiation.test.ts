import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { verifyChain } from '../../src/audit/reader.js'
import { chainHash, type AuditRecord } from '../../src/audit/record.js'
import { createAuditWriter, ensurePartitions } from '../../src/audit/writer.js'
import { signCheckpoint, verifyCheckpoint } from '../../src/audit/checkpoints.js'
import { gatewayKeyOf, loadGatewayKey } from '../../src/signing/gateway-key.js'
import { publicKeys, registerPublicKey } from '../../src/signing/key-register.js'
import { auditEntry as entry } from '../support/audit-entries.js'
import { TEST_GATEWAY_KEY_FILE } from '../support/env.js'
import { buildTestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'
import { tempDir } from '../support/teardown.js'
import { storeDrivers } from '../store/store-drivers.js'

/**
 * What makes an exchange provable afterwards: its message id at both ends, the digests of what was asked and
 * answered inside the chained hash, and the gateway's signed checkpoints of the chain head.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const sha256 = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex')

t.test('message ids, body digests and problem types, end to end', async (t) => {
  const clients = [...TEST_CLIENTS, { clientId: 'VN.TEST.ADDRESS', name: 'Address consumer', status: 'active' as const, grants: [{ service: 'khcn.dia-chi-so', purposes: ['TTHC'] }] }]
  const gateway = await buildTestGateway(t, { clients, publishedExamples: true, env: { AUDIT_CHECKPOINT_EVERY_RECORDS: '4' } })
  const { app, simulator } = gateway
  const admin = await gateway.headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'], purpose: null })
  const records = async (query: string): Promise<AuditRecord[]> => (await app.inject({ url: `/admin/v1/audit?${query}`, headers: admin })).json().items
  const citizen = simulator.population.citizenAt(0).personalId

  await t.test('the gateway makes one when the caller gives none, and the record and the upstream have it', async (t) => {
    const address = gateway.published?.digitalAddress
    const url = `/api/v1/services/khcn.dia-chi-so/dia-chi/${address?.examples.address ?? ''}`
    const res = await app.inject({ url, headers: await gateway.headers({ clientId: 'VN.TEST.ADDRESS', scopes: ['khcn.dia-chi-so'] }) })
    t.equal(res.statusCode, 200, res.body)
    const messageId = res.headers['x-message-id']
    t.match(messageId, UUID)
    t.equal(address?.lastRequest?.headers['x-message-id'], messageId, 'the provider was sent the same message id')
    const [record] = await records('service=khcn.dia-chi-so')
    t.equal(record?.messageId, messageId)
    t.equal(record?.responseDigest, sha256(res.rawPayload), 'the digest of the body exactly as sent')
    t.equal(record?.requestDigest, null, 'a GET has no body')
    t.equal(record?.problemType, null)
  })

  await t.test('a caller\'s well-formed, new message id is kept; a reused or malformed one is replaced', async (t) => {
    const call = async (messageId: string, clientId = 'VN.TEST.FULL'): Promise<string | undefined> => {
      const res = await app.inject({ url: `/api/v1/citizens/${citizen}`, headers: { ...await gateway.headers({ clientId }), 'x-message-id': messageId } })
      t.equal(res.statusCode, 200)
      return res.headers['x-message-id'] as string | undefined
    }
    t.equal(await call('so-ubnd-2026-000123'), 'so-ubnd-2026-000123', 'taken')
    const again = await call('so-ubnd-2026-000123')
    t.match(again, UUID, 'the same client again: a new id, told in the answer')
    t.equal(await call('so-ubnd-2026-000123', 'VN.TEST.LIMITED'), 'so-ubnd-2026-000123', 'another client may use the same id')
    t.match(await call('bad id with spaces'), UUID, 'malformed: replaced')
    t.match(await call('short'), UUID, 'too short: replaced')
    const ids = (await records('client=VN.TEST.FULL&service=citizens.read')).map((record) => record.messageId)
    t.same(ids.slice(0, 4).reverse().slice(0, 2), ['so-ubnd-2026-000123', again], 'the records hold the ids answered')
  })

  await t.test('a refusal is recorded with its problem type and message id; a body with its digest', async (t) => {
    const refused = await app.inject({ url: `/api/v1/citizens/${citizen}`, headers: await gateway.headers({ purpose: 'KHAC' }) })
    t.equal(refused.statusCode, 403)
    const [record] = await records('client=VN.TEST.FULL')
    t.equal(record?.problemType, 'purpose-not-granted')
    t.equal(record?.messageId, refused.headers['x-message-id'])
    t.equal(record?.responseDigest, sha256(refused.rawPayload))

    const { dateOfBirth } = simulator.population.citizenAt(0)
    const body = JSON.stringify({ personalId: citizen, fullName: 'Nguyễn Văn Không Khớp', dateOfBirth })
    const verify = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: { ...await gateway.headers(), 'content-type': 'application/json' }, payload: body })
    t.equal(verify.statusCode, 200, verify.body)
    const [verified] = await records('service=citizens.verify')
    t.equal(verified?.requestDigest, sha256(Buffer.from(body)), 'the request body\'s digest, of its bytes as received')
    t.equal(verified?.responseDigest, sha256(verify.rawPayload))
  })

  await t.test('every response carries a message id, errors and open routes included', async (t) => {
    for (const url of ['/healthz', '/api/v1/nowhere', '/api/v1/catalogue']) {
      t.match((await app.inject({ url })).headers['x-message-id'], UUID, url)
    }
    const unauthenticated = await app.inject({ url: `/api/v1/citizens/${citizen}`, headers: { 'x-message-id': 'anonymous-000001' } })
    t.equal(unauthenticated.statusCode, 401)
    t.match(unauthenticated.headers['x-message-id'], UUID, 'no client: a caller\'s id cannot be checked for reuse, so the gateway makes one')
  })

  await t.test('the gateway signs the chain head every N records it writes; verify checks them', async (t) => {
    const page = (await app.inject({ url: '/admin/v1/audit/checkpoints', headers: admin })).json()
    t.ok(page.items.length >= 2, `${page.items.length as number} checkpoints`)
    const key = await loadGatewayKey(TEST_GATEWAY_KEY_FILE)
    t.same(page.keys.map((jwk: { kid: string }) => jwk.kid), [key.keyId], 'the public key, by its thumbprint')
    t.ok(page.items.every((item: { keyId: string }) => item.keyId === key.keyId))
    const verification = (await app.inject({ url: '/admin/v1/audit/verify', headers: admin })).json()
    t.match(verification, { intact: true })
    // the listing was itself audited, and may have led to one more checkpoint since
    t.ok(verification.checkpoints >= page.items.length, `${verification.checkpoints as number} checkpoints verified`)
  })

  await t.test('the digests and the message id are inside the chained hash', async (t) => {
    const [record] = await records('service=citizens.verify')
    if (record === undefined) throw new Error('no record')
    t.equal(chainHash(record.seq, record, record.prevHash), record.hash)
    for (const field of ['messageId', 'requestDigest', 'responseDigest', 'problemType'] as const) {
      t.not(chainHash(record.seq, { ...record, [field]: 'f'.repeat(64) }, record.prevHash), record.hash, `${field} is covered`)
    }
    await app.store.exec('ALTER TABLE audit_records DISABLE TRIGGER USER')
    await app.store.query('UPDATE audit_records SET response_digest = $1 WHERE seq = $2', ['0'.repeat(64), record.seq])
    t.match(await verifyChain(app.store), { intact: false, firstBroken: { seq: record.seq, reason: /contents changed/ } })
  })
})

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: checkpoints are signed every N records, verify, and catch a re-hashed chain`, async (t) => {
    const db = await driver.open(t)
    const key = await loadGatewayKey(TEST_GATEWAY_KEY_FILE)
    await registerPublicKey(db, key)
    const signed: number[] = []
    const writer = createAuditWriter(db, {
      maxBatch: 5,
      onHead: (head) => { if (head.seq % 10 === 0) signed.push(head.seq) }
    })
    for (let n = 0; n < 30; n++) await writer.append(entry(n))
    for (const seq of signed) {
      const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit_records WHERE seq = $1', [seq])
      await signCheckpoint(db, key, { seq, hash: row?.hash ?? '' })
    }
    t.same(await verifyChain(db), { intact: true, checked: 30, headSeq: 30, checkpoints: 3 })
    const listed = await db.query<{ seq: number }>('SELECT seq FROM audit_checkpoints ORDER BY seq')
    t.same(listed.map((row) => row.seq), [10, 20, 30])

    // someone with write access edits record 12 and re-hashes the chain after it, head included: every link holds
    await db.exec('ALTER TABLE audit_records DISABLE TRIGGER USER')
    const rows = await db.query<{ seq: number }>('SELECT seq FROM audit_records WHERE seq >= 12 ORDER BY seq')
    let prevHash = (await db.query<{ hash: string }>('SELECT hash FROM audit_records WHERE seq = 11'))[0]?.hash ?? ''
    for (const { seq } of rows) {
      const original = entry(seq - 1)
      const edited = seq === 12 ? { ...original, clientId: 'VN.KHAC' } : original
      const hash = chainHash(seq, edited, prevHash)
      await db.query('UPDATE audit_records SET client_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [edited.clientId, prevHash, hash, seq])
      prevHash = hash
    }
    await db.query('UPDATE audit_head SET hash = $1', [prevHash])
    t.match(await verifyChain(db), { intact: false, checked: 30, firstBroken: { seq: 20, reason: /differs from the checkpoint .* records up to it were changed/ } },
      'the chain links, but no longer matches what the gateway signed')
  })
}

t.test('checkpoint signatures: key rotation keeps old ones verifiable; a forged or altered one is refused', async (t) => {
  const [driver] = storeDrivers()
  const db = await driver?.open(t)
  if (db === undefined) throw new Error('no store driver')
  const dir = await tempDir(t)
  const oldKey = await loadGatewayKey(TEST_GATEWAY_KEY_FILE)
  const esFile = join(dir, 'es256.pem')
  await writeFile(esFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const newKey = await loadGatewayKey(esFile, 'gateway-2026-12')
  t.equal(newKey.alg, 'ES256')
  await registerPublicKey(db, oldKey)
  await registerPublicKey(db, newKey)
  const writer = createAuditWriter(db, { maxBatch: 10 })
  for (let n = 0; n < 4; n++) await writer.append(entry(n))
  const head = async (): Promise<{ seq: number, hash: string }> => (await db.query<{ seq: number, hash: string }>('SELECT seq, hash FROM audit_head'))[0] ?? { seq: 0, hash: '' }
  const first = await signCheckpoint(db, oldKey, await head())
  for (let n = 4; n < 8; n++) await writer.append(entry(n))
  const second = await signCheckpoint(db, newKey, await head())
  t.same(await verifyChain(db), { intact: true, checked: 8, headSeq: 8, checkpoints: 2 }, 'old and new keys both verify')
  const { keys } = await publicKeys(db)
  t.same(keys.map((key) => key.kid), [oldKey.keyId, 'gateway-2026-12'])

  await t.rejects(verifyCheckpoint({ ...first, jws: second.jws }, keys), { message: /signature does not verify|differ/ }, 'a signature moved to another checkpoint')
  await t.rejects(verifyCheckpoint({ ...second, hash: first.hash }, keys), { message: /differ from what was signed/ })
  const forger = await gatewayKeyOf(createPrivateKey(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })), oldKey.keyId)
  const forged = await forger.signJws({ seq: first.seq, hash: first.hash, signedAt: first.signedAt }, 'lgsp-audit-checkpoint+jws')
  await t.rejects(verifyCheckpoint({ ...first, jws: forged }, keys), { message: /signature does not verify/ }, 'signed by another key under the same id')
  await t.rejects(registerPublicKey(db, forger), { message: /already registered for another key/ }, 'a key id is never reused for another key')
})

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: gateways starting together make a month's partition once, without failing`, async (t) => {
    const db = await driver.open(t)
    // what several gateways do at start: each makes this month's and next month's partition if missing
    const months = Array.from({ length: 12 }, (_, month) => `2031-${String(month + 1).padStart(2, '0')}-15T00:00:00Z`)
    await Promise.all(Array.from({ length: 8 }, async () => { await ensurePartitions(db, months) }))
    const partitions = await db.query<{ name: string }>(`SELECT relname AS name FROM pg_class
      WHERE relname LIKE 'audit_records_2031_%' AND relkind = 'r' AND relnamespace = current_schema()::regnamespace ORDER BY 1`)
    t.equal(partitions.length, 12)
  })
}
