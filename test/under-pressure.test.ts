import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Agent, request } from 'undici'
import type { FastifyInstance } from 'fastify'
import { buildTestGateway, testConfig } from './support/gateway.js'

/** Load shedding (src/plugins/external/under-pressure.ts): a saturated event loop, and a gateway draining to exit. */

function blockEventLoop (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) { /* saturate */ }
}

async function settled (app: FastifyInstance): Promise<void> {
  // the first readings cover the boot (migrations, PGlite), not load
  const deadline = Date.now() + 10_000
  while (app.isUnderPressure()) {
    if (Date.now() > deadline) throw new Error(`still under pressure after boot: ${JSON.stringify(app.memoryUsage())}`)
    await sleep(20)
  }
}

t.test('defaults: shed past a mean event-loop delay of 1 s per 1 s reading; utilization not checked', async (t) => {
  t.match(testConfig('http://127.0.0.1:9/soap').pressure, { maxEventLoopDelayMs: 1000, maxEventLoopUtilization: 0, sampleIntervalMs: 1000 })
})

t.test('a saturated event loop: new requests get a 503 `overloaded` problem with Retry-After before any token check; probes still answer', async (t) => {
  const gateway = await buildTestGateway(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '100', PRESSURE_SAMPLE_INTERVAL_MS: '100' } })
  const { app } = gateway
  const headers = await gateway.headers({ clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read'], purpose: null })
  await app.ready()
  await settled(app)
  const before = await app.inject({ url: '/api/v1/services', headers })
  t.equal(before.statusCode, 200, 'answered while the loop keeps up')

  blockEventLoop(600)
  // the next reading sees the delay; requests from then until the reading after are refused
  const deadline = Date.now() + 5000
  let answers
  do {
    answers = await Promise.all([
      app.inject({ url: '/api/v1/services', headers: { ...headers, 'x-request-id': 'overloaded-1' } }),
      app.inject({ url: '/api/v1/services' }),
      app.inject({ url: '/healthz' })
    ])
    if (answers[0].statusCode === 503 || Date.now() > deadline) break
    await sleep(5)
  } while (true)
  const [shed, anonymous, health] = answers
  t.equal(shed.statusCode, 503, `shed (${JSON.stringify(app.memoryUsage())})`)
  t.match(shed.headers, { 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '1', 'x-request-id': 'overloaded-1' })
  t.same(shed.json(), {
    type: 'https://errors.gateway.local/overloaded',
    title: 'Gateway overloaded',
    status: 503,
    detail: 'The gateway is overloaded and sheds load; retry after 1 s',
    instance: '/api/v1/services',
    requestId: 'overloaded-1'
  })
  t.equal(anonymous.statusCode, 503, 'refused before the token is looked at (no 401)')
  t.equal(health.statusCode, 200, '/healthz answers under pressure: liveness does not flap')

  const recovered = Date.now() + 5000
  let after
  do {
    await sleep(50)
    after = await app.inject({ url: '/api/v1/services', headers })
  } while (after.statusCode === 503 && Date.now() < recovered)
  t.equal(after.statusCode, 200, 'answered again once a reading finds the loop keeping up')
})

t.test('event-loop utilization, when a limit is set, sheds too (and a delay limit of 0 is not checked)', async (t) => {
  const gateway = await buildTestGateway(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '0', MAX_EVENT_LOOP_UTILIZATION: '0.9', PRESSURE_SAMPLE_INTERVAL_MS: '200' } })
  const { app } = gateway
  await app.ready()
  await settled(app)
  blockEventLoop(500)
  const deadline = Date.now() + 5000
  let res
  do {
    res = await app.inject({ url: '/api/v1/services' })
    if (res.statusCode === 503 || Date.now() > deadline) break
    await sleep(5)
  } while (true)
  t.equal(res.statusCode, 503, JSON.stringify(app.memoryUsage()))
  t.match(res.json(), { type: 'https://errors.gateway.local/overloaded' })
})

t.test('draining: requests in flight finish; new ones get a 503 `not-ready` problem; probes say so; every answer closes its connection', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator } = gateway
  const headers = await gateway.headers()
  // holds the close between the gateway turning away requests and the server no longer accepting connections
  let release = (): void => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  let draining = false
  app.addHook('preClose', async () => { draining = true; await held })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const origin = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : ''
  const dispatcher = new Agent({ connections: 4 })
  t.teardown(() => dispatcher.close())

  simulator.faults = { delayMs: 400 }
  const personalId = simulator.population.citizenAt(7).personalId
  const inFlight = request(`${origin}/api/v1/citizens/${personalId}`, { headers: { ...headers, 'x-request-id': 'in-flight-1' }, dispatcher })
  await sleep(100) // received, waiting on the upstream
  const closed = app.close()
  while (!draining) await sleep(5)

  const refused = await request(`${origin}/api/v1/citizens/${personalId}`, { headers: { ...headers, 'x-request-id': 'refused-1' }, dispatcher })
  t.equal(refused.statusCode, 503)
  t.match(refused.headers, { 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '1', connection: 'close', 'x-request-id': 'refused-1' })
  t.same(await refused.body.json(), {
    type: 'https://errors.gateway.local/not-ready',
    title: 'Gateway not ready',
    status: 503,
    detail: 'This gateway instance is shutting down; retry the request (another instance will answer it)',
    instance: `/api/v1/citizens/${personalId}`,
    requestId: 'refused-1'
  })
  const ready = await request(`${origin}/readyz`, { dispatcher })
  t.equal(ready.statusCode, 503, '/readyz: not ready while draining')
  t.same(await ready.body.json(), { status: 'not-ready', checks: { gateway: { status: 'down', detail: 'shutting down' } } })
  const health = await request(`${origin}/healthz`, { dispatcher })
  t.equal(health.statusCode, 200, '/healthz: the process is alive')
  t.equal(health.headers.connection, 'close')
  await health.body.dump()

  const answered = await inFlight
  t.equal(answered.statusCode, 200, 'the request in flight when the close began is answered')
  t.equal(answered.headers.connection, 'close')
  t.match(await answered.body.json(), { personalId, fullName: String })
  release()
  await closed
})

t.test('the readings that may cover the boot do not shed: a new replica answers its first requests', async (t) => {
  const interval = 400
  const gateway = await buildTestGateway(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '100', PRESSURE_SAMPLE_INTERVAL_MS: String(interval) } })
  const { app } = gateway
  blockEventLoop(600) // the boot's compiling and migrations, before the gateway is ready
  await app.ready()
  const readyAt = Date.now()
  while (!app.isUnderPressure() && Date.now() < readyAt + 2 * interval) await sleep(5)
  const res = await app.inject({ url: '/api/v1/services' })
  if (app.isUnderPressure() && Date.now() < readyAt + 2 * interval) {
    t.equal(res.statusCode, 401, 'answered (here: no token), not shed, though the reading says the loop was blocked')
  } else {
    // a busy machine may take the reading, or the request, past the window: nothing to check then
    t.comment(`not checked: the reading showed no pressure inside the boot window (${Date.now() - readyAt} ms after ready)`)
  }
})
