import t from 'tap'
import { verifyChain } from '../../src/audit/reader.js'
import { chainHash } from '../../src/audit/record.js'
import { createAuditWriter } from '../../src/audit/writer.js'
import type { Db } from '../../src/store/db.js'
import { auditEntry as entry } from '../support/audit-entries.js'
import { storeDrivers } from '../store/store-drivers.js'

/** Counts the statements a store runs, to see group commit at work. */
function counting (db: Db): { db: Db, statements: () => number } {
  let statements = 0
  return {
    db: { ...db, query: async (sql, params) => { statements++; return await db.query(sql, params) } },
    statements: () => statements
  }
}

async function tamper (db: Db, sql: string, params: unknown[] = []): Promise<void> {
  // What someone with write access to the database could do: switch the guard off, change history.
  await db.exec('ALTER TABLE audit_records DISABLE TRIGGER USER')
  await db.query(sql, params)
  await db.exec('ALTER TABLE audit_records ENABLE TRIGGER USER')
}

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: concurrent calls are committed together, in one unbroken chain`, async (t) => {
    const store = await driver.open(t)
    const { db, statements } = counting(store)
    const writer = createAuditWriter(db, { maxBatch: 100 })
    await Promise.all(Array.from({ length: 500 }, (_, n) => writer.append(entry(n))))
    t.ok(statements() <= 10, `500 records in ${statements()} statements`)
    t.same(await verifyChain(store), { intact: true, checked: 500, headSeq: 500, checkpoints: 0 })
    const rows = await store.query<{ seq: number, requestId: string }>('SELECT seq, request_id AS "requestId" FROM audit_records ORDER BY seq')
    t.same(rows.map((row) => row.seq), Array.from({ length: 500 }, (_, n) => n + 1), 'no gap, no duplicate')
    t.equal(new Set(rows.map((row) => row.requestId)).size, 500)
  })

  t.test(`${driver.name}: two gateways writing at once still make one chain (no fork)`, async (t) => {
    const db = await driver.open(t)
    const first = createAuditWriter(db, { maxBatch: 7 })
    const second = createAuditWriter(db, { maxBatch: 5 })
    await Promise.all(Array.from({ length: 300 }, (_, n) => (n % 2 === 0 ? first : second).append(entry(n))))
    t.same(await verifyChain(db), { intact: true, checked: 300, headSeq: 300, checkpoints: 0 })
  })

  t.test(`${driver.name}: verify names the first record edited, deleted or re-hashed`, async (t) => {
    const db = await driver.open(t)
    const writer = createAuditWriter(db, { maxBatch: 16 })
    for (let n = 0; n < 20; n++) await writer.append(entry(n))
    t.same(await verifyChain(db, 6), { intact: true, checked: 20, headSeq: 20, checkpoints: 0 }, 'intact, walked in pages')

    await t.rejects(db.query("UPDATE audit_records SET client_id = 'VN.KHAC' WHERE seq = 7"), { message: /append-only/ }, 'the guard refuses edits')
    await tamper(db, "UPDATE audit_records SET client_id = 'VN.KHAC' WHERE seq = 7")
    t.match(await verifyChain(db, 6), { intact: false, checked: 6, firstBroken: { seq: 7, requestId: 'chain-6', reason: /contents changed/ } })

    // Re-hashing the edited record is caught by the next one, which still holds the old hash.
    const [edited] = await db.query<{ prevHash: string }>('SELECT prev_hash AS "prevHash" FROM audit_records WHERE seq = 7')
    await tamper(db, 'UPDATE audit_records SET hash = $1 WHERE seq = 7', [chainHash(7, entry(6, { clientId: 'VN.KHAC' }), edited?.prevHash ?? '')])
    t.match(await verifyChain(db), { intact: false, firstBroken: { seq: 8, reason: /does not link to the previous record/ } })
  })

  t.test(`${driver.name}: verify notices a record removed from the middle or the end`, async (t) => {
    const db = await driver.open(t)
    const writer = createAuditWriter(db, { maxBatch: 16 })
    await Promise.all(Array.from({ length: 12 }, (_, n) => writer.append(entry(n))))
    await tamper(db, 'DELETE FROM audit_records WHERE seq = 12')
    t.match(await verifyChain(db), { intact: false, checked: 11, firstBroken: { seq: 12, reason: /records 12\.\.12 are missing/ } })
    await tamper(db, 'DELETE FROM audit_records WHERE seq = 5')
    t.match(await verifyChain(db), { intact: false, checked: 4, firstBroken: { seq: 5, reason: /record missing \(next present is 6\)/ } })
  })

  t.test(`${driver.name}: an empty chain verifies`, async (t) => {
    const db = await driver.open(t)
    t.same(await verifyChain(db), { intact: true, checked: 0, headSeq: 0, checkpoints: 0 })
  })
}
