import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/app.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'

async function admin (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

/** Asks again until `done` holds (or the time is up, answering the last response). */
async function poll (ask: () => Promise<LightMyRequestResponse>, done: (res: LightMyRequestResponse) => boolean, ms = 60_000): Promise<LightMyRequestResponse> {
  const until = Date.now() + ms
  let res = await ask()
  while (!done(res) && Date.now() < until) {
    await sleep(100)
    res = await ask()
  }
  return res
}

/** A gateway on `first`'s config and store (once `first` is closed), on another Redis or none. */
async function withRedis (t: { teardown (fn: () => unknown): void }, first: FastifyInstance, redisUrl?: string): Promise<FastifyInstance> {
  const config = first.config
  await first.close()
  const app = await buildApp({ ...config, redis: redisUrl === undefined ? {} : { target: { topology: 'single', url: redisUrl } } })
  t.teardown(() => app.close())
  return app
}

t.test('the syncs are listed with their schedules once a worker has set them up', async (t) => {
  const { app } = await buildTestGateway(t, { env: { SYNC_WORKER: 'true' } })
  const res = await poll(async () => await app.inject({ method: 'GET', url: '/admin/v1/syncs', headers: await admin() }),
    (res) => res.statusCode === 200 && res.json().syncs.every((sync: { schedule: { nextRunAt?: string } }) => sync.schedule.nextRunAt !== undefined), 15_000)
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.enabled, true)
  t.notOk('detail' in body, 'no detail while enabled')
  t.same(body.syncs.map((sync: { name: string }) => sync.name), app.syncs.names)
  const population = body.syncs.find((sync: { name: string }) => sync.name === 'population-changes')
  t.match(population, {
    name: 'population-changes',
    title: String,
    source: String,
    destination: String,
    schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh', nextRunAt: String }
  })
  const next = new Date(population.schedule.nextRunAt)
  t.ok(next.getTime() > Date.now() && next.getTime() <= Date.now() + 24 * 3600_000, 'next run within a day')
  t.equal(next.getUTCHours(), 18, '01:00 in Ho Chi Minh City is 18:00 UTC')
  t.notOk('lastRun' in population, 'never run yet')
})

t.test('an administrator runs a sync now and follows the run to its end', async (t) => {
  const { app, simulator } = await buildTestGateway(t, { env: { SYNC_WORKER: 'true' } })
  const res = await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  t.equal(res.statusCode, 202)
  const accepted = res.json()
  t.match(accepted, { runId: /^[A-Za-z0-9:._-]+$/, sync: 'population-changes', status: 'queued', deduplicated: false })
  t.equal(res.headers.location, `/admin/v1/syncs/population-changes/runs/${encodeURIComponent(accepted.runId)}`)

  const run = await poll(async () => await app.inject({ method: 'GET', url: res.headers.location as string, headers: await admin() }),
    (run) => run.statusCode === 200 && ['completed', 'failed'].includes(run.json().status))
  t.equal(run.statusCode, 200)
  const size = simulator.changeFeed.size
  t.match(run.json(), {
    runId: accepted.runId,
    sync: 'population-changes',
    trigger: 'manual',
    status: 'completed',
    startedAt: String,
    finishedAt: String,
    attempts: 1,
    progress: { done: size, estimated: size },
    counts: { read: size, written: size, invalid: 0 },
    deadLetters: [],
    deadLetterCount: 0
  })
  t.notOk('error' in run.json())

  // the feed of this simulator has no invalid records: letters written by hand show the page of 100 and the count
  for (let i = 1; i <= 120; i++) {
    await app.store.query('INSERT INTO sync_dead_letters (sync_name, run_id, record_key, reason) VALUES ($1, $2, $3, $4)', ['population-changes', accepted.runId, `test-${i}`, 'personalId: not a valid personal id'])
  }
  const letters = (await app.inject({ method: 'GET', url: res.headers.location as string, headers: await admin() })).json()
  t.equal(letters.deadLetterCount, 120)
  t.equal(letters.deadLetters.length, 100, 'the first 100')
  t.match(letters.deadLetters[0], { recordKey: 'test-1', reason: 'personalId: not a valid personal id', recordedAt: String })
  t.equal(letters.deadLetters[99].recordKey, 'test-100')

  const list = (await app.inject({ method: 'GET', url: '/admin/v1/syncs', headers: await admin() })).json()
  t.match(list.syncs.find((sync: { name: string }) => sync.name === 'population-changes'), {
    checkpointUpdatedAt: String,
    lastRun: { runId: accepted.runId, status: 'completed', counts: { read: size } }
  })

  const again = await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  t.equal(again.statusCode, 202)
  t.match(again.json(), { deduplicated: false }, 'the first run is over: a new one is queued')
  t.not(again.json().runId, accepted.runId)
})

t.test('while a manual run waits, starting the sync again answers that run', async (t) => {
  // no worker: the first run stays queued
  const { app } = await buildTestGateway(t)
  const first = await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  const second = await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  t.equal(first.statusCode, 202)
  t.equal(second.statusCode, 202)
  t.equal(first.json().deduplicated, false)
  t.same(second.json(), { ...first.json(), deduplicated: true })
  t.equal(second.headers.location, first.headers.location)

  const run = await app.inject({ method: 'GET', url: first.headers.location as string, headers: await admin() })
  t.equal(run.statusCode, 200)
  t.same(run.json(), {
    runId: first.json().runId,
    sync: 'population-changes',
    trigger: 'manual',
    status: 'queued',
    attempts: 0,
    counts: { batches: 0, read: 0, written: 0, invalid: 0 },
    deadLetters: [],
    deadLetterCount: 0
  })
})

