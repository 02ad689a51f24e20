import t from 'tap'
import { IllegalTransitionError } from '../adapters/procedures/errors.js'
import { circuitOpenError } from '../adapters/shared/resilience.js'
import {
  InvalidInputError, UnknownResourceError, UpstreamFaultError, UpstreamTimeoutError, UpstreamUnavailableError
} from '../adapters/shared/errors.js'
import { buildTestGateway } from './support/gateway.js'

const PROBLEM = /^application\/problem\+json/

t.test('unknown route is a 404 problem', async (t) => {
  const { app } = await buildTestGateway(t)
  const res = await app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'https://errors.gateway.local/route-not-found', status: 404, instance: '/api/v1/nothing-here', requestId: String })
})

t.test('wrong content type is a 415 problem', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: { ...await headers(), 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(res.statusCode, 415)
  t.match(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'https://errors.gateway.local/unsupported-media-type', status: 415 })
})

t.test('a body over the limit is a 413 problem', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t, { env: { BODY_LIMIT_BYTES: '2048' } })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/citizens/verify',
    headers: { ...await headers(), 'content-type': 'application/json' },
    payload: JSON.stringify({ personalId: '025090001234', fullName: 'x'.repeat(5000), dateOfBirth: '1990-01-01' })
  })
  t.equal(res.statusCode, 413)
  t.match(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'https://errors.gateway.local/payload-too-large', status: 413 })
  t.equal(simulator.hits, 0)
})

t.test('malformed and empty JSON are 400 problems', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  const auth = await headers()
  for (const payload of ['{"personalId": ', '', '{"__proto__": {"x": 1}}']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: { ...auth, 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.headers['content-type'], PROBLEM)
    t.match(res.json(), { type: 'https://errors.gateway.local/malformed-body', status: 400 })
    t.notMatch(res.body, /SyntaxError|at JSON\.parse|node_modules/)
  }
})

t.test('validation problems name every failing field with a JSON pointer', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: await headers(), payload: { personalId: 12, fullName: '' } })
  t.equal(res.statusCode, 400)
  t.match(res.json(), {
    type: 'https://errors.gateway.local/validation',
    title: 'Request validation failed',
    status: 400,
    instance: '/api/v1/citizens/verify',
    requestId: String
  })
  const pointers = new Set((res.json().errors as Array<{ pointer: string, in: string }>).map((e) => `${e.in}${e.pointer}`))
  t.same([...pointers].sort(), ['body/dateOfBirth', 'body/fullName', 'body/personalId'])
})

t.test('an adapter\'s own errors (no HTTP status of their own) are answered as the gateway\'s problems', async (t) => {
  const { app } = await buildTestGateway(t)
  const cases: Array<[string, Error, object, Record<string, string>?]> = [
    ['fault', new UpstreamFaultError('population registry', 'HTTP 500'), { type: 'https://errors.gateway.local/upstream-error', status: 502, detail: 'The population registry answered with an error: HTTP 500' }],
    ['unavailable', new UpstreamUnavailableError('population registry', { cause: new Error('ECONNREFUSED') }), { type: 'https://errors.gateway.local/upstream-unavailable', status: 503, detail: 'The population registry cannot be reached' }],
    ['circuit-open', circuitOpenError('one-stop system', 7), { type: 'https://errors.gateway.local/upstream-unavailable', status: 503, detail: /circuit open\)\. Retry after 7 s/ }, { 'retry-after': '7' }],
    ['timeout', new UpstreamTimeoutError('national portal', 2000), { type: 'https://errors.gateway.local/upstream-timeout', status: 504, detail: 'The national portal did not answer within 2000 ms' }],
    ['invalid', new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this service issued' }]),
      { type: 'https://errors.gateway.local/validation', status: 400, detail: '1 field(s) failed validation', errors: [{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this service issued' }] }],
    ['unknown', new UnknownResourceError('No dataset land/nothing'), { type: 'https://errors.gateway.local/not-found', status: 404, detail: 'No dataset land/nothing' }],
    ['conflict', new IllegalTransitionError('000.00.20.H23-250101-0001', 'resolved', 'processing', ['returned']),
      { type: 'https://errors.gateway.local/conflict', status: 409, detail: /cannot go from resolved to processing/ }]
  ]
  for (const [name, error] of cases) app.get(`/adapter-error/${name}`, async () => { throw error })
  for (const [name, , problem, headers] of cases) {
    const res = await app.inject({ method: 'GET', url: `/adapter-error/${name}` })
    t.match(res.headers['content-type'], PROBLEM, name)
    t.match(res.json(), { ...problem, instance: `/adapter-error/${name}` }, name)
    t.equal(res.statusCode, (problem as { status: number }).status, name)
    t.equal(res.headers['retry-after'], headers?.['retry-after'], `${name}: Retry-After only with an open circuit`)
  }
})

t.test('an unexpected error is a 500 problem that hides its details', async (t) => {
  const { app } = await buildTestGateway(t)
  app.get('/boom', async () => { throw new Error('secret internal state at /srv/app.js:12') })
  const res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.match(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'https://errors.gateway.local/internal', status: 500, detail: /request id/ })
  t.notMatch(res.body, /secret|\/srv\/app\.js|stack/)
})

t.test('X-Request-Id is accepted when well-formed, generated otherwise, and always echoed', async (t) => {
  const { app } = await buildTestGateway(t)
  let res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'motcua-2025-000123' } })
  t.equal(res.headers['x-request-id'], 'motcua-2025-000123')

  res = await app.inject({ method: 'GET', url: '/api/v1/missing', headers: { 'x-request-id': 'bad id\r\nx-injected: 1' } })
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'malformed id replaced')
  t.equal(res.json().requestId, res.headers['x-request-id'], 'problem carries the same id')

  res = await app.inject({ method: 'GET', url: '/healthz' })
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'generated when absent')
})

