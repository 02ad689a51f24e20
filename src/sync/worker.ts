import { Worker, type Job, type Queue } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import type { SyncConfig } from '../config/syncs.js'
import { createRedis } from '../redis/connect.js'
import type { RedisTarget } from '../redis/target.js'
import type { Db } from '../store/db.js'
import type { AnySyncDefinition } from './definition.js'
import { runSyncProcessor } from './processors/run-sync.js'
import { cronOf, queueName, RUN_JOB, runJobOptions, SCHEDULER_ID, syncQueue, type RunJobData } from './queues.js'
import { recordRunFailure, type RunSummary } from './runner.js'

/**
 * The sync worker: one BullMQ Worker per sync (one run at a time each), the nightly Job Schedulers, and the
 * run's end in the store when BullMQ gives up. `close()` stops taking jobs, lets the run in hand stop after its
 * current page (its job returns to the queue), and closes the connections.
 */

export interface SyncWorkers {
  /** Resolves once every scheduler is in place (Redis reachable). */
  readonly ready: Promise<void>
  close (): Promise<void>
}

export interface SyncWorkerOptions {
  definitions: readonly AnySyncDefinition[]
  config: SyncConfig
  /** The Redis holding the queues. */
  redis: RedisTarget
  db: Db
  log: FastifyBaseLogger
}

export function startSyncWorkers ({ definitions, config, redis, db, log }: SyncWorkerOptions): SyncWorkers {
  // one connection for the queues and workers; BullMQ duplicates it for each worker's blocking reads
  const connection = createRedis(redis, 'worker')
  connection.on('error', (err: Error) => { log.warn({ err: err.message }, 'sync worker: redis error') })
  const stopping = new AbortController()
  const queues: Array<Queue<RunJobData>> = []
  const workers: Array<Worker<RunJobData, RunSummary>> = []

  for (const definition of definitions) {
    const queue = syncQueue(definition.name, config, connection)
    queue.on('error', (err) => { log.warn({ err: err.message, sync: definition.name }, 'sync queue error') })
    queues.push(queue)
    const worker = new Worker<RunJobData, RunSummary>(queueName(definition.name), runSyncProcessor(definition, db, stopping.signal, log), {
      connection,
      prefix: config.prefix,
      concurrency: 1,
      lockDuration: config.lockMs,
      stalledInterval: Math.max(250, Math.floor(config.lockMs / 2)),
      maxStalledCount: 10
    })
    worker.on('error', (err) => { log.warn({ err: err.message, sync: definition.name }, 'sync worker error') })
    worker.on('completed', (job, summary) => { log.info({ sync: definition.name, runId: job.id, read: summary.read, written: summary.written, invalid: summary.invalid }, 'sync run completed') })
    worker.on('failed', (job: Job<RunJobData> | undefined, err) => {
      if (job?.id === undefined) return
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1)
      log.warn({ sync: definition.name, runId: job.id, attempt: job.attemptsMade, final, err: err.message }, final ? 'sync run failed' : 'sync run attempt failed; retrying')
      const recorded = recordRunFailure(db, job.id, final ? err.message : `attempt ${job.attemptsMade}: ${err.message}`, final)
      void recorded.catch((storeErr: unknown) => { log.error({ err: (storeErr as Error).message, runId: job.id }, 'sync run outcome not recorded') })
    })
    workers.push(worker)
  }

  const setUpSchedules = async (): Promise<void> => {
    for (const [index, definition] of definitions.entries()) {
      const queue = queues[index] as Queue<RunJobData>
      await queue.setGlobalConcurrency(1)
      // the fixed id makes this an update on every start: never a second schedule
      await queue.upsertJobScheduler(SCHEDULER_ID, { pattern: cronOf(config, definition.name), tz: config.timezone }, {
        name: RUN_JOB,
        data: { trigger: 'schedule' },
        opts: runJobOptions(config)
      })
    }
  }
  const ready = setUpSchedules()
  ready.catch((err: unknown) => { log.error({ err: (err as Error).message }, 'sync schedules not set up') })
  // a Redis that restarted without its data has lost the schedules too: put them back on every reconnect
  let connectedBefore = false
  connection.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true
      return
    }
    log.info('sync worker reconnected to Redis: checking the schedules')
    setUpSchedules().catch((err: unknown) => { log.error({ err: (err as Error).message }, 'sync schedules not restored') })
  })

  return {
    ready,
    async close () {
      stopping.abort()
      await Promise.all(workers.map(async (worker) => { await worker.close() }))
      await Promise.all(queues.map(async (queue) => { await queue.close() }))
      connection.disconnect()
    }
  }
}
