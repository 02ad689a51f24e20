import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Cluster, Redis } from 'ioredis'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import type { ProceduresSimulator } from '../../adapters/procedures/simulator.js'
import type { PopulationSimulator } from '../../adapters/population/simulator.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/index.js'
import { describeRedis } from '../../src/redis/target.js'
import { productionEnv } from '../support/env.js'
import { identityFiles, signTestToken } from '../support/identity.js'
import { testStoreEnv } from '../support/store.js'
import { startUpstreams } from '../support/upstreams.js'
import { startCluster, startSentinel } from './servers.js'

/**
 * The gateway on the production Redis topologies, for real: a Sentinel-watched master and a 3-master Cluster,
 * private to this test on loopback. Two gateways share each one, so what is shown is state kept in Redis: one
 * rate limit across both, an answer kept by one and found by the other, a run queued by one and run by the
 * other's worker. Nothing is mocked; a command that spans slots would fail (CROSSSLOT) and be logged.
 */

t.test('config: exactly one topology; conflicting, incomplete or malformed settings name the variables', async (t) => {
  const demo = { DEMO: 'true' }
  const load = (env: Record<string, string>): ReturnType<typeof loadConfig> => loadConfig({ ...demo, ...env })

  t.same(load({ REDIS_URL: 'rediss://:pw@redis.example:6380/2' }).redis.target, { topology: 'single', url: 'rediss://:pw@redis.example:6380/2' }, 'REDIS_URL as before')
  const sentinel = load({ REDIS_SENTINELS: 's1.example:26379, s2.example:26380', REDIS_SENTINEL_NAME: 'lgsp', REDIS_PASSWORD: 'p', REDIS_SENTINEL_PASSWORD: 'sp', REDIS_TLS: 'true' })
  t.same(sentinel.redis.target, {
    topology: 'sentinel',
    sentinels: [{ host: 's1.example', port: 26379 }, { host: 's2.example', port: 26380 }],
    name: 'lgsp',
    password: 'p',
    sentinelPassword: 'sp',
    tls: true
  })
  t.same(load({ REDIS_CLUSTER_NODES: '10.0.0.1:6379,[fd00::1]:6380' }).redis.target, {
    topology: 'cluster',
    nodes: [{ host: '10.0.0.1', port: 6379 }, { host: 'fd00::1', port: 6380 }],
    tls: false
  })
  t.equal(load({}).redis.target, undefined, 'none: the demo starts its own')

  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ REDIS_SENTINELS: 's1:26379' }, /REDIS_SENTINELS is set without REDIS_SENTINEL_NAME/],
    [{ REDIS_SENTINEL_NAME: 'lgsp' }, /REDIS_SENTINEL_NAME is set without REDIS_SENTINELS/],
    [{ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'c1:6379' }, /REDIS_URL and REDIS_CLUSTER_NODES configure two Redis topologies; set REDIS_URL \(one node\), or REDIS_SENTINELS with REDIS_SENTINEL_NAME \(Sentinel\), or REDIS_CLUSTER_NODES \(Cluster\)/],
    [{ REDIS_URL: 'redis://r:6379', REDIS_SENTINEL_NAME: 'lgsp' }, /REDIS_URL and REDIS_SENTINEL_NAME configure two Redis topologies/],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'lgsp', REDIS_CLUSTER_NODES: 'c1:6379' }, /REDIS_SENTINELS with REDIS_SENTINEL_NAME and REDIS_CLUSTER_NODES configure two Redis topologies/],
    [{ REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'p', REDIS_TLS: 'true' }, /REDIS_PASSWORD, REDIS_TLS cannot be used with REDIS_URL .*password in the URL .*rediss:\/\//],
    [{ REDIS_CLUSTER_NODES: 'c1:6379', REDIS_SENTINEL_PASSWORD: 'sp' }, /REDIS_SENTINEL_PASSWORD applies to Sentinel only/],
    [{ REDIS_PASSWORD: 'p' }, /REDIS_PASSWORD set without a Redis topology/],
    [{ REDIS_TLS: 'true', REDIS_SENTINEL_PASSWORD: 'sp' }, /REDIS_SENTINEL_PASSWORD, REDIS_TLS set without a Redis topology/],
    [{ REDIS_TLS: 'maybe', REDIS_CLUSTER_NODES: 'c1:6379' }, /REDIS_TLS must be boolean/],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'two words' }, /REDIS_SENTINEL_NAME must match pattern/],
    [{ REDIS_CLUSTER_NODES: 'c1:6379', SYNC_QUEUE_PREFIX: 'lgsp{}' }, /SYNC_QUEUE_PREFIX must not hold an empty hash tag/]
  ]
  for (const entry of ['s1', 's1:0', 's1:70000', 'redis://s1:26379', 'fd00::1:26379', '-s1:26379', 's1:26379,,s2:26379', 's1:26379 s2:26379']) {
    refused.push([{ REDIS_SENTINELS: entry, REDIS_SENTINEL_NAME: 'lgsp' }, /REDIS_SENTINELS must be a comma-separated list of host:port/])
    refused.push([{ REDIS_CLUSTER_NODES: entry }, /REDIS_CLUSTER_NODES must be a comma-separated list of host:port/])
  }
  for (const [env, message] of refused) {
    t.throws(() => load(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }

  t.equal(describeRedis({ topology: 'single', url: 'redis://:secret@redis.example:6379' }), 'single node redis://:***@redis.example:6379', 'no password shown')
  t.equal(describeRedis(sentinel.redis.target ?? { topology: 'single', url: 'redis://x' }), 'Sentinel master group "lgsp" via s1.example:26379, s2.example:26380 (TLS)')
})