t.test('a URL that does not decode is a 400 problem, with the request id echoed', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  const auth = await headers()
  for (const segment of ['%', '%zz', '%C0%AF']) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${segment}`, headers: { ...auth, 'x-request-id': 'bad-url-request-01' } })
    t.equal(res.statusCode, 400, segment)
    t.match(res.headers['content-type'], PROBLEM)
    t.equal(res.headers['x-request-id'], 'bad-url-request-01')
    t.match(res.json(), { type: 'https://errors.gateway.local/bad-request', status: 400, detail: /percent-encoded/, requestId: 'bad-url-request-01' })
  }
  const generated = await app.inject({ method: 'GET', url: '/api/v1/citizens/%zz' })
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'an id is generated when none is sent')
  t.equal(generated.json().requestId, generated.headers['x-request-id'])
})

t.test('a path parameter past the router\'s limit is a 400 problem, not an undeclared 414', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${'1'.repeat(1100)}`, headers: { ...await headers(), 'x-request-id': 'long-param-000001' } })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], PROBLEM)
  t.equal(res.headers['x-request-id'], 'long-param-000001')
  t.match(res.json(), { type: 'https://errors.gateway.local/bad-request', status: 400, detail: /longer than/, requestId: 'long-param-000001' })
  t.notMatch(res.json().detail, /1111/, 'the detail does not quote the path back')
})

t.test('a number that is not finite is refused wherever text is coerced to one', async (t) => {
  const { app } = await buildTestGateway(t)
  const seen: unknown[] = []
  app.post('/finite/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      querystring: { type: 'object', properties: { min: { type: 'number' }, limit: { type: 'integer', minimum: 1, maximum: 100 } } },
      body: { type: 'object', properties: { sequence: { type: 'integer', minimum: 1 } } }
    }
  }, async (request) => { seen.push(request.params, request.query, request.body); return {} })

  const ok = await app.inject({ method: 'POST', url: '/finite/7?min=-1.5e3&limit=100', payload: { sequence: '3' } })
  t.equal(ok.statusCode, 200, 'finite numbers, as text or not, still pass')
  for (const [url, payload, pointer] of [
    ['/finite/1?limit=Infinity', {}, 'query/limit'],
    ['/finite/1?limit=-Infinity', {}, 'query/limit'],
    ['/finite/1?min=1e309', {}, 'query/min'],
    ['/finite/Infinity', {}, 'params/id'],
    ['/finite/1', { sequence: '1e999' }, 'body/sequence']
  ] as const) {
    const res = await app.inject({ method: 'POST', url, payload })
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], PROBLEM)
    t.same(res.json().errors.map((error: { in: string, pointer: string }) => `${error.in}${error.pointer}`), [pointer], `${url} ${JSON.stringify(payload)}`)
  }
  t.equal(seen.length, 3, 'only the finite request reached the handler')
})
