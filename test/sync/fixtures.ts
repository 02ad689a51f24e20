import { createHash } from 'node:crypto'
import type { Test } from 'tap'
import { createPopulationClient } from '../../adapters/population/client.js'
import type { PopulationPort } from '../../adapters/population/port.js'
import { isInvalidChange, type PopulationSimulator } from '../../adapters/population/simulator.js'
import type { Queryable } from '../../src/store/db.js'
import { workerEnv as syncWorkerEnv } from '../support/env.js'
import { redisPrefix, testRedisUrl } from '../support/redis.js'
import { testStoreEnv } from '../support/store.js'
import { startSimulator, TEST_CREDENTIALS } from '../support/upstreams.js'

/** A population simulator with a change feed, and its client as the population-changes sync uses it. */
export async function populationFeed (t: Test, options: { population?: number, changes: number, invalidEvery?: number }): Promise<{ simulator: PopulationSimulator, port: PopulationPort }> {
  const simulator = await startSimulator(t, {
    size: options.population ?? Math.max(options.changes, 100),
    changeFeed: { size: options.changes, ...(options.invalidEvery === undefined ? {} : { invalidEvery: options.invalidEvery }) }
  })
  const port = createPopulationClient({
    url: simulator.url,
    ...TEST_CREDENTIALS,
    integrationCode: 'LGSP',
    agencyCode: 'H23',
    serviceCode: 'LGSP-SYNC',
    connections: 4,
    connectTimeoutMs: 1000,
    timeoutMs: 5000
  })
  t.teardown(() => port.close())
  return { simulator, port }
}

/**
 * What the shared store must hold after syncing the whole feed: for every citizen, its newest valid change.
 * Count and digest of `personalId:seq` pairs in id order; compared with the destination's own.
 */
export function expectedCitizens (simulator: PopulationSimulator): { count: number, digest: string, invalid: number } {
  const newest = new Map<string, number>()
  const size = simulator.population.size
  let invalid = 0
  for (let seq = 1; seq <= simulator.changeFeed.size; seq++) {
    if (simulator.changeFeed.invalidEvery !== undefined && isInvalidChange(seq, simulator.changeFeed.invalidEvery)) {
      invalid++
      continue
    }
    newest.set(simulator.population.citizenAt((seq - 1) % size).personalId, seq)
  }
  const pairs = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, seq]) => `${id}:${seq}`)
  return { count: pairs.length, digest: createHash('md5').update(pairs.join('|')).digest('hex'), invalid }
}

export async function destinationCitizens (db: Queryable): Promise<{ count: number, digest: string }> {
  const rows = await db.query<{ personal_id: string, source_seq: number }>('SELECT personal_id, source_seq FROM shared_citizens ORDER BY personal_id COLLATE "C"')
  return { count: rows.length, digest: createHash('md5').update(rows.map((row) => `${row.personal_id}:${row.source_seq}`).join('|')).digest('hex') }
}

/** A sync worker's environment (support/env.ts) that gives up a lost lock and retries within a test's time. */
export function workerEnv (options: Parameters<typeof syncWorkerEnv>[0]): Record<string, string> {
  return syncWorkerEnv({ ...options, extra: { SYNC_LOCK_MS: '2000', SYNC_BACKOFF_MS: '200', ...options.extra } })
}

/**
 * What a sync worker of a test stands on: Redis under a prefix of its own, a store of its own, a population
 * simulator with this change feed; and the worker's environment on them (`extra` last).
 */
export async function workerSetup (t: Test, feed: { changes: number, invalidEvery?: number }, extra: Record<string, string>): Promise<{ simulator: PopulationSimulator, redisUrl: string, prefix: string, env: Record<string, string> }> {
  const redisUrl = await testRedisUrl(t)
  const prefix = await redisPrefix(t, redisUrl)
  const store = await testStoreEnv(t)
  const { simulator } = await populationFeed(t, feed)
  return { simulator, redisUrl, prefix, env: workerEnv({ populationUrl: simulator.url, redisUrl, prefix, store, extra }) }
}
