import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { Queue } from 'bullmq'
import type { SyncConfig } from '../config/syncs.js'
import { createRedis, type RedisClient } from '../redis/connect.js'
import type { RedisTarget } from '../redis/target.js'
import type { Db } from '../store/db.js'
import type { AnySyncDefinition } from './definition.js'
import { cronOf, RUN_JOB, SCHEDULER_ID, syncQueue, type RunJobData } from './queues.js'

/**
 * What the admin API asks of the syncs: their schedules and last runs, starting a run now, and one run's state
 * — BullMQ's view (queued, progress, retries) joined with the store's (counts, dead letters), which outlives
 * Redis' bounded history. Without Redis the syncs are listed from the store and starting one is refused.
 */

export interface RunRecord {
  runId: string
  sync: string
  trigger: 'schedule' | 'manual'
  status: 'queued' | 'running' | 'retrying' | 'completed' | 'failed'
  startedAt?: string
  finishedAt?: string
  attempts: number
  progress?: { done: number, estimated?: number }
  counts: { batches: number, read: number, written: number, invalid: number }
  error?: string
}

export interface RunDetail extends RunRecord {
  deadLetters: Array<{ recordKey: string, reason: string, recordedAt: string }>
  deadLetterCount: number
}

export interface SyncStatus {
  name: string
  title: string
  source: string
  destination: string
  schedule: { cron: string, timezone: string, nextRunAt?: string }
  checkpointUpdatedAt?: string
  lastRun?: RunRecord
}

export interface SyncControl {
  /** False without Redis: runs cannot be queued. */
  readonly enabled: boolean
  readonly names: readonly string[]
  readonly queues: ReadonlyArray<Queue<RunJobData>>
  list (): Promise<SyncStatus[]>
  /** Queues a run now; while one is already queued or running, answers that one. */
  trigger (name: string): Promise<{ runId: string, deduplicated: boolean }>
  run (name: string, runId: string): Promise<RunDetail | undefined>
  /** How many sync workers are connected, once the queues' Redis answers; rejects at once while it is not connected. */
  check (): Promise<{ workers: number }>
  close (): Promise<void>
}

interface RunRow {
  run_id: string
  sync_name: string
  trigger: 'schedule' | 'manual'
  status: 'running' | 'completed' | 'failed'
  started_at: Date
  finished_at: Date | null
  attempts: number
  batches: number
  records_read: number
  records_written: number
  records_invalid: number
  estimated_total: number | null
  error: string | null
}

function recordOf (row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    sync: row.sync_name,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at.toISOString() }),
    attempts: row.attempts,
    progress: { done: row.records_read, ...(row.estimated_total === null ? {} : { estimated: row.estimated_total }) },
    counts: { batches: row.batches, read: row.records_read, written: row.records_written, invalid: row.records_invalid },
    ...(row.error === null ? {} : { error: row.error })
  }
}

/** How long a call waits for a Redis connection that is being made before it answers without Redis. */
const CONNECT_WAIT_MS = 1000

const RUN_COLUMNS = 'run_id, sync_name, trigger, status, started_at, finished_at, attempts, batches, records_read, records_written, records_invalid, estimated_total, error'

