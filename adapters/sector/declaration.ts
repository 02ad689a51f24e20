/**
 * A sector dataset as its declaration file describes it (schemas/SectorDataset.json). The loader checks a file
 * against that schema and the cross-field rules below, so code holding a DatasetDeclaration can trust every name
 * in it: identifiers that reach SQL or a URL match the strict patterns here, and every field a filter, a column
 * mapping or the id names is a field of the record.
 */

export type FieldType = 'string' | 'integer' | 'number' | 'boolean'
export type Scalar = string | number | boolean

/** JSON Schema of one record field: flat, scalar. */
export interface FieldSchema {
  type: FieldType
  title?: string
  description?: string
  format?: 'date' | 'date-time' | 'personal-id' | 'email' | 'uri'
  pattern?: string
  enum?: Scalar[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  examples?: unknown[]
}

export interface RecordSchema {
  type: 'object'
  title?: string
  description?: string
  required?: string[]
  additionalProperties?: false
  properties: Record<string, FieldSchema>
}

export type FilterOperator = 'eq' | 'prefix' | 'gte' | 'lte'

/** JSON Schema of a filter's value, as a query parameter. */
export interface FilterSchema {
  type: 'string' | 'integer' | 'number'
  format?: 'date' | 'date-time' | 'personal-id'
  pattern?: string
  enum?: Array<string | number>
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  description?: string
}

export interface FilterDeclaration {
  /** The query parameter. */
  name: string
  /** The record field it compares. */
  field: string
  operator: FilterOperator
  description?: string
  /** A shared category the value must be a code of, in force on the day of the call (checked by the gateway). */
  category?: string
  schema: FilterSchema
}

export interface SqlSource {
  kind: 'sql'
  /** A configured sector database; `default` when absent. */
  database?: string
  /** `table` or `schema.table`, a table or a view. */
  table: string
  /** Field → column where the column is not the field's snake_case name. */
  columns?: Record<string, string>
}

export interface RestFieldMapping {
  from: string
  /** Upstream value, as text → record value. */
  values?: Record<string, Scalar>
  /** `yyyyMMdd` upstream, ISO 8601 date in the record. */
  format?: 'yyyyMMdd'
}

export interface RestSource {
  kind: 'rest'
  /** A configured REST upstream: base URL and credentials are configuration, not declaration. */
  upstream: string
  path: string
  itemsKey: string
  cursorKey?: string
  cursorParam?: string
  limitParam?: string
  maxLimit?: number
  /** Filter name → upstream query parameter. */
  params?: Record<string, string>
  errorCodeKey?: string
  notFoundCode?: string
  badCursorCode?: string
  /** Record field → upstream field. */
  fields: Record<string, string | RestFieldMapping>
}

export interface DatasetDeclaration {
  sector: string
  dataset: string
  title: string
  description?: string
  source: SqlSource | RestSource
  idField: string
  recordSchema: RecordSchema
  filters: FilterDeclaration[]
  personalData: {
    fields: string[]
    /** The field holding the data subject's personal id (for the audit). */
    subjectIdField?: string
  }
  cacheable: boolean
  ttlSeconds?: number
}

/** One record as the gateway returns it; fields whose value is missing are absent. */
export type SectorRecord = Record<string, Scalar>

// The patterns of schemas/SectorDataset.json, for code that checks names again at the point of use.
export const CODE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
export const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,62}$/
export const SQL_TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/
export const SQL_COLUMN = /^[a-z_][a-z0-9_]{0,62}$/
export const UPSTREAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/** Query parameters the list route itself uses: no filter may take these names. */
export const RESERVED_PARAMETERS: ReadonlySet<string> = new Set(['cursor', 'limit'])

/** `land/parcels`: how the port and the route name a dataset. */
export function datasetKey (declaration: Pick<DatasetDeclaration, 'sector' | 'dataset'>): string {
  return `${declaration.sector}/${declaration.dataset}`
}

/** The grant name: `sector.<sector>.<dataset>.read`. */
export function serviceName (declaration: Pick<DatasetDeclaration, 'sector' | 'dataset'>): string {
  return `sector.${declaration.sector}.${declaration.dataset}.read`
}

/** Whether calls need X-Purpose and are audited with their data subjects. */
export function hasPersonalData (declaration: DatasetDeclaration): boolean {
  return declaration.personalData.fields.length > 0
}

/** parcelId → parcel_id: the column of a field whose declaration does not name one. */
export function snakeCase (field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** The column holding a field of an SQL dataset. */
export function columnOf (source: SqlSource, field: string): string {
  return source.columns?.[field] ?? snakeCase(field)
}

/** Code-unit order: what PostgreSQL's "C" collation and a plain JavaScript sort agree on. */
export function compareIds (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
