import fp from 'fastify-plugin'
import { createNationalPortalClient } from '../../../adapters/national-portal/client.js'
import type { SyncConfig } from '../../config/syncs.js'
import type { RedisTarget } from '../../redis/target.js'
import { syncDefinitions } from '../../sync/catalogue.js'
import { createSyncControl, type SyncControl } from '../../sync/control.js'
import { startSyncWorkers, type SyncWorkers } from '../../sync/worker.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The nightly syncs: schedules, runs and their state (admin API), through BullMQ on Redis. */
    syncs: SyncControl
  }
}

export const SYNCS_DISABLED = 'syncs are disabled: no Redis (set REDIS_URL, REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES; or install redis-server for the demo to start its own)'

/**
 * The syncs of this deployment, and — in the worker process, or inside the gateway in demo mode — the worker
 * that runs them. Without Redis the API still starts; the syncs say they are disabled.
 */
export interface SyncsOptions {
  config: SyncConfig
  /** The gateway's Redis, holding the queues; without it the syncs are off and say so. */
  redis?: RedisTarget
  /** Run the syncs here (worker process, demo gateway), not only queue and read them. */
  worker: boolean
  /** Start only once the schedules are in Redis (the worker process); the demo gateway starts without waiting. */
  awaitSchedules?: boolean
}

export default fp<SyncsOptions>(async function syncs (app, { config, redis, worker, awaitSchedules = false }) {
  const portal = config.portal.url === '' ? undefined : createNationalPortalClient(config.portal)
  if (portal === undefined) app.log.warn('NATIONAL_PORTAL_URL is not set: no dossier-status sync')
  const definitions = syncDefinitions({
    db: app.store,
    population: app.population,
    procedures: app.procedures,
    sector: app.sector,
    ...(portal === undefined ? {} : { portal }),
    batchSize: config.batchSize
  })
  const control = createSyncControl(definitions, config, app.store, redis)
  app.decorate('syncs', control)

  let workers: SyncWorkers | undefined
  if (redis === undefined) {
    app.log.warn(SYNCS_DISABLED)
  } else if (worker) {
    workers = startSyncWorkers({ definitions, config, redis, db: app.store, log: app.log })
    if (awaitSchedules) await workers.ready
    app.log.info({ syncs: control.names }, 'sync worker started')
  }
  app.addHook('onClose', async () => {
    await workers?.close()
    await control.close()
    await portal?.close()
  })
}, { name: 'syncs', dependencies: ['store', 'population', 'procedures', 'sector'] })
