import { DelayedError, UnrecoverableError, type Job, type Processor } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../store/db.js'
import type { AnySyncDefinition } from '../definition.js'
import type { RunJobData } from '../queues.js'
import { CheckpointMovedError, runSync, RunInterruptedError, type RunSummary } from '../runner.js'

/**
 * The BullMQ processor of every sync: one job = one run, its id the run id. A retried job resumes the same
 * run from its checkpoint. On shutdown the run stops after the page in hand and its job goes back to the
 * queue without spending an attempt, so the next worker continues it.
 */
export function runSyncProcessor (definition: AnySyncDefinition, db: Db, stopping: AbortSignal, log: FastifyBaseLogger): Processor<RunJobData, RunSummary> {
  return async (job: Job<RunJobData>, token?: string, signal?: AbortSignal) => {
    const runId = job.id
    if (runId === undefined) throw new UnrecoverableError('a run job without id')
    const signals = [stopping, ...(signal === undefined ? [] : [signal])]
    try {
      return await runSync(definition, {
        db,
        runId,
        trigger: job.data.trigger,
        signal: AbortSignal.any(signals),
        // progress is for watching only: a Redis blip must not stop a run whose pages commit in the store
        progress: async (progress) => {
          await job.updateProgress({ done: progress.read, ...(progress.estimatedTotal === undefined ? {} : { estimated: progress.estimatedTotal }), written: progress.written, invalid: progress.invalid, batches: progress.batches })
            .catch((err: unknown) => { log.warn({ err: (err as Error).message, runId }, 'sync progress not reported') })
        }
      })
    } catch (err) {
      // stopping aborts reads in flight too: whatever failed after the stop, the run goes back to the queue
      if (stopping.aborted) {
        await job.moveToDelayed(Date.now() + 1000, token)
        throw new DelayedError(err instanceof RunInterruptedError ? err.message : `run ${runId} handed back: the worker is stopping`)
      }
      if (err instanceof CheckpointMovedError) throw new UnrecoverableError(err.message)
      throw err
    }
  }
}
