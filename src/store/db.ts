import { StoreUnavailableError } from '../errors.js'

/**
 * The one small query interface the gateway uses over both drivers: PostgreSQL (`pg`) in production and
 * embedded PostgreSQL (PGlite) by default. Same SQL dialect on both; values come back with the same types
 * (int8 and numeric as numbers, timestamptz as Date) whichever driver answers.
 */

export interface QueryOptions {
  prepare?: string
}

export interface Queryable {
  /**
   * Runs one parameterised statement ($1, $2 …) and returns its rows. `prepare` names a hot statement of fixed text
   * that PostgreSQL should parse and plan once per connection, not on every call (the audit append: half its
   * server CPU was parsing and planning). PGlite ignores it.
   */
  query<Row = Record<string, unknown>> (sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>
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

// SQLSTATE classes that mean the database is unreachable or going away, not that the statement was wrong.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/

/**
 * A statement the server refused (constraint, syntax) is rethrown as is; anything else — no connection,
 * pool or embedded database closed, server shutting down — becomes the coded 503 StoreUnavailableError.
 */
export function storeError (err: unknown): Error {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_SQLSTATE.test(code)) return err as Error
  // the driver's message stays in the logs (cause), never in an answer
  return Object.assign(new StoreUnavailableError(), { cause: err })
}

async function guard<T> (pending: Promise<T>): Promise<T> {
  try {
    return await pending
  } catch (err) {
    throw storeError(err)
  }
}

function guardQueryable (inner: Queryable): Queryable {
  return {
    query: async (sql, params, options) => await guard(inner.query(sql, params, options)),
    exec: async (sql) => { await guard(inner.exec(sql)) }
  }
}

/** Both drivers answer failures the same way: see storeError. Errors thrown by a transaction's own work pass through. */
function guardDb (inner: Db): Db {
  return {
    ...guardQueryable(inner),
    driver: inner.driver,
    async transaction (work) {
      let fromWork = false
      try {
        return await inner.transaction(async (tx) => {
          try {
            return await work(guardQueryable(tx))
          } catch (err) {
            fromWork = true
            throw err
          }
        })
      } catch (err) {
        throw fromWork ? err : storeError(err)
      }
    },
    ping: async () => { await guard(inner.ping()) },
    close: async () => { await inner.close() }
  }
}

export async function openDb (config: StoreConfig): Promise<Db> {
  if (config.driver === 'postgres') {
    const { openPostgres } = await import('./postgres-db.js')
    return guardDb(await openPostgres(config))
  }
  const { openPglite } = await import('./pglite-db.js')
  return guardDb(await openPglite(config))
}
