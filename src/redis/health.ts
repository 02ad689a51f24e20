import { Cluster } from 'ioredis'
import type { RedisClient } from './connect.js'

/**
 * Readiness of the gateway's Redis. One node or a Sentinel master answers PING; a Cluster answers PING from
 * any one node even with slots unserved, so it is asked for `cluster_state` instead (its node's view).
 */
export async function checkRedis (client: RedisClient): Promise<string | undefined> {
  if (!(client instanceof Cluster)) {
    await client.ping()
    return undefined
  }
  const info = await client.cluster('INFO')
  const state = /^cluster_state:(\w+)/m.exec(info)?.[1]
  if (state !== 'ok') throw new Error(`Redis Cluster state is ${state ?? 'unknown'}: some slots are not served`)
  return `Cluster of ${client.nodes('master').length} master(s)`
}
