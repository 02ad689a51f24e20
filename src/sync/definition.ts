import type { Queryable } from '../store/db.js'

/**
 * What a sync is: a source read page by page from a position the sync keeps, a check of every record, and a
 * destination written in the same transaction as the new position. The runner (runner.ts) does the rest —
 * checkpoints, dead letters, counts, progress — the same way for every sync.
 */

/** One record as the source gave it: mapped, or unusable with the reason why. */
export type SourceRecord<R> =
  | { key: string, record: R }
  | { key: string, invalid: { reason: string, raw: unknown } }

export interface SourcePage<R> {
  records: Array<SourceRecord<R>>
  /** The source's position after this page, to be stored as the checkpoint. */
  position: string | null
  /** False on the last page of this run. */
  more: boolean
  /** Records from the start of this page to the end of the source, when the source says (for progress). */
  remaining?: number
}

export interface SyncContext {
  runId: string
  /** Aborted when the worker shuts down or the run is cancelled. */
  signal?: AbortSignal
}

export interface ValidRecord<R> {
  key: string
  record: R
}

export interface SyncDefinition<R = unknown> {
  /** `population-changes`; also the queue's and the scheduler's name. */
  name: string
  title: string
  /** Upstream read from and where records go, for the admin API. */
  source: string
  destination: string
  read (position: string | null, context: SyncContext): Promise<SourcePage<R>>
  /** A reason when a mapped record still must not be written (schema check); undefined when it is fine. */
  check? (record: R): string | undefined
  /**
   * Work outside the database before the batch commits (an HTTP push). It must be idempotent: after a crash
   * the batch is delivered again. Answers the records the destination refused, with reasons (dead letters).
   */
  deliver? (records: Array<ValidRecord<R>>, context: SyncContext): Promise<Array<{ key: string, reason: string }>>
  /** Writes the batch inside the checkpoint's transaction; idempotent (upserts). Answers rows written. */
  write (tx: Queryable, records: Array<ValidRecord<R>>, context: SyncContext): Promise<number>
  /**
   * Snapshot syncs copy the whole source each run: after a completed run the checkpoint goes back to the
   * start. Change-feed syncs keep it, and the next run reads only what changed since.
   */
  restartAfterCompletion?: boolean
  /** Read a page only after the previous one is written (a source whose reads depend on state the writes set). */
  sequential?: boolean
}

/** A sync of any record type, as lists of syncs hold them (each definition is consistent in itself). */
export type AnySyncDefinition = SyncDefinition<any>
