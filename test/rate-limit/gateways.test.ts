import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { redisPrefix, testRedisUrl } from '../support/redis.js'
import { waitFor } from '../support/wait.js'

/**
 * Leases of the shared budget (src/rate-limit/leases.ts) on real gateways and a real Redis: never more than the
 * limit across gateways, and no Redis command per call while a lease lasts. Discovery (/api/v1/services) is the
 * counted route: cheap, and limited at RATE_LIMIT_PER_MINUTE.
 */

const SERVICES = '/api/v1/services'

async function call (gateway: TestGateway, headers: Record<string, string>): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  const res = await gateway.app.inject({ method: 'GET', url: SERVICES, headers })
  return { status: res.statusCode, headers: res.headers, body: res.body }
}

t.test('two gateways on one Redis, calls at once over the limit: exactly the limit passes, none beyond it', async (t) => {
  const redisUrl = await testRedisUrl(t)
  const prefix = await redisPrefix(t, redisUrl)
  // leases of 10 tokens (10 % of 100): the lease path, not the synchronous one
  const limit = 100
  const env = { REDIS_URL: redisUrl, RATE_LIMIT_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: String(limit), RATE_LIMIT_LEASE_PERCENT: '10', RATE_LIMIT_LEASE_MAX: '10' }
  const gateways = [await buildTestGateway(t, { env }), await buildTestGateway(t, { env })]
  const headers = await (gateways[0] as TestGateway).headers({ purpose: null })

  // each gateway gets more calls than the limit plus a lease, so neither can be left holding tokens it never spends
  const perGateway = limit + 20
  const answers = await Promise.all(Array.from({ length: 2 * perGateway }, async (_, i) => ({ gateway: i % 2, ...await call(gateways[i % 2] as TestGateway, headers) })))
  const admitted = answers.filter((answer) => answer.status === 200)
  t.ok(admitted.length <= limit, `${admitted.length} admitted: never more than the limit (the over-admission bound is 0)`)
  t.equal(admitted.length, limit, 'and no fewer: both gateways spent every token they took')
  t.equal(answers.filter((answer) => answer.status === 429).length, 2 * perGateway - limit, 'the rest are 429')
  for (const gateway of [0, 1]) t.ok(admitted.some((answer) => answer.gateway === gateway), `gateway ${gateway} admitted some`)

  const redis = new Redis(redisUrl)
  t.teardown(() => redis.disconnect())
  const key = `${prefix}VN.TEST.FULL|authenticated`
  t.equal(Number(await redis.get(key)), limit, 'Redis granted the whole budget, and no more')

  const refused = answers.find((answer) => answer.status === 429)
  t.match(refused?.headers, { 'content-type': /^application\/problem\+json/, 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0' })
  t.match(JSON.parse(refused?.body ?? '{}'), { type: 'https://errors.gateway.local/rate-limited', status: 429, detail: new RegExp(`${limit} requests per 60 s`) })
  const retryAfter = Number(refused?.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
  const reset = Number(admitted[0]?.headers['x-ratelimit-reset'])
  t.ok(reset >= 1 && reset <= 60, `x-ratelimit-reset ${reset}`)
})

t.test('while a lease lasts, a call sends Redis nothing', async (t) => {
  const redisUrl = await testRedisUrl(t)
  const prefix = await redisPrefix(t, redisUrl)
  // leases of 20 tokens: the first call takes 20, the top-up comes when 10 are left, at the 10th call
  const gateway = await buildTestGateway(t, { env: { REDIS_URL: redisUrl, RATE_LIMIT_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_LEASE_PERCENT: '5', RATE_LIMIT_LEASE_MAX: '20' } })
  const headers = await gateway.headers({ purpose: null })

  // every command a client sends about our keys (MONITOR also lists the script's own commands, source "lua")
  const monitoring = new Redis(redisUrl)
  const monitor = await monitoring.monitor()
  t.teardown(() => { monitor.disconnect(); monitoring.disconnect() })
  const seen: string[][] = []
  const markers: string[] = []
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua' || !args.some((arg) => arg.startsWith(prefix))) return
    if (args.some((arg) => arg.endsWith('marker'))) markers.push(args.join(' '))
    else seen.push(args)
  })
  // MONITOR lists commands in the order Redis ran them: once the marker shows, every command before it has too
  const marker = new Redis(redisUrl)
  t.teardown(() => marker.disconnect())
  async function settled (): Promise<void> {
    const count = markers.length
    await marker.get(`${prefix}marker`)
    await waitFor('the marker in MONITOR', async () => markers.length > count ? true : undefined, 5000, 10)
  }
  await settled()

  t.equal((await call(gateway, headers)).status, 200)
  await settled()
  t.equal(seen.length, 1, 'the first call of the window took a lease')
  t.match(seen[0]?.[0], /^eval(sha)?$/i, 'the lease script')

  for (let i = 2; i <= 9; i++) t.equal((await call(gateway, headers)).status, 200)
  await settled()
  t.equal(seen.length, 1, 'calls 2 to 9 sent no command')

  t.equal((await call(gateway, headers)).status, 200)
  await waitFor('the top-up', async () => seen.length > 1 ? true : undefined, 5000, 10)
  t.equal(seen.length, 2, 'the 10th call left 10 tokens: one top-up, in the background')
})
