/**
 * Where the gateway's Redis is: one node, a Sentinel-watched master, or a Cluster. Read from the environment by
 * config/redis.ts, turned into clients by connect.ts.
 */

export interface RedisNode {
  host: string
  port: number
}

export type RedisTarget =
  /** One node; password, database and TLS (rediss://) are in the URL. */
  | { topology: 'single', url: string }
  /** The current master of the group `name`, asked of any of `sentinels`; follows a failover. */
  | { topology: 'sentinel', sentinels: RedisNode[], name: string, password?: string, sentinelPassword?: string, tls: boolean }
  /** Every master of a Cluster, its slots learnt from any of the seed `nodes`. */
  | { topology: 'cluster', nodes: RedisNode[], password?: string, tls: boolean }

const address = ({ host, port }: RedisNode): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)

/** One line for people (banner, logs): never a password. */
export function describeRedis (target: RedisTarget): string {
  switch (target.topology) {
    case 'single': {
      const url = new URL(target.url)
      if (url.password !== '') url.password = '***'
      return `single node ${url.toString().replace(/\/$/, '')}`
    }
    case 'sentinel':
      return `Sentinel master group "${target.name}" via ${target.sentinels.map(address).join(', ')}${target.tls ? ' (TLS)' : ''}`
    case 'cluster':
      return `Cluster seeded from ${target.nodes.map(address).join(', ')}${target.tls ? ' (TLS)' : ''}`
  }
}
