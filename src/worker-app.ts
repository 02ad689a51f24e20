import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config/index.js'
import { loggerOptions } from './logger.js'
import population from './plugins/app/population.js'
import procedures from './plugins/app/procedures.js'
import schemas from './plugins/app/schemas.js'
import sector from './plugins/app/sector.js'
import store from './plugins/app/store.js'
import syncs from './plugins/app/syncs.js'

/**
 * The sync worker process: the same store and adapter plugins as the gateway, and the syncs plugin running
 * the worker — no routes, nothing listening. `src/worker.ts` starts it; tests build it like the gateway.
 */
export async function buildWorker (config: Config): Promise<FastifyInstance> {
  // migrations may take long (see app.ts)
  const app = Fastify({ logger: loggerOptions(config), pluginTimeout: 120_000 }) as unknown as FastifyInstance
  app.decorate('config', config)
  await app.register(schemas)
  await app.register(population, { config: config.population })
  await app.register(procedures, { config: config.procedures })
  await app.register(store, { config: config.store })
  await app.register(sector, { config: config.sector })
  await app.register(syncs, { config: config.syncs, ...(config.redis.target === undefined ? {} : { redis: config.redis.target }), worker: true, awaitSchedules: true })
  return app
}
