import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The Prometheus text exposition as samples (label values here hold no escaped quotes). */
function parse (text: string): Sample[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`not a sample: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map(([, name, value]) => [name, value]))
    return { name: match[1] as string, labels, value: Number(match[3]) }
  })
}

async function scrape (app: FastifyInstance): Promise<Sample[]> {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${res.body}`)
  return parse(res.body)
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
function valueOf (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

async function admin (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

t.test('requests are counted and timed by route pattern, status and client; audit commits are timed', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const before = parse(res.body)
  t.ok(valueOf(before, 'process_cpu_user_seconds_total') !== undefined, 'process metrics too')
  const commitsBefore = valueOf(before, 'gateway_audit_commit_duration_seconds_count') ?? 0

  const citizen = simulator.population.citizenAt(3)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers() })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'] }) })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}` })).statusCode, 401)

  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.notOk(text.includes(citizen.personalId), 'no raw URL, no personal id in any label')
  const samples = parse(text)
  const route = '/api/v1/citizens/:personalId'
  const full = { method: 'GET', route, status_code: '200', client: 'VN.TEST.FULL' }
  t.equal(valueOf(samples, 'http_requests_total', full), 1)
  t.equal(valueOf(samples, 'http_requests_total', { ...full, client: 'VN.TEST.LIMITED' }), 1)
  t.equal(valueOf(samples, 'http_requests_total', { ...full, status_code: '401', client: 'anonymous' }), 1)
  t.equal(valueOf(samples, 'http_request_duration_seconds_count', full), 1)
  t.ok((valueOf(samples, 'http_request_duration_seconds_sum', full) as number) > 0, 'latency observed')
  t.equal(valueOf(samples, 'http_request_duration_seconds_bucket', { ...full, le: '+Inf' }), 1)
  t.equal(valueOf(samples, 'http_requests_total', { route: '/metrics', status_code: '200' }), 1, 'the scrape before is counted too')

  t.equal(valueOf(samples, 'gateway_upstream_request_duration_seconds_count', { upstream: 'population database', outcome: 'answered' }), 2, 'each upstream attempt timed')
  t.equal(valueOf(samples, 'gateway_upstream_calls_total', { upstream: 'population database' }), 2)
  t.equal(valueOf(samples, 'gateway_upstream_circuit_state', { upstream: 'population database' }), 0)

  const commits = valueOf(samples, 'gateway_audit_commit_duration_seconds_count') as number
  t.ok(commits > commitsBefore, 'audit commits timed')
  t.equal(valueOf(samples, 'gateway_audit_commit_records_sum'), 3, 'the three audited calls, in whatever batches')
})

