import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { createResponseCache, type ResponseCache } from '../../cache/response-cache.js'
import type { CacheConfig } from '../../config/cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers of reference data kept for their TTL, in memory and in Redis; never personal data. */
    responseCache: ResponseCache
  }
}

/**
 * `x-cache`, in the 200 response of every route that answers through the cache. A new object each time: one
 * shared object would come out of openapi.yaml as a YAML anchor and its aliases.
 */
export function cacheHeaders (): Record<string, unknown> {
  return {
    'x-cache': {
      type: 'string',
      enum: ['hit', 'miss'],
      description: '`hit`: a kept answer (reference data, kept for its TTL); `miss`: the upstream was asked for this answer.'
    }
  }
}

/** The route's answer through the cache; an answer found says in `x-cache` whether the upstream was asked. */
export async function cachedAnswer<T> (reply: FastifyReply, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
  const { value, outcome } = await reply.server.responseCache.read(key, ttlSeconds, load)
  if (value !== undefined) reply.header('x-cache', outcome)
  return value
}

/** The shared layer is the gateway's Redis (fail-fast: without it, each gateway keeps answers in memory only). */
export default fp<{ config: CacheConfig }>(async function responseCache (app, { config }) {
  app.decorate('responseCache', createResponseCache({
    ...(app.redis === undefined ? {} : { redis: app.redis }),
    prefix: config.prefix,
    onRedisError: (err, operation) => { app.log.debug({ err: err.message, operation }, 'response cache went on without Redis') }
  }))
}, { name: 'response-cache', dependencies: ['redis'] })
