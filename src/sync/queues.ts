import { Queue, type JobsOptions } from 'bullmq'
import type { SyncConfig } from '../config/syncs.js'
import type { RedisClient } from '../redis/connect.js'

/**
 * One BullMQ queue per sync, so each can be held to one run at a time across every worker (global
 * concurrency 1), and one Job Scheduler per queue with a fixed id, so restarts update it rather than add one.
 */

export const SCHEDULER_ID = 'nightly'
export const RUN_JOB = 'run'

export interface RunJobData {
  trigger: 'schedule' | 'manual'
}

/**
 * `{sync-population-changes}`: the braces make the name a Cluster hash tag, so every key of one queue (BullMQ's
 * scripts touch several at once) is in one slot, and different queues spread over the masters.
 */
export function queueName (sync: string): string {
  return `{sync-${sync}}`
}

export function cronOf (config: SyncConfig, sync: string): string {
  return config.cronBySync[sync] ?? config.cron
}

/** Retries with exponential backoff; Redis keeps a bounded history (the store keeps every run). */
export function runJobOptions (config: SyncConfig): JobsOptions {
  return {
    attempts: config.attempts,
    backoff: { type: 'exponential', delay: config.backoffMs },
    removeOnComplete: { age: 14 * 24 * 3600, count: 500 },
    removeOnFail: { age: 60 * 24 * 3600, count: 1000 }
  }
}

/** A sync's queue on a connection from redis/connect.ts: `worker` in the worker, `api` for the admin API. */
export function syncQueue (sync: string, config: SyncConfig, connection: RedisClient): Queue<RunJobData> {
  return new Queue<RunJobData>(queueName(sync), {
    connection,
    prefix: config.prefix,
    defaultJobOptions: runJobOptions(config),
    streams: { events: { maxLen: 1000 } }
  })
}
