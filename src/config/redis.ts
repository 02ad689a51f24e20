import type { RedisNode, RedisTarget } from '../redis/target.js'
import { invalid, type EnvOf } from './env.js'

/**
 * The gateway's one Redis — rate-limit counters, kept answers and the sync queues all live there: one node
 * (REDIS_URL), a Sentinel-watched master, or a Cluster (host:port lists, checked by readRedis below).
 */

export const REDIS_ENV = {
  REDIS_URL: { type: 'string', pattern: '^rediss?://[^\\s]+$' },
  REDIS_SENTINELS: { type: 'string', minLength: 1 },
  REDIS_SENTINEL_NAME: { type: 'string', pattern: '^[^\\s]{1,128}$' },
  REDIS_SENTINEL_PASSWORD: { type: 'string', minLength: 1 },
  REDIS_CLUSTER_NODES: { type: 'string', minLength: 1 },
  REDIS_PASSWORD: { type: 'string', minLength: 1 },
  REDIS_TLS: { type: 'boolean' }
} as const

type RedisEnv = EnvOf<typeof REDIS_ENV>

export interface RedisConfig {
  /** Where Redis is; absent only in demo mode (which starts its own, or goes without: per-process rate limits, no syncs). */
  target?: RedisTarget
}

const ONE_TOPOLOGY = 'set REDIS_URL (one node), or REDIS_SENTINELS with REDIS_SENTINEL_NAME (Sentinel), or REDIS_CLUSTER_NODES (Cluster)'

export function readRedis (raw: RedisEnv, { demo }: { demo: boolean }): RedisConfig {
  const target = redisTarget(raw)
  if (!demo && target === undefined) invalid(`Redis is required unless DEMO=true: ${ONE_TOPOLOGY}`)
  return target === undefined ? {} : { target }
}

/**
 * The one Redis topology configured, if any. Variables of two topologies, or a topology's setting without the
 * topology, are refused rather than one silently winning: the operator meant something else than what would run.
 */
function redisTarget (raw: RedisEnv): RedisTarget | undefined {
  const set = (names: ReadonlyArray<keyof RedisEnv>): string[] => names.filter((name) => raw[name] !== undefined)
  const topologies = [set(['REDIS_URL']), set(['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME']), set(['REDIS_CLUSTER_NODES'])]
    .filter((names) => names.length > 0)
  if (topologies.length > 1) invalid(`${topologies.map((names) => names.join(' with ')).join(' and ')} configure two Redis topologies; ${ONE_TOPOLOGY}`)

  if (raw.REDIS_URL !== undefined) {
    const misplaced = set(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_TLS'])
    if (misplaced.length > 0) invalid(`${misplaced.join(', ')} cannot be used with REDIS_URL (they are for Sentinel and Cluster): put the password in the URL (redis://:password@host:6379) and use rediss:// for TLS`)
    return { topology: 'single', url: raw.REDIS_URL }
  }
  if (raw.REDIS_SENTINELS !== undefined || raw.REDIS_SENTINEL_NAME !== undefined) {
    if (raw.REDIS_SENTINELS === undefined) invalid('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (the sentinels\' host:port list)')
    if (raw.REDIS_SENTINEL_NAME === undefined) invalid('REDIS_SENTINELS is set without REDIS_SENTINEL_NAME (the master group name the sentinels monitor)')
    return {
      topology: 'sentinel',
      sentinels: redisNodes('REDIS_SENTINELS', raw.REDIS_SENTINELS),
      name: raw.REDIS_SENTINEL_NAME,
      ...(raw.REDIS_PASSWORD === undefined ? {} : { password: raw.REDIS_PASSWORD }),
      ...(raw.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: raw.REDIS_SENTINEL_PASSWORD }),
      tls: raw.REDIS_TLS ?? false
    }
  }
  if (raw.REDIS_CLUSTER_NODES !== undefined) {
    if (raw.REDIS_SENTINEL_PASSWORD !== undefined) invalid('REDIS_SENTINEL_PASSWORD applies to Sentinel only, not with REDIS_CLUSTER_NODES')
    return {
      topology: 'cluster',
      nodes: redisNodes('REDIS_CLUSTER_NODES', raw.REDIS_CLUSTER_NODES),
      ...(raw.REDIS_PASSWORD === undefined ? {} : { password: raw.REDIS_PASSWORD }),
      tls: raw.REDIS_TLS ?? false
    }
  }
  const orphans = set(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_TLS'])
  if (orphans.length > 0) invalid(`${orphans.join(', ')} set without a Redis topology: ${ONE_TOPOLOGY}`)
  return undefined
}

/** A host or IPv4 address, or an IPv6 address in brackets, then a port: `redis-1:26379`, `[fd00::1]:6379`. */
const NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):([0-9]{1,5})$/

/** `a:1, b:2` → [{host: 'a', port: 1}, {host: 'b', port: 2}]; anything else names the variable and the entry. */
function redisNodes (variable: string, list: string): RedisNode[] {
  return list.split(',').map((entry) => {
    const match = NODE.exec(entry.trim())
    const port = Number(match?.[3])
    if (match === null || port < 1 || port > 65535) {
      invalid(`${variable} must be a comma-separated list of host:port (port 1-65535), e.g. redis-1:26379,redis-2:26379 (got ${JSON.stringify(entry.trim())} in ${JSON.stringify(list)})`)
    }
    return { host: match[1] ?? match[2] ?? '', port }
  })
}
