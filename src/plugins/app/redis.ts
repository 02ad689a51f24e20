import fp from 'fastify-plugin'
import { createRedis, type RedisClient } from '../../redis/connect.js'
import { describeRedis, type RedisTarget } from '../../redis/target.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared Redis (one node, Sentinel or Cluster) for state that must be the same on every gateway: rate-limit counters, kept answers. */
    redis?: RedisClient
  }
}

/**
 * Commands fail fast while Redis is away (the `api` role: no offline queue) so a request never hangs on it; the
 * client keeps reconnecting in the background.
 */
export default fp<{ target?: RedisTarget }>(async function redis (app, { target }) {
  if (target === undefined) return
  const client = createRedis(target, 'api', { autoPipelining: true })
  client.on('error', (err: Error) => { app.log.warn({ err: err.message }, 'redis error') })
  try {
    await client.connect()
  } catch (err) {
    app.log.warn({ err: (err as Error).message, redis: describeRedis(target) }, 'redis not reachable at start; retrying in the background')
  }
  app.decorate<RedisClient>('redis', client)
  app.addHook('onClose', async () => { client.disconnect() })
}, { name: 'redis' })
