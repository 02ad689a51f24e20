import { PGlite } from '@electric-sql/pglite'
import { INT8_OID, NUMERIC_OID, type Db } from './db.js'

const parsers = {
  [INT8_OID]: (value: string) => Number(value),
  [NUMERIC_OID]: (value: string) => Number(value)
}

/** Embedded PostgreSQL: one connection, so PGlite itself queues queries and transactions one at a time. */
export async function openPglite (config: { dataDir?: string }): Promise<Db> {
  const db = await PGlite.create(config.dataDir === undefined ? { parsers } : { dataDir: config.dataDir, parsers })
  return {
    driver: 'pglite',
    query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never[],
    async exec (sql) { await db.exec(sql) },
    transaction: async (work) => await db.transaction(async (tx) => await work({
      query: async (sql, params) => (await tx.query(sql, params as unknown[])).rows as never[],
      async exec (sql) { await tx.exec(sql) }
    })),
    async ping () { await db.query('SELECT 1') },
    async close () { if (!db.closed) await db.close() }
  }
}
