import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { RedisClient } from '../redis/connect.js'

/**
 * Answers of reference data (never personal data), kept for a time per kind of answer. Two layers: this
 * gateway's memory (an LRU bounded in bytes) in front of Redis, which every gateway shares. A miss in both
 * calls the upstream once for every request that asks the same thing meanwhile: lru-cache's `fetch` coalesces
 * concurrent fetches of one key, in this process.
 *
 * Only answers are kept: an upstream failure, or nothing found, is not. Redis is an optimisation, never a
 * dependency: while it is away, or slow past `redisTimeoutMs`, the cache reads and writes memory only.
 */

export type CacheOutcome = 'hit' | 'miss'

export interface Cached<T> {
  /** undefined when `load` answers undefined: the upstream has nothing under this key (such an answer is not kept). */
  value: T
  /** `hit`: from memory or Redis; `miss`: the upstream was asked for it (once for all who asked meanwhile). */
  outcome: CacheOutcome
}

export interface ResponseCache {
  /**
   * The answer under `key` (from cacheKey), else `load()`'s, kept `ttlSeconds` in memory and in Redis. The
   * first caller's `load` serves every concurrent caller of the same key; its rejection reaches them all.
   * `ttlSeconds` 0 keeps nothing: `load()` is called.
   */
  read<T> (key: string, ttlSeconds: number, load: () => Promise<T>): Promise<Cached<T>>
}

export interface ResponseCacheOptions {
  /**
   * The shared layer (one node, Sentinel or Cluster); memory only without it. Every command names one key, so
   * each is one Cluster slot whatever the prefix.
   */
  redis?: RedisClient
  /** Prefix of every Redis key (CACHE_PREFIX). */
  prefix: string
  /** Longest wait for one Redis command before going on without it. */
  redisTimeoutMs?: number
  /** Size of the in-memory layer, in characters of JSON. */
  maxMemoryChars?: number
  /** Told when Redis could not be used (the request goes on). */
  onRedisError?: (err: Error, operation: 'read' | 'write') => void
}

/** Bump when the shape of kept answers changes, so gateways of two releases never read each other's entries. */
const FORMAT = 'v1'

/**
 * A stable key for what is asked: its name (`procedures/search`) and a digest of its parameters, independent of
 * their order; undefined parameters are left out (`?q=x` and `?q=x&agency=` with agency absent are one key).
 */
export function cacheKey (name: string, parameters: Readonly<Record<string, string | number | undefined>> = {}): string {
  const canonical = JSON.stringify(Object.entries(parameters)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return `${FORMAT}:${name}:${createHash('sha256').update(canonical).digest('base64url')}`
}

interface Entry {
  /** The answer as JSON: every reader parses its own copy, so no request can change another's. */
  json: string
  from: 'redis' | 'upstream'
}

interface Fill {
  ttlMs: number
  load: () => Promise<unknown>
}

/** What `load` answers when the upstream has nothing: rejected through lru-cache so that nothing is kept. */
class NothingFound extends Error {}

async function within<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`Redis did not answer within ${ms} ms`)) }, ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

export function createResponseCache (options: ResponseCacheOptions): ResponseCache {
  const { redis, prefix, redisTimeoutMs = 250, maxMemoryChars = 32 * 1024 * 1024, onRedisError } = options
  // without the offline queue a command fails at once while Redis is away; asking only when `ready` skips even that
  const usable = (): RedisClient | undefined => (redis?.status === 'ready' ? redis : undefined)

  async function readRedis (key: string): Promise<{ json: string, ttlMs: number } | undefined> {
    const client = usable()
    if (client === undefined) return undefined
    try {
      // one key twice: a pipeline a Cluster accepts (all its keys in one slot)
      const results = await within(client.pipeline().get(prefix + key).pttl(prefix + key).exec(), redisTimeoutMs)
      const [[readError, json] = [], [ttlError, ttlMs] = []] = results ?? []
      if (readError != null) throw readError
      if (ttlError != null) throw ttlError
      if (typeof json !== 'string' || typeof ttlMs !== 'number' || ttlMs <= 0) return undefined
      return { json, ttlMs }
    } catch (err) {
      onRedisError?.(err as Error, 'read')
      return undefined
    }
  }

  async function writeRedis (key: string, json: string, ttlMs: number): Promise<void> {
    const client = usable()
    if (client === undefined) return
    try {
      await within(client.set(prefix + key, json, 'PX', ttlMs), redisTimeoutMs)
    } catch (err) {
      onRedisError?.(err as Error, 'write')
    }
  }

  const memory = new LRUCache<string, Entry, Fill>({
    maxSize: maxMemoryChars,
    sizeCalculation: (entry) => Math.max(1, entry.json.length),
    // an in-flight fetch pushed out of memory by others still answers those waiting for it
    ignoreFetchAbort: true,
    async fetchMethod (key, _stale, { options, context }) {
      const shared = await readRedis(key)
      if (shared !== undefined) {
        // expire here when the entry expires in Redis, whichever gateway wrote it
        options.ttl = shared.ttlMs
        return { json: shared.json, from: 'redis' }
      }
      const value = await context.load()
      if (value === undefined) throw new NothingFound()
      const json = JSON.stringify(value)
      options.ttl = context.ttlMs
      await writeRedis(key, json, context.ttlMs)
      return { json, from: 'upstream' }
    }
  })

  return {
    async read<T> (key: string, ttlSeconds: number, load: () => Promise<T>): Promise<Cached<T>> {
      if (!(ttlSeconds > 0)) return { value: await load(), outcome: 'miss' } // 0: not cached at all
      const status: LRUCache.Status<string, Entry, Fill> = {}
      let entry: Entry | undefined
      try {
        entry = await memory.fetch(key, { context: { ttlMs: ttlSeconds * 1000, load }, status })
      } catch (err) {
        // thrown only when `load` answered undefined, so T includes it
        if (err instanceof NothingFound) return { value: undefined as T, outcome: 'miss' }
        throw err
      }
      // only an aborted fetch answers nothing, and ignoreFetchAbort leaves none: ask the upstream, keep nothing
      if (entry === undefined) return { value: await load(), outcome: 'miss' }
      return { value: JSON.parse(entry.json) as T, outcome: status.fetch === 'hit' || entry.from === 'redis' ? 'hit' : 'miss' }
    }
  }
}
