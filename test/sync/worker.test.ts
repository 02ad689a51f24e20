import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Queue } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config/index.js'
import { projectRoot } from '../../src/paths.js'
import type { Db } from '../../src/store/db.js'
import { createSyncControl, type SyncControl } from '../../src/sync/control.js'
import { queueName, SCHEDULER_ID } from '../../src/sync/queues.js'
import { freePort } from '../../src/private-redis.js'
import { buildWorker } from '../../src/worker-app.js'
import { startNodeProcess } from '../support/processes.js'
import { waitFor as waitUntil } from '../support/wait.js'
import { testStoreEnv } from '../support/store.js'
import { destinationCitizens, expectedCitizens, populationFeed, workerEnv, workerSetup } from './fixtures.js'

/**
 * The sync worker as it runs in production: BullMQ on a real Redis, the store, the simulators. Each proof ends
 * with the destination checked against the source (count and digest) and the dead letters counted.
 */

const SYNC = 'population-changes'

async function startWorker (t: Test, env: Record<string, string>): Promise<FastifyInstance> {
  const worker = await buildWorker(loadConfig({ ...env, LOG_LEVEL: 'silent' }))
  t.teardown(() => worker.close())
  await worker.ready()
  return worker
}

function control (t: Test, env: Record<string, string>, db: Db): SyncControl {
  const config = loadConfig(env)
  // the admin side needs only the names here; the definitions' sources are never read by control
  const sync = createSyncControl([{ name: SYNC, title: SYNC, source: '', destination: '', read: async () => { throw new Error('unused') }, write: async () => 0 }], config.syncs, db, config.redis.target)
  t.teardown(() => sync.close())
  return sync
}

/** A run takes a while on a busy machine: a minute before giving up, unless told otherwise. */
async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return await waitUntil(what, probe, timeoutMs)
}

t.test('restarting the worker five times leaves exactly one schedule per sync, in Vietnam time', async (t) => {
  const { redisUrl, prefix, env } = await workerSetup(t, { changes: 10 }, { SYNC_CRON_POPULATION_CHANGES: '30 2 * * *' })
  for (let start = 0; start < 5; start++) {
    const worker = await buildWorker(loadConfig({ ...env, LOG_LEVEL: 'silent' }))
    await worker.ready()
    await worker.close()
  }
  for (const [sync, cron] of [[SYNC, '30 2 * * *'], ['sector-land-parcels', '0 1 * * *']] as const) {
    const queue = new Queue(queueName(sync), { connection: { url: redisUrl }, prefix })
    t.teardown(() => queue.close())
    t.equal(await queue.getJobSchedulersCount(), 1, `${sync}: one scheduler`)
    t.match(await queue.getJobScheduler(SCHEDULER_ID), { pattern: cron, tz: 'Asia/Ho_Chi_Minh' })
    t.equal(await queue.getGlobalConcurrency(), 1, `${sync}: one run at a time`)
  }
})

t.test('a run triggered through the queue completes; a second trigger meanwhile is the same run', async (t) => {
  const { simulator, env } = await workerSetup(t, { changes: 4000, invalidEvery: 50 }, { SYNC_BATCH_SIZE: '500' })
  simulator.faults = { delayMs: 20 }
  const worker = await startWorker(t, env)
  const syncs = control(t, env, worker.store)
  const first = await syncs.trigger(SYNC)
  const again = await syncs.trigger(SYNC)
  t.equal(again.runId, first.runId)
  t.equal(again.deduplicated, true)
  const run = await waitFor('the run', async () => {
    const found = await syncs.run(SYNC, first.runId)
    return found?.status === 'completed' ? found : undefined
  })
  t.match(run, { counts: { read: 4000, invalid: 80, written: 3920 }, deadLetterCount: 80, progress: { done: 4000, estimated: 4000 } })
  const expected = expectedCitizens(simulator)
  t.same(await destinationCitizens(worker.store), { count: expected.count, digest: expected.digest })
  const third = await syncs.trigger(SYNC)
  t.not(third.runId, first.runId, 'a finished run is not deduplicated')
})

/** A redis-server on a fixed port that the test can kill and start again (without persistence: it comes back empty). */
async function restartableRedis (t: Test): Promise<{ url: string, kill: () => Promise<void>, start: () => Promise<void> }> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await once(child, 'spawn')
    await sleep(300)
  }
  const kill = async (): Promise<void> => {
    if (child === undefined || child.exitCode !== null) return
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  await start()
  t.teardown(kill)
  return { url: `redis://127.0.0.1:${port}`, kill, start }
}