interface Gateways {
  /** Runs the sync worker. */
  first: FastifyInstance
  second: FastifyInstance
  simulator: PopulationSimulator
  procedures: ProceduresSimulator
  logs: string[]
  prefixes: { rateLimit: string, cache: string, queues: string }
}

/** Two gateways (the first with the sync worker) on the Redis the variables name, with prefixes of their own. */
async function twoGateways (t: Test, redisEnv: Record<string, string>): Promise<Gateways> {
  const { population: simulator, procedures } = await startUpstreams(t, { size: 300 })
  const identity = await identityFiles(t)
  const id = randomUUID()
  const prefixes = { rateLimit: `lgsp:topo:${id}:rl:`, cache: `lgsp:topo:${id}:cache:`, queues: `lgsp:topo:${id}` }
  const logs: string[] = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    }
  })
  const logger = pino({ level: 'debug' }, sink)
  const build = async (extra: Record<string, string>): Promise<FastifyInstance> => {
    const config = loadConfig({
      ...productionEnv(simulator.url),
      PROCEDURES_URL: procedures.url,
      AUTH_JWKS_FILE: identity.jwksFile,
      GRANTS_FILE: identity.grantsFile,
      RATE_LIMIT_PREFIX: prefixes.rateLimit,
      CACHE_PREFIX: prefixes.cache,
      SYNC_QUEUE_PREFIX: prefixes.queues,
      // load shedding is not under test: a busy 2-core machine starting a Cluster may delay the loop past 1 s
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...await testStoreEnv(t),
      ...redisEnv,
      ...extra
    })
    const app = await buildApp(config, { logger })
    t.teardown(() => app.close())
    return app
  }
  return { first: await build({ SYNC_WORKER: 'true' }), second: await build({}), simulator, procedures, logs, prefixes }
}

async function admin (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

/** Rate limit, response cache, a sync run and readiness, across the two gateways; what Redis holds is left to `inspect`. */
async function sharedThroughRedis (t: Test, gateways: Gateways): Promise<void> {
  const { first, second, simulator, procedures, logs } = gateways

  // one limit (3 a minute for this grant) counted for both gateways
  const citizen = simulator.population.citizenAt(1)
  const body = { personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth }
  const health = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.VERIFY', scopes: ['citizens.verify'] })}`, 'x-purpose': 'KCB' }
  const answers: LightMyRequestResponse[] = []
  for (const app of [first, second, first, second]) {
    answers.push(await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: health, payload: body }))
  }
  for (const res of answers.filter((res) => ![200, 429].includes(res.statusCode))) t.comment(`unexpected: ${res.body}`)
  t.same(answers.map((res) => res.statusCode), [200, 200, 200, 429], 'the fourth call, on either gateway, is over the limit')
  t.match(answers[3]?.json(), { type: 'https://errors.gateway.local/rate-limited' })
  t.ok(Number(answers[3]?.headers['retry-after']) >= 1, 'with Retry-After')

  // an answer one gateway kept in Redis is a hit on the other (its memory is empty)
  const motcua = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read'] })}` }
  const code = procedures.data.procedures[3]?.procedureCode ?? ''
  const before = procedures.hits
  const miss = await first.inject({ method: 'GET', url: `/api/v1/procedures/${code}`, headers: motcua })
  const hit = await second.inject({ method: 'GET', url: `/api/v1/procedures/${code}`, headers: motcua })
  t.equal(miss.statusCode, 200)
  t.equal(miss.headers['x-cache'], 'miss')
  t.equal(hit.headers['x-cache'], 'hit', 'found in Redis by the other gateway')
  t.same(hit.json(), miss.json())
  t.equal(procedures.hits - before, 1, 'the upstream was asked once')
  const search = await second.inject({ method: 'GET', url: '/api/v1/procedures?q=ho%20tich&limit=5', headers: motcua })
  t.equal((await first.inject({ method: 'GET', url: '/api/v1/procedures?limit=5&q=ho%20tich', headers: motcua })).headers['x-cache'], 'hit')
  t.equal(search.headers['x-cache'], 'miss')

  // a run queued through the second gateway's admin API is run by the first one's worker (and recorded in the
  // first one's store: each test gateway has a store of its own, so the first is asked about it)
  const queued = await second.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  t.equal(queued.statusCode, 202)
  const location = queued.headers.location as string
  let run = await first.inject({ method: 'GET', url: location, headers: await admin() })
  for (const until = Date.now() + 15_000; Date.now() < until && !['completed', 'failed'].includes(run.json().status); await sleep(100)) {
    run = await first.inject({ method: 'GET', url: location, headers: await admin() })
  }
  const size = simulator.changeFeed.size
  t.match(run.json(), { status: 'completed', trigger: 'manual', attempts: 1, counts: { read: size, written: size, invalid: 0 } }, `the run read and wrote all ${size} changes`)

  for (const app of [first, second]) {
    const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json()
    t.match(ready.checks, { redis: { status: 'up' }, syncs: { status: 'up', detail: /1 sync worker\(s\) connected/ } }, 'Redis and the sync queues are ready')
  }

  const troubles = logs.filter((line) => /CROSSSLOT|redis error|went on without Redis|rate-limit store unavailable|sync queue error|sync worker error|not set up/i.test(line))
  t.same(troubles, [], 'no Redis error was logged (no CROSSSLOT)')
}

