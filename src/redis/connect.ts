import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { RedisTarget } from './target.js'

/**
 * The one place Redis clients are made, for every topology and for the two kinds of user:
 * - `api`: a request or an admin call must never hang on Redis, so commands fail fast while it is away (no
 *   offline queue, one retry) and the client connects only when its owner calls `connect()`, to report a Redis
 *   that is not there at start; it keeps reconnecting in the background.
 * - `worker`: BullMQ workers block on Redis and must wait out an outage rather than fail (maxRetriesPerRequest
 *   null, which BullMQ requires); it connects at once.
 */

export type RedisClient = Redis | Cluster
export type RedisRole = 'api' | 'worker'

const retryStrategy = (times: number): number => Math.min(times * 200, 2000)

/** What every connection to one Redis node of this role gets, whatever the topology. */
function nodeOptions (role: RedisRole): RedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null }
    : { maxRetriesPerRequest: 1, connectTimeout: 2000 }
}

/**
 * `autoPipelining`: the commands issued in one turn of the event loop leave as one write. For the gateway's shared
 * client, which every request asks (its rate-limit counter), so concurrent requests share socket writes. Not for
 * BullMQ's connections: its maintainers report jobs going wrong with it (taskforcesh/bullmq#457).
 */
export function createRedis (target: RedisTarget, role: RedisRole, options: { autoPipelining?: boolean } = {}): RedisClient {
  const api = role === 'api'
  const connection = {
    lazyConnect: api,
    ...(api ? { enableOfflineQueue: false } : {}),
    ...(options.autoPipelining === true ? { enableAutoPipelining: true } : {})
  }
  switch (target.topology) {
    case 'single':
      return new Redis(target.url, { ...nodeOptions(role), ...connection, retryStrategy })
    case 'sentinel': {
      // REDIS_TLS covers both the sentinels (sentinelTLS) and the master they name (tls, enableTLSForSentinelMode)
      const tls = target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}
      return new Redis({
        ...nodeOptions(role),
        ...connection,
        retryStrategy,
        sentinels: target.sentinels,
        name: target.name,
        ...(target.password === undefined ? {} : { password: target.password }),
        ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
        ...tls
      })
    }
    case 'cluster': {
      const options: ClusterOptions = {
        ...connection,
        clusterRetryStrategy: retryStrategy,
        // "ready" only once CLUSTER INFO says cluster_state:ok: the response cache and the sync control ask
        // Redis only when `status === 'ready'`, as with one node
        enableReadyCheck: true,
        // the slot map is fetched on connect and after MOVED; past this a refresh fails and is tried again
        slotsRefreshTimeout: api ? 2000 : 10_000,
        redisOptions: {
          ...nodeOptions(role),
          ...(target.password === undefined ? {} : { password: target.password }),
          ...(target.tls ? { tls: {} } : {})
        },
        // with TLS, connect to the names given (certificates name hosts, not the addresses they resolve to)
        ...(target.tls ? { dnsLookup: (host, callback) => { callback(null, host) } } : {})
      }
      return new Cluster(target.nodes, options)
    }
  }
}
