import type { Db } from '../store/db.js'
import type { SourcePage, SyncContext, SyncDefinition, ValidRecord } from './definition.js'

/**
 * Runs one sync from its committed checkpoint to the end of its source, one page per transaction: the page's
 * rows, its dead letters, the run's counts and the new checkpoint commit together or not at all. A run that
 * dies (worker killed, Redis gone, upstream down) is retried under the same run id and resumes after the last
 * committed page, so nothing is lost or written twice.
 */

export interface RunOptions extends SyncContext {
  db: Db
  trigger: 'schedule' | 'manual'
  /** Called after every committed page. */
  progress?: (progress: RunProgress) => Promise<void> | void
}

export interface RunProgress {
  batches: number
  read: number
  written: number
  invalid: number
  estimatedTotal?: number
}

export interface RunSummary extends RunProgress {
  runId: string
  positionFrom: string | null
  positionTo: string | null
}

/** The checkpoint moved under this run: another run of the same sync committed meanwhile. Retrying cannot help. */
export class CheckpointMovedError extends Error {
  override name = 'CheckpointMovedError'
}

/** The worker is shutting down: the page in hand was committed or not started; a retry resumes. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError'
}

interface RunRow { batches: number, records_read: number, records_written: number, records_invalid: number, estimated_total: number | null }

export async function runSync<R> (definition: SyncDefinition<R>, options: RunOptions): Promise<RunSummary> {
  const { db, runId } = options
  const name = definition.name
  const [start] = await db.transaction(async (tx) => {
    await tx.query('INSERT INTO sync_checkpoints (sync_name) VALUES ($1) ON CONFLICT (sync_name) DO NOTHING', [name])
    const [checkpoint] = await tx.query<{ position: string | null }>('SELECT position FROM sync_checkpoints WHERE sync_name = $1', [name])
    const position = checkpoint?.position ?? null
    // runs of this sync still marked running died with their job (Redis lost it): only one run is ever active
    await tx.query(
      `UPDATE sync_runs SET status = 'failed', finished_at = now(), error = 'abandoned: its job was lost; run ' || $2 || ' continued from the checkpoint'
       WHERE sync_name = $1 AND status = 'running' AND run_id <> $2`, [name, runId])
    // a retry of the same run continues its counts; position_from stays where the run first began
    return await tx.query<RunRow & { position: string | null }>(
      `INSERT INTO sync_runs (run_id, sync_name, trigger, status, position_from) VALUES ($1, $2, $3, 'running', $4)
       ON CONFLICT (run_id) DO UPDATE SET status = 'running', attempts = sync_runs.attempts + 1, error = NULL, finished_at = NULL
       RETURNING batches, records_read, records_written, records_invalid, estimated_total, $4::text AS position`,
      [runId, name, options.trigger, position])
  })
  if (start === undefined) throw new Error(`run ${runId} was not recorded`)
  const progress: RunProgress = {
    batches: start.batches,
    read: start.records_read,
    written: start.records_written,
    invalid: start.records_invalid,
    ...(start.estimated_total === null ? {} : { estimatedTotal: start.estimated_total })
  }
  let position = start.position
  const positionFrom = position

  // the next page is read while this one is written: reading changes nothing, and a page whose commit fails
  // is simply read again by the retry, so the prefetched one is dropped
  let next: Promise<SourcePage<R>> | undefined
  for (;;) {
    if (options.signal?.aborted === true) throw new RunInterruptedError(`run ${runId} of ${name} interrupted after batch ${progress.batches}; it resumes from the last checkpoint`)
    const page = await (next ?? definition.read(position, options))
    next = page.more && !definition.sequential ? definition.read(page.position, options) : undefined
    // a prefetch that fails is reported by the next turn's await, not as an unhandled rejection meanwhile
    next?.catch(() => {})
    const valid: Array<ValidRecord<R>> = []
    const dead: Array<{ key: string, reason: string, payload: unknown }> = []
    for (const item of page.records) {
      if ('invalid' in item) {
        dead.push({ key: item.key, reason: item.invalid.reason, payload: item.invalid.raw })
        continue
      }
      const reason = definition.check?.(item.record)
      if (reason === undefined) valid.push(item)
      else dead.push({ key: item.key, reason, payload: item.record })
    }
    let accepted = valid
    if (definition.deliver !== undefined && valid.length > 0) {
      const refused = await definition.deliver(valid, options)
      if (refused.length > 0) {
        const reasons = new Map(refused.map((entry) => [entry.key, entry.reason]))
        accepted = valid.filter((item) => !reasons.has(item.key))
        for (const item of valid) {
          const reason = reasons.get(item.key)
          if (reason !== undefined) dead.push({ key: item.key, reason, payload: item.record })
        }
      }
    }

    const written = await db.transaction(async (tx) => {
      const moved = await tx.query(
        `UPDATE sync_checkpoints SET position = $2, run_id = $4, updated_at = now()
         WHERE sync_name = $1 AND position IS NOT DISTINCT FROM $3 RETURNING 1`, [name, page.position, position, runId])
      if (moved.length === 0) throw new CheckpointMovedError(`the checkpoint of ${name} moved under run ${runId}: another run committed meanwhile`)
      const count = accepted.length === 0 ? 0 : await definition.write(tx, accepted, options)
      if (dead.length > 0) {
        await tx.query(
          `INSERT INTO sync_dead_letters (sync_name, run_id, record_key, reason, payload)
           SELECT $1, $2, d.key, d.reason, d.payload FROM jsonb_to_recordset($3::jsonb) AS d(key text, reason text, payload jsonb)
           ON CONFLICT (sync_name, record_key) DO UPDATE SET run_id = EXCLUDED.run_id, reason = EXCLUDED.reason, payload = EXCLUDED.payload, recorded_at = now()`,
          [name, runId, JSON.stringify(dead)])
      }
      await tx.query(
        `UPDATE sync_runs SET batches = batches + 1, records_read = records_read + $2, records_written = records_written + $3,
           records_invalid = records_invalid + $4, estimated_total = COALESCE($5, estimated_total), position_to = $6
         WHERE run_id = $1`,
        [runId, page.records.length, count, dead.length, page.remaining === undefined ? null : progress.read + page.remaining, page.position])
      return count
    })
    if (page.remaining !== undefined) progress.estimatedTotal = progress.read + page.remaining
    position = page.position
    progress.batches += 1
    progress.read += page.records.length
    progress.written += written
    progress.invalid += dead.length
    await options.progress?.({ ...progress })
    if (!page.more) break
  }

  await db.transaction(async (tx) => {
    await tx.query("UPDATE sync_runs SET status = 'completed', finished_at = now() WHERE run_id = $1", [runId])
    if (definition.restartAfterCompletion === true) {
      await tx.query('UPDATE sync_checkpoints SET position = NULL, updated_at = now() WHERE sync_name = $1 AND run_id = $2', [name, runId])
    }
  })
  return { runId, ...progress, positionFrom, positionTo: position }
}

/**
 * Records a failed attempt: for good (attempts exhausted, or a failure a retry cannot mend) the run is failed;
 * otherwise it stays running with the attempt's error, and a retry resumes it.
 */
export async function recordRunFailure (db: Db, runId: string, error: string, final: boolean): Promise<void> {
  await db.query(
    `UPDATE sync_runs SET error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END,
       finished_at = CASE WHEN $3 THEN now() ELSE finished_at END
     WHERE run_id = $1`, [runId, error.slice(0, 2000), final])
}
