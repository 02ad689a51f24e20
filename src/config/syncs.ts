import type { NationalPortalClientOptions } from '../../adapters/national-portal/client.js'
import type { RedisTarget } from '../redis/target.js'
import { invalid, type EnvOf } from './env.js'
import type { UpstreamResilience } from './resilience.js'

/**
 * The nightly syncs, queued in the gateway's Redis (config/redis.ts), and the national public-service portal the
 * dossier-status sync pushes to. SYNC_CRON_<SYNC NAME> (e.g. SYNC_CRON_POPULATION_CHANGES) overrides SYNC_CRON
 * for one sync: read from the environment by name, not declared in the schema.
 */

export const SYNCS_ENV = {
  SYNC_WORKER: { type: 'boolean' },
  SYNC_QUEUE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp' },
  SYNC_CRON: { type: 'string', minLength: 9, default: '0 1 * * *' },
  SYNC_TIMEZONE: { type: 'string', minLength: 1, default: 'Asia/Ho_Chi_Minh' },
  SYNC_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 100, default: 12 },
  SYNC_BACKOFF_MS: { type: 'integer', minimum: 10, maximum: 3600000, default: 5000 },
  SYNC_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 5000, default: 5000 },
  SYNC_LOCK_MS: { type: 'integer', minimum: 500, maximum: 600000, default: 30000 },
  NATIONAL_PORTAL_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
  NATIONAL_PORTAL_USERNAME: { type: 'string', minLength: 1 },
  NATIONAL_PORTAL_PASSWORD: { type: 'string', minLength: 8 },
  NATIONAL_PORTAL_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 10000 }
} as const

export interface SyncConfig {
  /** BullMQ key prefix: every queue of this deployment lives under it. */
  prefix: string
  /** Cron in `timezone`, per sync name; `cron` for syncs not listed. */
  cron: string
  cronBySync: Record<string, string>
  timezone: string
  attempts: number
  /** First retry delay; doubles each attempt. */
  backoffMs: number
  batchSize: number
  /** How long a run's lock lasts without renewal: after a worker dies, another takes the run over this much later. */
  lockMs: number
  /** Run the sync worker inside the gateway process (demo); production runs `npm run worker` apart. */
  embeddedWorker: boolean
  /** The national public-service portal the dossier-status sync pushes to; url empty = not configured. */
  portal: NationalPortalClientOptions
}

const CRON_OF_ONE_SYNC = /^SYNC_CRON_([A-Z0-9_]+)$/

export function readSyncs (raw: EnvOf<typeof SYNCS_ENV>, env: NodeJS.ProcessEnv, { demo, redis, resilience }: { demo: boolean, redis: RedisTarget | undefined, resilience: UpstreamResilience }): SyncConfig {
  // BullMQ's keys are `<prefix>:{sync-<name>}:<kind>`: a prefix opening with an empty hash tag would hash each
  // key whole, and a queue's scripts would fail with CROSSSLOT
  if (redis?.topology === 'cluster' && /^[^{]*\{\}/.test(raw.SYNC_QUEUE_PREFIX)) {
    invalid(`SYNC_QUEUE_PREFIX must not hold an empty hash tag {} with REDIS_CLUSTER_NODES (got ${JSON.stringify(raw.SYNC_QUEUE_PREFIX)})`)
  }
  return {
    prefix: raw.SYNC_QUEUE_PREFIX,
    cron: raw.SYNC_CRON,
    cronBySync: Object.fromEntries(Object.entries(env).flatMap(([name, value]) => {
      const match = CRON_OF_ONE_SYNC.exec(name)
      return match === null || value === undefined ? [] : [[(match[1] as string).toLowerCase().replaceAll('_', '-'), value]]
    })),
    timezone: raw.SYNC_TIMEZONE,
    attempts: raw.SYNC_ATTEMPTS,
    backoffMs: raw.SYNC_BACKOFF_MS,
    batchSize: raw.SYNC_BATCH_SIZE,
    lockMs: raw.SYNC_LOCK_MS,
    embeddedWorker: raw.SYNC_WORKER ?? demo,
    portal: {
      url: raw.NATIONAL_PORTAL_URL ?? '',
      username: raw.NATIONAL_PORTAL_USERNAME ?? '',
      password: raw.NATIONAL_PORTAL_PASSWORD ?? '',
      connections: 4,
      connectTimeoutMs: Math.min(raw.NATIONAL_PORTAL_TIMEOUT_MS, 2000),
      timeoutMs: raw.NATIONAL_PORTAL_TIMEOUT_MS,
      resilience
    }
  }
}
