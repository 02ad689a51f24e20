import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDb } from '../../src/store/db.js'
import { migrate, MIGRATIONS_DIR, readMigrations } from '../../src/store/migrate.js'
import { postgresSchema } from '../support/store.js'
import { storeDrivers } from './store-drivers.js'

// One suite, every driver: the gateway's SQL must mean the same on embedded PGlite and on PostgreSQL.
for (const driver of storeDrivers()) {
  t.test(`${driver.name}: parameters and types come back alike`, async (t) => {
    const db = await driver.open(t)
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT $1::text AS text, $2::bigint AS big, $3::numeric AS num, $4::timestamptz AS at, $5::text[] AS list,
        $6::boolean AS flag, NULL::text AS nothing, '{"a":[1]}'::jsonb AS doc`,
      ['Nguyễn Thị Ánh', 9007199254740991, '12.5', '2025-07-01T01:02:03.456Z', ['a', 'b'], true])
    t.same(row, {
      text: 'Nguyễn Thị Ánh',
      big: 9007199254740991,
      num: 12.5,
      at: new Date('2025-07-01T01:02:03.456Z'),
      list: ['a', 'b'],
      flag: true,
      nothing: null,
      doc: { a: [1] }
    })
  })

  t.test(`${driver.name}: a value is data, never SQL`, async (t) => {
    const db = await driver.open(t)
    await db.exec('CREATE TABLE probe (v text)')
    await db.query('INSERT INTO probe VALUES ($1)', ["x'); DROP TABLE probe; --"])
    t.same(await db.query('SELECT v FROM probe'), [{ v: "x'); DROP TABLE probe; --" }])
  })

  t.test(`${driver.name}: a transaction commits as a whole or not at all`, async (t) => {
    const db = await driver.open(t)
    await db.exec('CREATE TABLE probe (v integer PRIMARY KEY)')
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO probe VALUES (1)')
      await tx.query('INSERT INTO probe VALUES (2)')
    })
    await t.rejects(db.transaction(async (tx) => {
      await tx.query('INSERT INTO probe VALUES (3)')
      await tx.query('INSERT INTO probe VALUES (1)') // duplicate key
    }))
    await t.rejects(db.transaction(async (tx) => {
      await tx.query('INSERT INTO probe VALUES (4)')
      throw new Error('changed my mind')
    }), { message: 'changed my mind' })
    t.same((await db.query<{ v: number }>('SELECT v FROM probe ORDER BY v')).map((row) => row.v), [1, 2])
    // the connection is still usable after a rollback
    t.same(await db.query('SELECT count(*)::integer AS n FROM probe'), [{ n: 2 }])
  })

  t.test(`${driver.name}: migrations apply once, in order, and a changed one is refused`, async (t) => {
    const db = await driver.open(t)
    // the drivers' databases arrive migrated; a second run applies nothing
    t.same(await migrate(db), [])
    const versions = (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((row) => row.version)
    t.same(versions, (await readMigrations()).map((migration) => migration.version))

    const dir = await mkdtemp(join(tmpdir(), 'lgsp-migrations-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    await cp(MIGRATIONS_DIR, dir, { recursive: true })
    await writeFile(join(dir, '999_probe.sql'), 'CREATE TABLE probe (v integer);\nINSERT INTO probe VALUES (1);')
    t.same(await migrate(db, dir), [999])
    t.same(await migrate(db, dir), [])
    await writeFile(join(dir, '999_probe.sql'), 'CREATE TABLE probe (v bigint);')
    await t.rejects(migrate(db, dir), { name: 'MigrationError', message: /999_probe was changed after it was applied/ })
    await writeFile(join(dir, '1000-bad-name.sql'), '')
    await t.rejects(migrate(db, dir), { message: /not named NNN_name\.sql/ })
  })

  t.test(`${driver.name}: the audit table refuses updates, deletes and truncation`, async (t) => {
    const db = await driver.open(t)
    await db.query(`INSERT INTO audit_records (seq, recorded_at, request_id, method, route, status, latency_ms, prev_hash, hash)
      VALUES (1, now(), 'r-1', 'GET', '/x', 200, 1, repeat('0', 64), repeat('1', 64))`)
    await t.rejects(db.query('UPDATE audit_records SET status = 500 WHERE seq = 1'), { message: /append-only/ })
    await t.rejects(db.query('DELETE FROM audit_records WHERE seq = 1'), { message: /append-only/ })
    await t.rejects(db.query('TRUNCATE audit_records'), { message: /append-only/ })
    t.same(await db.query('SELECT status FROM audit_records'), [{ status: 200 }])
  })
}

t.test('postgres: gateways starting together migrate once', { skip: process.env.TEST_DATABASE_URL === undefined ? 'needs TEST_DATABASE_URL' : false }, async (t) => {
  const url = process.env.TEST_DATABASE_URL as string
  const schema = await postgresSchema(t, url)
  const dbs = await Promise.all(Array.from({ length: 4 }, async () => await openDb({ driver: 'postgres', url, schema, poolSize: 2 })))
  t.teardown(() => Promise.all(dbs.map((db) => db.close())))
  const applied = await Promise.all(dbs.map((db) => migrate(db)))
  const all = (await readMigrations()).map((migration) => migration.version)
  t.same(applied.flat().sort((a, b) => a - b), all, 'each migration applied by exactly one of them')
})
