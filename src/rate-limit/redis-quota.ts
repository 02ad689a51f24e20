import type { RedisClient } from '../redis/connect.js'
import type { QuotaGrant, QuotaStore } from './quota.js'

/**
 * The window's count is a plain integer under one key, expiring when the window ends: the format of the counter
 * used before leases (@fastify/rate-limit), so old and new gateways share one count during a rolling upgrade.
 * The script touches that key only: one slot on a Cluster.
 */
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or 0)
local limit, want, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local granted = math.max(0, math.min(want, limit - used))
if granted > 0 then used = redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 and used > 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return { granted, used, math.max(ttl, 1) }
`

const COMMAND = 'lgspQuotaTake'

type Take = (key: string, limit: number, want: number, windowMs: number) => Promise<[number, number, number]>

export function redisQuota (redis: RedisClient): QuotaStore {
  // defineCommand sends EVALSHA, and the script once after a NOSCRIPT (a restarted or failed-over Redis)
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE })
  const take = (redis as unknown as Record<typeof COMMAND, Take>)[COMMAND].bind(redis)
  return {
    async take (key, want, limit, windowMs): Promise<QuotaGrant> {
      const [granted, used, ttlMs] = await take(key, limit, want, windowMs)
      return { granted, used, ttlMs }
    },
    // while the connection is down a command would fail anyway (no offline queue); this says so without sending one
    available: () => redis.status === 'ready'
  }
}
