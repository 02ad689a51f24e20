import t from 'tap'
import { startPrivateRedis } from '../../src/private-redis.js'
import { buildTestGateway } from '../support/gateway.js'
import { redisPrefix, testRedisUrl } from '../support/redis.js'

function verifyBody (citizen: { personalId: string, fullName: string, dateOfBirth: string }): object {
  return { personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth }
}

t.test('the grant\'s limit is enforced per client and service, with a 429 problem and Retry-After', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const body = verifyBody(simulator.population.citizenAt(1))
  const health = await headers({ clientId: 'VN.TEST.VERIFY', scopes: ['citizens.verify'], purpose: 'KCB' })
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: health, payload: body })
    statuses.push(res.statusCode)
    if (res.statusCode === 429) {
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { type: 'https://errors.gateway.local/rate-limited', status: 429, detail: /3 requests per 60 s/ })
      t.ok(Number(res.headers['retry-after']) >= 1 && Number(res.headers['retry-after']) <= 60, `Retry-After ${String(res.headers['retry-after'])}`)
    } else {
      t.equal(res.headers['x-ratelimit-limit'], '3')
    }
  }
  t.same(statuses, [200, 200, 200, 429])
  t.equal(simulator.hits, 3, 'the refused call never reached the upstream')
  const other = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: await headers(), payload: body })
  t.equal(other.statusCode, 200, 'another client has its own counter')
})

t.test('counters live in Redis: two gateways share one limit', async (t) => {
  const redisUrl = await testRedisUrl(t)
  const env = { RATE_LIMIT_PREFIX: await redisPrefix(t, redisUrl), REDIS_URL: redisUrl }
  const first = await buildTestGateway(t, { env })
  const second = await buildTestGateway(t, { env })
  const body = verifyBody(first.simulator.population.citizenAt(2))
  const health = await first.headers({ clientId: 'VN.TEST.VERIFY', scopes: ['citizens.verify'], purpose: 'KCB' })
  const statuses: number[] = []
  for (const gateway of [first, second, first, second]) {
    statuses.push((await gateway.app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: health, payload: body })).statusCode)
  }
  t.same(statuses, [200, 200, 200, 429])
})

t.test('with Redis down, personal-data calls fail closed (503) and nothing is disclosed', async (t) => {
  const redis = await startPrivateRedis()
  if (redis === undefined) throw new Error('this test needs redis-server on PATH to stop a Redis of its own')
  t.teardown(() => redis.stop())
  const { app, simulator, headers } = await buildTestGateway(t, { env: { REDIS_URL: redis.url } })
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  const auth = await headers()
  t.equal((await app.inject({ method: 'GET', url, headers: auth })).statusCode, 200)

  await redis.stop()
  const res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { type: 'https://errors.gateway.local/rate-limit-unavailable' })
  t.notMatch(res.body, /fullName/)
  t.equal(simulator.hits, 1, 'the upstream was not called while limits could not be counted')
  const services = await app.inject({ method: 'GET', url: '/api/v1/services', headers: auth })
  t.equal(services.statusCode, 200, 'calls without a rate-limited service still work')
})

t.test('administration and discovery are limited too, per client, each in its own bucket (OWASP API4)', async (t) => {
  const { app, headers } = await buildTestGateway(t, { env: { RATE_LIMIT_PER_MINUTE: '2' } })
  const admin = await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'], purpose: null })
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/clients', headers: admin })
    statuses.push(res.statusCode)
    t.equal(res.headers['x-ratelimit-limit'], '2')
    if (res.statusCode === 429) t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After')
  }
  t.same(statuses, [200, 200, 429])
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/services', headers: admin })).statusCode, 200, 'discovery counts apart from administration')
})
