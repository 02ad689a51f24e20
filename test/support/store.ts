import { createHash, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDb } from '../../src/store/db.js'
import { migrate, readMigrations } from '../../src/store/migrate.js'
import type { Teardown } from './teardown.js'

/** A store no one else uses: a PostgreSQL schema of its own, or an embedded PGlite of its own. */

/** A PostgreSQL schema `<label>_<random>` on `url`, dropped at teardown (the gateway creates it). */
export async function postgresSchema (t: Teardown, url: string, label = 'test'): Promise<string> {
  const schema = `${label}_${randomUUID().replaceAll('-', '')}`
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await client.end()
    }
  }, `drop schema ${schema}`)
  return schema
}

// Embedded databases are a thousand small files: on tmpfs a copy takes milliseconds, on disk a second or more.
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

let pgliteTemplate: Promise<string> | undefined
/**
 * A PGlite data directory of its own under `parent`, copied from a migrated template. Creating an embedded
 * database runs initdb (seconds); opening a copy takes a fraction of that. The template is shared by every
 * process, keyed by the migrations' content, and made atomically (the first rename wins).
 */
export async function pgliteDir (t: Teardown, parent = SCRATCH): Promise<string> {
  pgliteTemplate ??= (async () => {
    const migrations = await readMigrations()
    const key = createHash('sha256').update(migrations.map((migration) => migration.checksum).join()).digest('hex').slice(0, 16)
    const template = join(SCRATCH, `lgsp-pglite-template-${key}`)
    if (existsSync(template)) return template
    const building = await mkdtemp(join(SCRATCH, 'lgsp-pglite-building-'))
    const db = await openDb({ driver: 'pglite', dataDir: building })
    await migrate(db)
    await db.close()
    try {
      await rename(building, template)
    } catch {
      await rm(building, { recursive: true, force: true }) // another process made it first
    }
    return template
  })()
  const template = await pgliteTemplate
  const dir = await mkdtemp(join(parent, 'lgsp-pglite-'))
  await cp(template, dir, { recursive: true })
  t.teardown(() => rm(dir, { recursive: true, force: true }), `remove ${dir}`)
  return dir
}

/**
 * The store variables of a gateway or worker: DATABASE_URL and a schema of its own when `databaseUrl` is given,
 * else STORE_DIR, a PGlite of its own (single-process: every process needs one of its own).
 */
export async function storeEnv (t: Teardown, databaseUrl: string | undefined, options: { label?: string, pgliteParent?: string } = {}): Promise<Record<string, string>> {
  if (databaseUrl !== undefined) return { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: await postgresSchema(t, databaseUrl, options.label) }
  return { STORE_DIR: await pgliteDir(t, options.pgliteParent) }
}

/** The store for one test: its own schema on TEST_DATABASE_URL when set (CI), else its own embedded PGlite. */
export async function testStoreEnv (t: Teardown): Promise<Record<string, string>> {
  return await storeEnv(t, process.env.TEST_DATABASE_URL)
}
