/**
 * The one small query interface the gateway uses over both drivers: PostgreSQL (`pg`) in production and
 * embedded PostgreSQL (PGlite) by default. Same SQL dialect on both; values come back with the same types
 * (int8 and numeric as numbers, timestamptz as Date) whichever driver answers.
 */

export interface Queryable {
  /** Runs one parameterised statement ($1, $2 …) and returns its rows. */
  query<Row = Record<string, unknown>> (sql: string, params?: readonly unknown[]): Promise<Row[]>
  /** Runs a script of several statements without parameters (migrations). */
  exec (sql: string): Promise<void>
}

export interface Db extends Queryable {
  readonly driver: 'postgres' | 'pglite'
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T> (work: (tx: Queryable) => Promise<T>): Promise<T>
  /** Resolves when the database answers a trivial query. */
  ping (): Promise<void>
  close (): Promise<void>
}

export type StoreConfig =
  | { driver: 'postgres', url: string, schema: string, poolSize: number }
  /** dataDir undefined: in memory (tests); otherwise a directory PGlite keeps its files in. */
  | { driver: 'pglite', dataDir?: string }

// OIDs of the types both drivers must parse alike.
export const INT8_OID = 20
export const NUMERIC_OID = 1700

/** A schema name safe to splice into SQL as an identifier (it is never user input, but still). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export async function openDb (config: StoreConfig): Promise<Db> {
  if (config.driver === 'postgres') {
    const { openPostgres } = await import('./postgres-db.js')
    return await openPostgres(config)
  }
  const { openPglite } = await import('./pglite-db.js')
  return await openPglite(config)
}
