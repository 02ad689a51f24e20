import type { WithResilience } from '../shared/resilience.js'
import type { CallContext, Page } from '../shared/call.js'
import type { DatasetDeclaration, SectorRecord } from './declaration.js'

export type {
  DatasetDeclaration, FieldSchema, FilterDeclaration, FilterOperator, FilterSchema, RecordSchema, RestSource, Scalar, SectorRecord, SqlSource
} from './declaration.js'
export { datasetKey, hasPersonalData, serviceName } from './declaration.js'

/**
 * What the gateway needs from the sector databases, in its own terms: one port over every declared dataset,
 * whatever holds it (a PostgreSQL table or view, a JSON REST endpoint). A dataset is named `<sector>/<dataset>`
 * (`land/parcels`) or passed as its declaration.
 *
 * Refusals the caller caused are InvalidInputError (shared/errors.ts) with `errors[]` naming the query
 * parameter: an undeclared filter or a value its schema refuses (`/<filter name>`), a limit out of range
 * (`/limit`), a cursor this port did not issue for this dataset and these filters (`/cursor`). An unknown dataset
 * is UnknownResourceError. A source that fails is UpstreamFaultError (also an answer that does not match the
 * declared recordSchema), UpstreamUnavailableError or UpstreamTimeoutError.
 */

export type { CallContext, Page } from '../shared/call.js'

/** `land/parcels`, or the declaration itself. */
export type DatasetRef = string | DatasetDeclaration

export interface ListQuery {
  /**
   * Declared filter name → value; values are checked against the filter's schema (numbers may come as text,
   * text is compared in NFC). An undefined value is no filter.
   */
  filters?: Readonly<Record<string, string | number | undefined>>
  cursor?: string
  /** 1…1000. */
  limit: number
}

export const MAX_PAGE = 1000

export interface SectorPort extends WithResilience {
  /** Every dataset this port serves, in declaration order. */
  readonly datasets: readonly DatasetDeclaration[]
  /** The declaration of `land/parcels`, or undefined. */
  dataset (key: string): DatasetDeclaration | undefined
  /** The record with this id, or undefined (also for an id the id field's schema refuses: it cannot exist). */
  getRecord (dataset: DatasetRef, id: string | number, context: CallContext): Promise<SectorRecord | undefined>
  /** Records matching every filter given, ordered by the id field, keyset-paginated. */
  listRecords (dataset: DatasetRef, query: ListQuery, context: CallContext): Promise<Page<SectorRecord>>
  /** Resolves when every source answers (SQL: each table is readable; REST: each upstream's health path). */
  checkHealth (): Promise<void>
  close (): Promise<void>
}
