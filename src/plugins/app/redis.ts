import fp from 'fastify-plugin'
import { Redis } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared Redis for state that must be the same on every gateway (rate-limit counters). */
    redis?: Redis
  }
}

/**
 * Commands fail fast while Redis is away (no offline queue) so a request never hangs on it; the client
 * keeps reconnecting in the background.
 */
export default fp<{ url?: string }>(async function redis (app, { url }) {
  if (url === undefined) return
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000)
  })
  client.on('error', (err) => { app.log.warn({ err: err.message }, 'redis error') })
  try {
    await client.connect()
  } catch (err) {
    app.log.warn({ err: (err as Error).message }, 'redis not reachable at start; retrying in the background')
  }
  app.decorate('redis', client)
  app.addHook('onClose', async () => { client.disconnect() })
}, { name: 'redis' })
