import t from 'tap'
import { buildTestGateway } from '../support/gateway.js'

t.test('/healthz answers while the process is up, whatever the upstreams do', async (t) => {
  const { app, simulator } = await buildTestGateway(t)
  await simulator.close()
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('/readyz checks the population database for real', async (t) => {
  const { app, simulator } = await buildTestGateway(t, { seedSector: true })
  let res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ready', checks: { population: { status: 'up', latencyMs: Number }, sector: { status: 'up' }, redis: { status: 'up' } } })

  await simulator.close()
  res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'not-ready', checks: { population: { status: 'down', detail: /cannot be reached/ } } })

  // what a load balancer asks: the gateway's own state only, so an upstream every replica shares takes none out
  res = await app.inject({ method: 'GET', url: '/readyz?scope=local' })
  t.equal(res.statusCode, 200)
  t.same(Object.keys(res.json().checks).sort(), ['redis', 'store'])
  t.equal(res.json().status, 'ready')
  t.equal((await app.inject({ method: 'GET', url: '/readyz?scope=everything' })).statusCode, 400, 'an unknown scope is a validation error')
})

t.test('/readyz?scope=local is not ready while the store is down', async (t) => {
  const { app } = await buildTestGateway(t)
  await app.store.close()
  const res = await app.inject({ method: 'GET', url: '/readyz?scope=local' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'not-ready', checks: { store: { status: 'down' } } })
})

t.test('/docs serves Swagger UI and /openapi.json lists both citizen routes with their schemas', async (t) => {
  const { app } = await buildTestGateway(t)
  const docs = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(docs.statusCode, 200)
  t.match(docs.body, /swagger-ui/i)
  const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.equal(init.statusCode, 200)

  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  const spec = res.json()
  t.match(spec.paths['/api/v1/citizens/{personalId}'].get, {
    operationId: 'getCitizen',
    parameters: [{ name: 'personalId', in: 'path', schema: { $ref: '#/components/schemas/PersonalId' } }],
    responses: {
      200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Citizen' } } } },
      400: { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }
    }
  })
  t.match(spec.paths['/api/v1/citizens/verify'].post, {
    requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/CitizenVerifyRequest' } } } }
  })
  t.ok(spec.components.schemas.Citizen)
  t.notOk(Object.keys(spec.components.schemas).some((name) => name.startsWith('def-')), 'shared schemas keep their names')
})

t.test('/readyz says an upstream is not ready while its circuit is open, and ready again once a probe closes it', async (t) => {
  const { app, procedures, headers } = await buildTestGateway(t, { seedSector: true, env: { UPSTREAM_BREAKER_FAILURES: '2', UPSTREAM_BREAKER_HALF_OPEN_MS: '300', UPSTREAM_RETRIES: '0' } })
  const motcua = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read'], purpose: null }
  procedures.faults = { status: 503 }
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'GET', url: '/api/v1/procedures/1.001612', headers: await headers(motcua) })).statusCode, 503)
  const hitsWhileOpen = procedures.hits
  const refused = await app.inject({ method: 'GET', url: '/api/v1/procedures/1.001612', headers: await headers(motcua) })
  t.equal(refused.statusCode, 503)
  t.ok(Number(refused.headers['retry-after']) >= 1, 'Retry-After while the circuit is open')
  t.equal(procedures.hits, hitsWhileOpen, 'the open circuit does not call the upstream')
  const notReady = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(notReady.statusCode, 503)
  t.match(notReady.json(), { checks: { procedures: { status: 'down', detail: /circuit open/ }, population: { status: 'up' } } })

  procedures.faults = {}
  await new Promise((resolve) => setTimeout(resolve, 350))
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/procedures/1.001612', headers: await headers(motcua) })).statusCode, 200, 'the probe succeeds')
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
})
