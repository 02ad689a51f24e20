import type { Position } from './cursor.js'
import type { AppliedFilter } from './filters.js'
import type { CallContext } from './port.js'

/** What the port asks of whatever holds a dataset; the port checks filters, limits, cursors and records around it. */

export interface SourcePage {
  /** Records as the source read them, not yet checked against the declared recordSchema. */
  records: Array<Record<string, unknown>>
  /** Where the next page starts; absent on the last page. */
  next?: Position
}

export interface DatasetSource {
  /** Names the source in upstream errors, e.g. "land sector database". */
  readonly upstream: string
  get (id: string | number, context: CallContext): Promise<Record<string, unknown> | undefined>
  /** `after`: a `next` this source gave before, read back from a cursor. */
  list (filters: readonly AppliedFilter[], after: Position | undefined, limit: number, context: CallContext): Promise<SourcePage>
  /** Rejects with an upstream error (shared/errors.ts) when the source cannot serve the dataset. */
  check (): Promise<void>
}
