import type { FastifyReply } from 'fastify'

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

/** The route's answer through the response cache (plugins/app/response-cache.ts); an answer found says in `x-cache` whether the upstream was asked. */
export async function cachedAnswer<T> (reply: FastifyReply, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
  const { value, outcome } = await reply.server.responseCache.read(key, ttlSeconds, load)
  if (value !== undefined) reply.header('x-cache', outcome)
  return value
}
