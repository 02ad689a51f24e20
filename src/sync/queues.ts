import { Queue, type JobsOptions } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'
import type { SyncConfig } from '../config.js'

/**
 * One BullMQ queue per sync, so each can be held to one run at a time across every worker (global
 * concurrency 1), and one Job Scheduler per queue with a fixed id, so restarts update it rather than add one.
 */

export const SCHEDULER_ID = 'nightly'
export const RUN_JOB = 'run'

export interface RunJobData {
  trigger: 'schedule' | 'manual'
}

/** `{sync-population-changes}`: the braces keep a queue's keys in one Redis Cluster slot. */
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

/**
 * Connections for queues and workers. Workers block on Redis and must wait out an outage
 * (maxRetriesPerRequest: null); the API side fails fast instead, so an admin call never hangs.
 */
export function redisConnection (url: string, role: 'worker' | 'api'): Redis {
  const options: RedisOptions = role === 'worker'
    ? { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) }
    : { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 2000) }
  return new Redis(url, options)
}

export function syncQueue (sync: string, config: SyncConfig, connection: Redis): Queue<RunJobData> {
  return new Queue<RunJobData>(queueName(sync), {
    connection,
    prefix: config.prefix,
    defaultJobOptions: runJobOptions(config),
    streams: { events: { maxLen: 1000 } }
  })
}