t.test('Sentinel: the master the sentinel names holds the limits, the answers and the queues', async (t) => {
  const started = Date.now()
  const sentinel = await startSentinel(t)
  const gateways = await twoGateways(t, {
    REDIS_SENTINELS: `127.0.0.1:${sentinel.sentinelPort}`,
    REDIS_SENTINEL_NAME: sentinel.name,
    REDIS_PASSWORD: sentinel.password,
    REDIS_SENTINEL_PASSWORD: sentinel.sentinelPassword
  })
  t.match(gateways.first.config.redis.target, { topology: 'sentinel', name: sentinel.name })
  await sharedThroughRedis(t, gateways)

  const master = new Redis({ host: '127.0.0.1', port: sentinel.masterPort, password: sentinel.password })
  t.teardown(() => { master.disconnect() })
  const { prefixes } = gateways
  t.ok((await master.keys(`${prefixes.rateLimit}*`)).some((key) => key.endsWith('VN.TEST.VERIFY|citizens.verify')), 'the counter is on the master')
  t.ok((await master.keys(`${prefixes.cache}*`)).length >= 2, 'so are the kept answers')
  t.equal(await master.exists(`${prefixes.queues}:{sync-population-changes}:meta`), 1, 'and the queues')
  t.comment(`Sentinel: ${Date.now() - started} ms`)
})

t.test('Cluster: limits, answers and queues spread over three masters, every command within one slot', async (t) => {
  const started = Date.now()
  const cluster = await startCluster(t)
  const gateways = await twoGateways(t, {
    REDIS_CLUSTER_NODES: cluster.ports.map((port) => `127.0.0.1:${port}`).join(','),
    REDIS_PASSWORD: cluster.password
  })
  t.match(gateways.first.config.redis.target, { topology: 'cluster', tls: false })
  t.equal(gateways.first.redis instanceof Cluster, true, 'the API side talks to a Cluster client')
  await sharedThroughRedis(t, gateways)

  const ready = (await gateways.first.inject({ method: 'GET', url: '/readyz' })).json()
  t.match(ready.checks.redis, { status: 'up', detail: 'Cluster of 3 master(s)' })

  // where the keys are: each master asked for its own (KEYS never spans nodes)
  const { prefixes } = gateways
  const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { password: cluster.password } })
  t.teardown(() => { client.disconnect() })
  t.equal(await client.exists(`${prefixes.queues}:{sync-population-changes}:meta`), 1, 'the queues are in the Cluster')
  const perMaster = await Promise.all(client.nodes('master').map(async (node) => await node.keys('lgsp:topo:*')))
  t.equal(perMaster.length, 3)
  const ours = perMaster.flat()
  t.ok(ours.some((key) => key.startsWith(prefixes.rateLimit) && key.endsWith('VN.TEST.VERIFY|citizens.verify')), 'so is the counter')
  t.ok(ours.filter((key) => key.startsWith(prefixes.cache)).length >= 2, 'and the kept answers')
  const queueSlots = new Set(await Promise.all(gateways.first.syncs.queues.map(async (queue) => await client.cluster('KEYSLOT', `${prefixes.queues}:${queue.name}:wait`))))
  t.ok(queueSlots.size > 1, `the ${gateways.first.syncs.queues.length} queues hash to ${queueSlots.size} slots, not one`)
  t.comment(`keys of this test on the masters: ${perMaster.map((keys) => keys.length).join(', ')}; Cluster: ${Date.now() - started} ms`)
})
