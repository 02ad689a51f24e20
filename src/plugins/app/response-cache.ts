import fp from 'fastify-plugin'
import { createResponseCache, type ResponseCache } from '../../cache/response-cache.js'
import type { CacheConfig } from '../../config/cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers of reference data kept for their TTL, in memory and in Redis; never personal data. */
    responseCache: ResponseCache
  }
}

/** The shared layer is the gateway's Redis (fail-fast: without it, each gateway keeps answers in memory only). */
export default fp<{ config: CacheConfig }>(async function responseCache (app, { config }) {
  app.decorate('responseCache', createResponseCache({
    ...(app.redis === undefined ? {} : { redis: app.redis }),
    prefix: config.prefix,
    onRedisError: (err, operation) => { app.log.debug({ err: err.message, operation }, 'response cache went on without Redis') }
  }))
}, { name: 'response-cache', dependencies: ['redis'] })
