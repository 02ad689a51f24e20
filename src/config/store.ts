import { join } from 'node:path'
import { projectRoot } from '../paths.js'
import type { StoreConfig } from '../store/db.js'
import { invalid, type EnvOf } from './env.js'

/** The gateway's own store (audit, clients and grants, idempotency, sync runs): PostgreSQL, or embedded PGlite on disk. */

export const STORE_ENV = {
  DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://[^\\s]+$' },
  DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' },
  DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
  STORE_DIR: { type: 'string', minLength: 1 }
} as const

export type { StoreConfig }

export function readStore (raw: EnvOf<typeof STORE_ENV>, { demo }: { demo: boolean }): StoreConfig {
  if (!demo && raw.DATABASE_URL === undefined && raw.STORE_DIR === undefined) {
    invalid('DATABASE_URL (PostgreSQL) or STORE_DIR (embedded) is required unless DEMO=true')
  }
  if (raw.DATABASE_URL !== undefined && raw.STORE_DIR !== undefined) invalid('set DATABASE_URL or STORE_DIR, not both')
  return raw.DATABASE_URL !== undefined
    ? { driver: 'postgres', url: raw.DATABASE_URL, schema: raw.DATABASE_SCHEMA, poolSize: raw.DATABASE_POOL_SIZE }
    // the demo keeps its embedded store between runs, next to its key
    : { driver: 'pglite', dataDir: raw.STORE_DIR ?? join(projectRoot, '.demo', 'store') }
}