/** Without `redis` (no Redis configured) the syncs are listed from the store and say they are disabled. */
export function createSyncControl (definitions: readonly AnySyncDefinition[], config: SyncConfig, db: Db, redis?: RedisTarget): SyncControl {
  const connection: RedisClient | undefined = redis === undefined ? undefined : createRedis(redis, 'api')
  connection?.on('error', () => { /* reported by /readyz; commands fail fast meanwhile */ })
  // the api role waits to be told to connect; a Redis away at start is retried in the background
  connection?.connect().catch(() => {})
  const queues = new Map(connection === undefined ? [] : definitions.map((definition) => [definition.name, syncQueue(definition.name, config, connection)]))
  for (const queue of queues.values()) queue.on('error', () => {})
  const names = definitions.map((definition) => definition.name)

  // BullMQ waits for a connection never yet made instead of failing: ask Redis only once it is connected,
  // giving a connection still being made a moment (just after start) before answering without it
  async function connected (): Promise<boolean> {
    if (connection === undefined) return false
    if (connection.status === 'ready') return true
    let timer: NodeJS.Timeout | undefined
    const ready = await Promise.race([
      // once() rejects on the connection's first 'error' (refused): then it is not coming soon
      once(connection, 'ready').then(() => true, () => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), CONNECT_WAIT_MS) })
    ])
    clearTimeout(timer)
    return ready
  }

  async function nextRunAt (name: string): Promise<string | undefined> {
    if (!await connected()) return undefined
    try {
      const next = (await queues.get(name)?.getJobScheduler(SCHEDULER_ID))?.next
      return next === undefined ? undefined : new Date(next).toISOString()
    } catch {
      return undefined // Redis away: the schedule is still the configured one
    }
  }

  return {
    enabled: connection !== undefined,
    names,
    queues: [...queues.values()],

    async list () {
      const lastRuns = await db.query<RunRow>(`SELECT DISTINCT ON (sync_name) ${RUN_COLUMNS} FROM sync_runs ORDER BY sync_name, started_at DESC`)
      const checkpoints = await db.query<{ sync_name: string, updated_at: Date }>('SELECT sync_name, updated_at FROM sync_checkpoints')
      return await Promise.all(definitions.map(async (definition) => {
        const last = lastRuns.find((row) => row.sync_name === definition.name)
        const checkpoint = checkpoints.find((row) => row.sync_name === definition.name)
        const next = await nextRunAt(definition.name)
        return {
          name: definition.name,
          title: definition.title,
          source: definition.source,
          destination: definition.destination,
          schedule: { cron: cronOf(config, definition.name), timezone: config.timezone, ...(next === undefined ? {} : { nextRunAt: next }) },
          ...(checkpoint === undefined ? {} : { checkpointUpdatedAt: checkpoint.updated_at.toISOString() }),
          ...(last === undefined ? {} : { lastRun: recordOf(last) })
        }
      }))
    },

    async trigger (name) {
      const queue = queues.get(name)
      if (queue === undefined) throw new Error(`no queue for sync ${name}`)
      if (!await connected()) throw new Error(`the sync queues' Redis is not connected (${connection?.status ?? ''})`)
      // BullMQ's own ids restart at 1 in a Redis that lost its data; a run id must never name two runs
      const jobId = `manual-${Date.now()}-${randomBytes(4).toString('hex')}`
      // Deduplicated atomically in Redis: a run already queued or running is answered instead, with its own id, so
      // two triggers at the same moment (through two gateways) queue one run and only one answer says it is new.
      const job = await queue.add(RUN_JOB, { trigger: 'manual' }, { jobId, deduplication: { id: 'manual' } })
      if (job.id === undefined) throw new Error('queued run without id')
      return { runId: job.id, deduplicated: job.id !== jobId }
    },

    async run (name, runId) {
      if (!names.includes(name)) return undefined
      const [row] = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE run_id = $1 AND sync_name = $2`, [runId, name])
      let job
      try {
        job = await connected() ? await queues.get(name)?.getJob(runId) : undefined
      } catch {
        job = undefined // Redis away: the store's record is the answer
      }
      if (row === undefined && job === undefined) return undefined
      const base: RunRecord = row === undefined
        ? { runId, sync: name, trigger: job?.data.trigger ?? 'manual', status: 'queued', attempts: 0, counts: { batches: 0, read: 0, written: 0, invalid: 0 } }
        : recordOf(row)
      if (row?.status === 'running' && job !== undefined && (await job.isDelayed() || await job.isWaiting())) base.status = 'retrying'
      const letters = await db.query<{ record_key: string, reason: string, recorded_at: Date }>(
        'SELECT record_key, reason, recorded_at FROM sync_dead_letters WHERE run_id = $1 ORDER BY id LIMIT 100', [runId])
      const [count] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM sync_dead_letters WHERE run_id = $1', [runId])
      return {
        ...base,
        deadLetters: letters.map((letter) => ({ recordKey: letter.record_key, reason: letter.reason, recordedAt: letter.recorded_at.toISOString() })),
        deadLetterCount: count?.n ?? 0
      }
    },

    async check () {
      if (connection === undefined || !await connected()) throw new Error(`Redis is not connected (${connection?.status ?? 'not configured'})`)
      const counts = await Promise.all([...queues.values()].map(async (queue) => await queue.getWorkersCount()))
      // a worker process serves every sync's queue: the fewest on any queue is how many serve them all
      return { workers: counts.length === 0 ? 0 : Math.min(...counts) }
    },

    async close () {
      await Promise.all([...queues.values()].map(async (queue) => { await queue.close() }))
      connection?.disconnect()
    }
  }
}
