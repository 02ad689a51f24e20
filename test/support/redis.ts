import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { startPrivateRedis } from '../../src/private-redis.js'
import type { Teardown } from './teardown.js'

/** The given Redis, or else a private redis-server stopped at teardown; a clear failure when neither exists. */
export async function redisUrl (t: Teardown, givenUrl: string | undefined): Promise<string> {
  if (givenUrl !== undefined) return givenUrl
  const redis = await startPrivateRedis()
  if (redis === undefined) {
    throw new Error('This needs Redis: give its URL (TEST_REDIS_URL, BENCH_REDIS_URL) or install redis-server (Debian: apt-get install redis-server; macOS: brew install redis)')
  }
  t.teardown(() => redis.stop(), 'stop the private redis-server')
  return redis.url
}

/** Redis for a test: TEST_REDIS_URL, or a private redis-server for this test. */
export async function testRedisUrl (t: Teardown): Promise<string> {
  return await redisUrl(t, process.env.TEST_REDIS_URL)
}

/** A unique key prefix `lgsp:<label>:<uuid>:`, deleted with everything under it at teardown. */
export async function redisPrefix (t: Teardown, url: string, label = 'test'): Promise<string> {
  const prefix = `lgsp:${label}:${randomUUID()}:`
  t.teardown(async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch {
      client.disconnect()
      return // a Redis already stopped (by the test itself, or a Ctrl-C) took its keys with it
    }
    try {
      for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await client.del(...keys)
      }
    } finally {
      client.disconnect()
    }
  }, `delete Redis keys ${prefix}*`)
  return prefix
}

/** A gateway's or worker's Redis variables: every key under `prefix` (rate limits, response cache, sync queues). */
export function redisEnv (url: string, prefix: string): Record<string, string> {
  return {
    REDIS_URL: url,
    RATE_LIMIT_PREFIX: `${prefix}rl:`,
    CACHE_PREFIX: `${prefix}cache:`,
    SYNC_QUEUE_PREFIX: `${prefix}q`
  }
}