t.test('unknown syncs and runs are 404, malformed names 400, and only administrators may look', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  let res = await app.inject({ method: 'POST', url: '/admin/v1/syncs/no-such-sync/runs', headers: await admin() })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { type: 'https://errors.gateway.local/not-found', detail: /no-such-sync.*population-changes/ })
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  res = await app.inject({ method: 'GET', url: '/admin/v1/syncs/no-such-sync/runs/1', headers: await admin() })
  t.equal(res.statusCode, 404)
  res = await app.inject({ method: 'GET', url: '/admin/v1/syncs/population-changes/runs/repeat%3Anightly%3A1732300000000', headers: await admin() })
  t.equal(res.statusCode, 404, 'a well-formed run id that was never queued')
  t.match(res.json(), { detail: 'Sync population-changes has no run repeat:nightly:1732300000000' })

  res = await app.inject({ method: 'POST', url: '/admin/v1/syncs/Population_Changes/runs', headers: await admin() })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'params', pointer: '/name' }])
  res = await app.inject({ method: 'GET', url: '/admin/v1/syncs/population-changes/runs/a%20b', headers: await admin() })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'params', pointer: '/runId' }])

  for (const [method, url] of [['GET', '/admin/v1/syncs'], ['POST', '/admin/v1/syncs/population-changes/runs'], ['GET', '/admin/v1/syncs/population-changes/runs/1']] as const) {
    res = await app.inject({ method, url })
    t.equal(res.statusCode, 401, `${method} ${url} without a token`)
    t.match(res.json(), { type: 'https://errors.gateway.local/unauthorized' })
    res = await app.inject({ method, url, headers: await headers() })
    t.equal(res.statusCode, 403, `${method} ${url} by a client that is not an administrator`)
    res = await app.inject({ method, url, headers: await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['citizens.read'], purpose: null }) })
    t.equal(res.statusCode, 403, `${method} ${url} by the admin client without the admin scope`)
  }
  const queued = await app.syncs.queues[0]?.getJobCounts()
  t.same(queued, { ...queued, waiting: 0, prioritized: 0 }, 'nothing was queued by the refused calls')
})

t.test('without Redis the syncs are listed as disabled, a run is refused with 503, and the gateway is still ready', async (t) => {
  const gateway = await buildTestGateway(t, { seedSector: true })
  const app = await withRedis(t, gateway.app)
  t.equal(app.syncs.enabled, false)

  let res = await app.inject({ method: 'GET', url: '/admin/v1/syncs', headers: await admin() })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { enabled: false, detail: /no Redis/ })
  t.match(res.json().syncs.find((sync: { name: string }) => sync.name === 'population-changes'), { schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh' } })
  t.ok(res.json().syncs.every((sync: { schedule: object }) => !('nextRunAt' in sync.schedule)), 'no schedule is kept without Redis')

  res = await app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 503, type: 'https://errors.gateway.local/syncs-unavailable', title: 'Syncs unavailable', detail: /no Redis/ })
  res = await app.inject({ method: 'POST', url: '/admin/v1/syncs/no-such-sync/runs', headers: await admin() })
  t.equal(res.statusCode, 404, 'an unknown sync is still unknown')
  res = await app.inject({ method: 'GET', url: '/admin/v1/syncs/population-changes/runs/1', headers: await admin() })
  t.equal(res.statusCode, 404, 'runs are looked up in the store')

  res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ready', checks: { syncs: { status: 'disabled', detail: /no Redis/ }, store: { status: 'up' } } })
})

t.test('/readyz pings the sync queues\' Redis', async (t) => {
  const { app } = await buildTestGateway(t, { seedSector: true })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ready', checks: { syncs: { status: 'up', latencyMs: Number } } })
})

t.test('with Redis away since start: the list comes from the store, a trigger is a 503 at once, the gateway is not ready', async (t) => {
  const gateway = await buildTestGateway(t, { seedSector: true })
  const app = await withRedis(t, gateway.app, 'redis://127.0.0.1:1')
  const started = Date.now()
  const [ready, list, trigger] = await Promise.all([
    app.inject({ method: 'GET', url: '/readyz' }),
    app.inject({ method: 'GET', url: '/admin/v1/syncs', headers: await admin() }),
    app.inject({ method: 'POST', url: '/admin/v1/syncs/population-changes/runs', headers: await admin() })
  ])
  t.ok(Date.now() - started < 3000, 'nobody waits for Redis to come back')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'not-ready', checks: { syncs: { status: 'down', detail: /not connected/ }, store: { status: 'up' } } })
  t.equal(list.statusCode, 200)
  t.match(list.json(), { enabled: true, syncs: [{ name: 'population-changes', schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh' } }] })
  t.notOk(list.json().syncs[0].schedule.nextRunAt, 'no next run without Redis to ask')
  t.equal(trigger.statusCode, 503)
  t.match(trigger.json(), { type: 'https://errors.gateway.local/syncs-unavailable', detail: /cannot be reached/ })
})

t.test('/readyz tells how many sync workers are connected', async (t) => {
  const idle = await buildTestGateway(t, { seedSector: true })
  t.match((await idle.app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', checks: { syncs: { status: 'up', detail: /no sync worker connected/ } } })
  const working = await buildTestGateway(t, { seedSector: true, env: { SYNC_WORKER: 'true' } })
  const ready = await working.app.inject({ method: 'GET', url: '/readyz' })
  t.match(ready.json(), { checks: { syncs: { status: 'up', detail: /^1 sync worker\(s\) connected/ } } })
})
