import { UpstreamFaultError, UpstreamTimeoutError, UpstreamUnavailableError } from '../shared/errors.js'
import type { Position } from './cursor.js'
import { columnOf, SQL_COLUMN, SQL_TABLE, type DatasetDeclaration, type FieldSchema, type SqlSource } from './declaration.js'
import type { DatasetSource, SourcePage } from './source.js'

/**
 * A dataset held in a PostgreSQL table or view, read through a small query interface (SqlDatabase below; the
 * gateway's store, over pg or PGlite, has its shape).
 * Identifiers come from a checked declaration and are quoted again here; every value — filter, id, keyset
 * position, page size — is a `$n` parameter. Prefix filters escape LIKE's own wildcards, so `%` and `_` in a
 * value match themselves.
 */

/** Runs one parameterised statement ($1, $2 …) and answers its rows. */
export interface SqlStatements {
  query<Row = Record<string, unknown>> (sql: string, params?: readonly unknown[]): Promise<Row[]>
}

/**
 * What a SQL source needs of a PostgreSQL database: statements, and a transaction to bound them with a
 * statement timeout. A refused statement rejects with the server's error (its SQLSTATE in `code`); any other
 * rejection means the database cannot be reached.
 */
export interface SqlDatabase extends SqlStatements {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T> (work: (tx: SqlStatements) => Promise<T>): Promise<T>
}

export interface SqlSourceOptions {
  /** Per-statement deadline, set with SET LOCAL statement_timeout (each read then runs in a transaction). */
  statementTimeoutMs?: number
}

/** `"name"`, with any `"` doubled: only ever applied to names that already match the strict patterns. */
export function quoteIdentifier (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `schema.table` → `"schema"."table"`. */
export function quoteTable (table: string): string {
  if (!SQL_TABLE.test(table)) throw new Error(`invalid table name ${table}`)
  return table.split('.').map(quoteIdentifier).join('.')
}

function quoteColumn (column: string): string {
  if (!SQL_COLUMN.test(column)) throw new Error(`invalid column name ${column}`)
  return quoteIdentifier(column)
}

/** How a field is read: dates as ISO text whatever the column's type or the server's DateStyle. */
function selectExpression (column: string, field: FieldSchema): string {
  if (field.type !== 'string') return column
  if (field.format === 'date') return `to_char((${column})::date, 'YYYY-MM-DD')`
  if (field.format === 'date-time') return `to_json((${column})::timestamptz) #>> '{}'`
  return `(${column})::text`
}

/** `%`, `_` and the escape character itself, escaped for LIKE … ESCAPE '\'. */
export function likePrefix (value: string): string {
  return `${value.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

const COMPARISON = { eq: '=', gte: '>=', lte: '<=' } as const

/** A row as a record: NULL columns left out, anything a driver parsed into a Date back to ISO text. */
function rowToRecord (row: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) {
    if (value === null || value === undefined) continue
    record[name] = value instanceof Date ? value.toISOString() : value
  }
  return record
}

// SQLSTATE classes that mean the database is unreachable or going away, not that the statement was wrong.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/

function sqlError (upstream: string, err: unknown, timeoutMs: number | undefined): Error {
  const code = (err as { code?: unknown }).code
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  if (sqlState === undefined || UNAVAILABLE_SQLSTATE.test(sqlState)) return new UpstreamUnavailableError(upstream, { cause: err })
  if (sqlState === '57014' && timeoutMs !== undefined) return new UpstreamTimeoutError(upstream, timeoutMs, { cause: err })
  // the driver's message (table and column names) stays in the cause, for the logs
  return new UpstreamFaultError(upstream, `query refused (SQLSTATE ${sqlState})`, { cause: err })
}

export function sqlDatasetSource (declaration: DatasetDeclaration, source: SqlSource, db: SqlDatabase, options: SqlSourceOptions = {}): DatasetSource {
  const upstream = `${declaration.sector} sector database`
  const timeoutMs = options.statementTimeoutMs
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) throw new RangeError('statementTimeoutMs must be a positive integer')

  const table = quoteTable(source.table)
  const column = (field: string): string => quoteColumn(columnOf(source, field))
  const selectList = Object.entries(declaration.recordSchema.properties)
    .map(([field, schema]) => `${selectExpression(column(field), schema)} AS ${quoteIdentifier(field)}`)
    .join(', ')
  const idColumn = column(declaration.idField)

  async function run (sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    try {
      if (timeoutMs === undefined) return await db.query(sql, params)
      return await db.transaction(async (tx: SqlStatements) => {
        await tx.query(`SET LOCAL statement_timeout = ${timeoutMs}`)
        return await tx.query(sql, params)
      })
    } catch (err) {
      throw sqlError(upstream, err, timeoutMs)
    }
  }

  return {
    upstream,

    async get (id) {
      const [row] = await run(`SELECT ${selectList} FROM ${table} WHERE ${idColumn} = $1 LIMIT 1`, [id])
      return row === undefined ? undefined : rowToRecord(row)
    },

    async list (filters, after, limit): Promise<SourcePage> {
      const params: unknown[] = []
      const parameter = (value: unknown): string => {
        params.push(value)
        return `$${params.length}`
      }
      const conditions = filters.map((filter) => filter.operator === 'prefix'
        ? `${column(filter.field)} LIKE ${parameter(likePrefix(String(filter.value)))} ESCAPE '\\'`
        : `${column(filter.field)} ${COMPARISON[filter.operator]} ${parameter(filter.value)}`)
      if (after !== undefined) conditions.push(`${idColumn} > ${parameter(after)}`)
      const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`
      // one more than asked: whether it comes back says whether there is a next page
      const rows = await run(`SELECT ${selectList} FROM ${table}${where} ORDER BY ${idColumn} LIMIT ${parameter(limit + 1)}`, params)
      const records = rows.slice(0, limit).map(rowToRecord)
      const last = records[records.length - 1]?.[declaration.idField]
      return rows.length > limit && (typeof last === 'string' || typeof last === 'number') ? { records, next: last as Position } : { records }
    },

    async check () {
      // reads no row, but plans the whole select: a missing table, column or impossible cast fails here
      await run(`SELECT ${selectList} FROM ${table} LIMIT 0`, [])
    }
  }
}