t.test('unknown URLs and random path parameters add no series', async (t) => {
  const { app } = await buildTestGateway(t)
  const random = (): string => randomBytes(6).toString('hex')
  const unknown = async (): Promise<number> => (await app.inject({ method: 'GET', url: `/${random()}/${random()}?q=${random()}` })).statusCode
  const unauthorised = async (): Promise<number> => (await app.inject({ method: 'GET', url: `/api/v1/dossiers/${random()}` })).statusCode
  // every series these calls can make exists before counting: one call of each, and a scrape (itself counted)
  t.equal(await unknown(), 404)
  t.equal(await unauthorised(), 401)
  await scrape(app)
  // process metrics come and go by themselves (GC kinds, handle types): only the gateway's own are compared
  const series = async (): Promise<string[]> => (await scrape(app))
    .filter((sample) => !/^(process|nodejs)_/.test(sample.name))
    .map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`)
  const before = await series()

  for (let i = 0; i < 100; i++) {
    t.equal(await unknown(), 404)
    t.equal(await unauthorised(), 401)
  }
  const after = await series()
  t.same(after, before, '200 more calls, not one more series')
  const samples = await scrape(app)
  t.equal(valueOf(samples, 'http_requests_total', { route: 'unmatched', status_code: '404' }), 101)
  t.equal(valueOf(samples, 'http_requests_total', { route: '/api/v1/dossiers/:dossierCode', status_code: '401' }), 101)
})

t.test('the breaker state and counters of each upstream are read at scrape time', async (t) => {
  const { app, procedures, headers } = await buildTestGateway(t, { env: { UPSTREAM_BREAKER_FAILURES: '2', UPSTREAM_RETRIES: '0' } })
  const upstream = { upstream: 'administrative-procedure system' }
  const motcua = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read'], purpose: null }
  t.equal(valueOf(await scrape(app), 'gateway_upstream_circuit_state', upstream), 0, 'closed')

  procedures.faults = { status: 503 }
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url: '/api/v1/procedures/1.001612', headers: await headers(motcua) })).statusCode, 503)
  const samples = await scrape(app)
  t.equal(valueOf(samples, 'gateway_upstream_circuit_state', upstream), 2, 'open')
  t.equal(valueOf(samples, 'gateway_upstream_circuit_state', { upstream: 'population database' }), 0, 'the others stay closed')
  t.equal(valueOf(samples, 'gateway_upstream_circuit_opened_total', upstream), 1)
  t.equal(valueOf(samples, 'gateway_upstream_calls_total', upstream), 2)
  t.equal(valueOf(samples, 'gateway_upstream_failures_total', upstream), 2)
  t.equal(valueOf(samples, 'gateway_upstream_rejected_total', upstream), 1, 'the third call never reached it')
  t.equal(valueOf(samples, 'gateway_upstream_retries_total', upstream), 0)
  t.equal(valueOf(samples, 'gateway_upstream_request_duration_seconds_count', { ...upstream, outcome: 'unavailable' }), 2, 'two attempts, both 503')
  t.equal(valueOf(samples, 'http_requests_total', { route: '/api/v1/procedures/:procedureCode', status_code: '503', client: 'VN.TEST.MOTCUA' }), 3)
})

t.test('sync queue depths come from Redis; with Redis away the scrape still answers at once, without them', async (t) => {
  const { app } = await buildTestGateway(t)
  let samples = await scrape(app)
  t.equal(valueOf(samples, 'gateway_sync_queues_up'), 1)
  const queue = '{sync-population-changes}'
  for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
    t.equal(valueOf(samples, 'gateway_sync_queue_jobs', { queue, state }), 0, state)
  }
  t.equal(samples.filter((sample) => sample.name === 'gateway_sync_queue_jobs').length, app.syncs.queues.length * 5, 'five states for every queue')

  // no worker in this gateway: a run started now waits
  t.equal((await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })).statusCode, 202)
  samples = await scrape(app)
  t.equal(valueOf(samples, 'gateway_sync_queue_jobs', { queue, state: 'waiting' }), 1)

  const config = app.config
  await app.close()
  const away = await buildApp({ ...config, redis: { target: { topology: 'single', url: 'redis://127.0.0.1:1' } } })
  t.teardown(() => away.close())
  const started = Date.now()
  samples = await scrape(away)
  t.ok(Date.now() - started < 3000, 'a scrape does not wait for Redis')
  t.equal(valueOf(samples, 'gateway_sync_queues_up'), 0)
  t.equal(samples.filter((sample) => sample.name === 'gateway_sync_queue_jobs').length, 0, 'no queue series without Redis')
  t.equal(valueOf(samples, 'gateway_upstream_circuit_state', { upstream: 'population database' }), 0, 'the rest is there')
})

t.test('apps side by side keep their own registries; METRICS_ENABLED=false removes /metrics', async (t) => {
  const [first, second] = await Promise.all([buildTestGateway(t), buildTestGateway(t)])
  await first.app.inject({ method: 'GET', url: '/healthz' })
  await first.app.inject({ method: 'GET', url: '/healthz' })
  await second.app.inject({ method: 'GET', url: '/healthz' })
  t.equal(valueOf(await scrape(first.app), 'http_requests_total', { route: '/healthz' }), 2)
  t.equal(valueOf(await scrape(second.app), 'http_requests_total', { route: '/healthz' }), 1)

  const { app } = await buildTestGateway(t, { env: { METRICS_ENABLED: 'false' } })
  t.equal(app.metrics, undefined)
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
})