t.test('Redis killed mid-run and started again empty: the run finishes from its checkpoint, nothing lost or doubled', async (t) => {
  const redis = await restartableRedis(t)
  const store = await testStoreEnv(t)
  const { simulator } = await populationFeed(t, { changes: 12_000, invalidEvery: 50 })
  simulator.faults = { delayMs: 40 }
  const env = workerEnv({ populationUrl: simulator.url, redisUrl: redis.url, prefix: 'lgsp-test', store, extra: { SYNC_BATCH_SIZE: '400' } })
  const worker = await startWorker(t, env)
  const syncs = control(t, env, worker.store)
  const { runId } = await syncs.trigger(SYNC)
  await waitFor('a few pages', async () => ((await syncs.run(SYNC, runId))?.counts.read ?? 0) >= 2000 ? true : undefined)
  await redis.kill()
  await sleep(1000)
  await redis.start()
  const run = await waitFor('the run to finish in the store', async () => {
    const found = await syncs.run(SYNC, runId)
    return found?.status === 'completed' ? found : undefined
  })
  t.match(run, { counts: { read: 12_000, invalid: 240 } })
  const expected = expectedCitizens(simulator)
  t.same(await destinationCitizens(worker.store), { count: expected.count, digest: expected.digest })
  const [letters] = await worker.store.query<{ n: number }>('SELECT count(*)::integer AS n FROM sync_dead_letters')
  t.equal(letters?.n, 240)

  // the restarted Redis has its schedules back, and a new run finds nothing new
  const queue = new Queue(queueName(SYNC), { connection: { url: redis.url }, prefix: 'lgsp-test' })
  t.teardown(() => queue.close())
  await waitFor('the schedule restored', async () => (await queue.getJobSchedulersCount()) === 1 ? true : undefined)
  const next = await syncs.trigger(SYNC)
  const after = await waitFor('the next run', async () => {
    const found = await syncs.run(SYNC, next.runId)
    return found?.status === 'completed' ? found : undefined
  })
  t.match(after, { counts: { read: 0 } })
})

t.test('kill -9 of the worker mid-run: another worker takes the run over and nothing is lost or doubled', async (t) => {
  const { simulator, redisUrl, prefix, env } = await workerSetup(t, { changes: 20_000, invalidEvery: 50 }, { SYNC_BATCH_SIZE: '500' })
  simulator.faults = { delayMs: 40 }

  // the first worker is a real process, killed with SIGKILL: no chance to finish its page or release its job
  const child = await startNodeProcess(t, {
    name: 'worker',
    args: [...process.execArgv, join(projectRoot, 'src/worker.ts')],
    env: { PATH: process.env.PATH ?? '', ...env },
    ready: /sync worker started/
  })

  const queue = new Queue(queueName(SYNC), { connection: { url: redisUrl }, prefix })
  t.teardown(() => queue.close())
  const job = await queue.add('run', { trigger: 'manual' })
  const runId = job.id as string
  await waitFor('a few pages', async () => {
    const progress = (await queue.getJob(runId))?.progress as { done?: number } | undefined
    return (progress?.done ?? 0) >= 3000 ? true : undefined
  })
  await child.kill()

  // PGlite allows one process at a time: the store is opened only now that the first worker is dead
  const second = await startWorker(t, env)
  const db = second.store
  const run = await waitFor('the run to finish', async () => {
    const [row] = await db.query<{ status: string, records_read: number, records_invalid: number, attempts: number }>(
      'SELECT status, records_read, records_invalid, attempts FROM sync_runs WHERE run_id = $1', [runId])
    return row?.status === 'completed' ? row : undefined
  }, 90_000)
  t.match(run, { records_read: 20_000, records_invalid: 400 })
  t.ok(run.attempts >= 2, `taken over (${run.attempts} starts of the same run)`)
  const expected = expectedCitizens(simulator)
  t.same(await destinationCitizens(db), { count: expected.count, digest: expected.digest })
  const [letters] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM sync_dead_letters')
  t.equal(letters?.n, 400)
})

t.test('a worker told to stop finishes its page, hands the run back, and the next worker completes it', async (t) => {
  const { simulator, redisUrl, prefix, env } = await workerSetup(t, { changes: 12_000, invalidEvery: 50 }, { SYNC_BATCH_SIZE: '400' })
  simulator.faults = { delayMs: 40 }
  const first = await buildWorker(loadConfig({ ...env, LOG_LEVEL: 'silent' }))
  await first.ready()
  const queue = new Queue(queueName(SYNC), { connection: { url: redisUrl }, prefix })
  t.teardown(() => queue.close())
  const job = await queue.add('run', { trigger: 'manual' }, { jobId: 'shutdown-run' })
  await waitFor('a few pages', async () => (((await queue.getJob('shutdown-run'))?.progress as { done?: number } | undefined)?.done ?? 0) >= 2000 ? true : undefined)
  const closing = Date.now()
  await first.close()
  t.ok(Date.now() - closing < 5000, `closed after its page (${Date.now() - closing} ms)`)
  const state = await queue.getJob(job.id as string).then(async (found) => await found?.getState())
  t.ok(state === 'delayed' || state === 'waiting', `the run went back to the queue (${String(state)})`)
  t.equal((await queue.getJob('shutdown-run'))?.attemptsMade ?? 0, 0, 'handing back spends no attempt')

  const second = await startWorker(t, env)
  const run = await waitFor('the run to finish', async () => {
    const [row] = await second.store.query<{ status: string, records_read: number, records_invalid: number }>(
      "SELECT status, records_read, records_invalid FROM sync_runs WHERE run_id = 'shutdown-run'")
    return row?.status === 'completed' ? row : undefined
  })
  t.same(run, { status: 'completed', records_read: 12_000, records_invalid: 240 })
  const expected = expectedCitizens(simulator)
  t.same(await destinationCitizens(second.store), { count: expected.count, digest: expected.digest })
})
