import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { projectRoot } from '../paths.js'
import type { Db } from './db.js'

/**
 * Numbered SQL migrations (`NNN_name.sql`), applied in order at start inside one transaction under an
 * advisory lock, so gateways and workers starting together never apply one twice. An applied migration
 * whose file has since changed stops the start: the schema would no longer be what the code expects.
 */

export const MIGRATIONS_DIR = join(projectRoot, 'src', 'store', 'migrations')

interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

export async function readMigrations (dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()
  return await Promise.all(files.map(async (file) => {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file)
    if (match === null) throw new MigrationError(`migration file ${file} is not named NNN_name.sql`)
    const sql = await readFile(join(dir, file), 'utf8')
    return { version: Number(match[1]), name: match[2] as string, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  }))
}

/** Applies pending migrations; returns the versions it applied. */
export async function migrate (db: Db, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir)
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext(current_schema()))')
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Map((await tx.query<{ version: number, checksum: string }>('SELECT version, checksum FROM schema_migrations'))
      .map((row) => [row.version, row.checksum]))
    const done: number[] = []
    for (const migration of migrations) {
      const checksum = applied.get(migration.version)
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) throw new MigrationError(`migration ${migration.version}_${migration.name} was changed after it was applied`)
        continue
      }
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum])
      done.push(migration.version)
    }
    return done
  })
}
