import pg from 'pg'
import { INT8_OID, NUMERIC_OID, SCHEMA_NAME, type Db, type Queryable, type QueryOptions } from './db.js'

// Per-pool parsers, not pg's global ones, so several stores can live in one process.
const types = {
  getTypeParser (oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  }
} as pg.CustomTypesConfig

export async function openPostgres (config: { url: string, schema: string, poolSize: number }): Promise<Db> {
  if (!SCHEMA_NAME.test(config.schema)) throw new Error(`invalid schema name ${config.schema}`)
  // Create the schema first, then give every pooled connection it as search_path.
  const setup = new pg.Client({ connectionString: config.url })
  await setup.connect()
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${config.schema}`)
  } catch (err) {
    // two processes starting together: IF NOT EXISTS is not atomic, the loser sees a unique violation
    if ((err as { code?: string }).code !== '23505') throw err
  } finally {
    await setup.end()
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    types,
    options: `-c search_path=${config.schema}`,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000
  })
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {})

  const query = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]> =>
    (await client.query({ text: sql, values: params as unknown[], ...(options?.prepare === undefined ? {} : { name: options.prepare }) })).rows as Row[]

  return {
    driver: 'postgres',
    query: async (sql, params, options) => await query(pool, sql, params, options),
    async exec (sql) { await pool.query(sql) },
    async transaction (work) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const tx: Queryable = {
          query: async (sql, params, options) => await query(client, sql, params, options),
          async exec (sql) { await client.query(sql) }
        }
        const result = await work(tx)
        await client.query('COMMIT')
        return result
      } catch (err) {
        try {
          await client.query('ROLLBACK')
        } catch (rollbackError) {
          broken = rollbackError as Error
        }
        throw err
      } finally {
        // A connection that could not even roll back is not returned to the pool.
        client.release(broken)
      }
    },
    async ping () { await pool.query('SELECT 1') },
    async close () { if (!pool.ended) await pool.end() }
  }
}
