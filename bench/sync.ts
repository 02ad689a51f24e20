import { Queue, QueueEvents } from 'bullmq'
import { queueName } from '../src/sync/queues.js'
import type { RunSummary } from '../src/sync/runner.js'
import { workerEnv } from '../test/support/env.js'
import { benchRedis, benchStore } from './backends.js'
import { rssMiB, startUpstreamsProcess, startWorkerProcess } from './children.js'
import { describeMachine, machineRows, markdownTable } from './report.js'
import { BenchFailure, benchServiceUrls, type Cleanup, createCleanup, runBenchScript, UsageError, writeResults } from './script.js'

/**
 * Throughput and memory of the population-changes sync: the population simulator's change feed (N changes, 2%
 * invalid) → a sync worker in its own process → the shared store. One run per size, each on a fresh store and
 * a fresh worker, so the worker's peak RSS (VmHWM) belongs to that run alone; equal peaks at 50k and 200k show
 * memory flat in the record count. Records/s = records read / (job finished − job started), from BullMQ.
 *
 *   npm run bench:sync [-- --sizes 50000,200000 --batch 5000]
 *   BENCH_DATABASE_URL=postgres://…  a schema bench_<random> per run there, instead of an embedded PGlite each
 *   BENCH_REDIS_URL=redis://…        that Redis instead of a private redis-server
 */

const GOAL_RECORDS_PER_SECOND = 20_000

interface RunResult {
  size: number
  summary: RunSummary
  seconds: number
  recordsPerSecond: number
  peakRssMiB: number
  idleRssMiB: number
}

async function runOnce (cleanup: Cleanup, size: number, batch: number, databaseUrl: string | undefined, redisUrl: string | undefined): Promise<RunResult> {
  const redis = await benchRedis(cleanup, redisUrl)
  const store = await benchStore(cleanup, databaseUrl)
  const upstreams = await startUpstreamsProcess(cleanup, { ids: 0, size, changeFeed: { size, invalidEvery: 50 } })
  const prefix = `${redis.prefix}q`
  const worker = await startWorkerProcess(cleanup, `sync worker (${size})`, workerEnv({
    populationUrl: upstreams.populationUrl,
    redisUrl: redis.url,
    prefix,
    store: store.env,
    extra: { LOG_LEVEL: 'warn', POPULATION_TIMEOUT_MS: '60000', PROCEDURES_URL: upstreams.proceduresUrl, SYNC_BATCH_SIZE: String(batch) }
  }))
  const idleRssMiB = await rssMiB(worker.pid, 'peak')
  const queue = new Queue(queueName('population-changes'), { connection: { url: redis.url }, prefix })
  const events = new QueueEvents(queueName('population-changes'), { connection: { url: redis.url }, prefix })
  cleanup.add('close queue', async () => { await events.close(); await queue.close() })
  await events.waitUntilReady()
  const job = await queue.add('run', { trigger: 'manual' }, { jobId: `bench-${size}` })
  const summary = await job.waitUntilFinished(events, 30 * 60_000) as RunSummary
  const finished = await queue.getJob(job.id as string)
  const seconds = ((finished?.finishedOn ?? 0) - (finished?.processedOn ?? 0)) / 1000
  const peak = await rssMiB(worker.pid, 'peak')
  return { size, summary, seconds, recordsPerSecond: Math.round(summary.read / seconds), peakRssMiB: peak, idleRssMiB }
}

await runBenchScript({
  numbers: { batch: { default: 5000, min: 1, max: 1_000_000 } },
  strings: { sizes: '50000,200000' }
}, async (options, cleanup) => {
  const sizes = (options.sizes ?? '50000,200000').split(',').map(Number)
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new UsageError(`--sizes must be whole numbers ≥ 1, comma-separated (got ${options.sizes ?? ''})`)
  const machine = describeMachine()
  const { databaseUrl, redisUrl } = benchServiceUrls()
  const results: RunResult[] = []
  for (const size of sizes) {
    process.stdout.write(`population-changes: ${size} changes …\n`)
    // each run on its own processes and store, stopped before the next starts (and on Ctrl-C)
    const run = createCleanup()
    cleanup.add(`stop the run of ${size}`, () => run.run())
    const result = await runOnce(run, size, options.batch, databaseUrl, redisUrl).finally(() => run.run())
    const expectedInvalid = Math.floor(size / 50)
    if (result.summary.read !== size || result.summary.invalid !== expectedInvalid) {
      throw new BenchFailure(`run of ${size} read ${result.summary.read} and dead-lettered ${result.summary.invalid} (expected ${size} and ${expectedInvalid})`)
    }
    results.push(result)
  }

  const table = markdownTable(
    ['changes', 'written', 'dead letters', 'seconds', 'records/s', `goal ≥ ${GOAL_RECORDS_PER_SECOND}`, 'worker RSS idle (MiB)', 'worker peak RSS (MiB)'],
    results.map((r) => [r.size, r.summary.written, r.summary.invalid, r.seconds.toFixed(2), r.recordsPerSecond, r.recordsPerSecond >= GOAL_RECORDS_PER_SECOND ? 'met' : 'not met', r.idleRssMiB, r.peakRssMiB]),
    ['r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'])
  await writeResults('results-sync.md', [
    '# population-changes sync: throughput and memory',
    '',
    `\`npm run bench:sync -- --sizes ${sizes.join(',')} --batch ${options.batch}\`; store: ${databaseUrl === undefined ? 'PGlite (embedded)' : 'PostgreSQL (BENCH_DATABASE_URL)'}; each run on a fresh store and a fresh worker process; the simulator in a process of its own.`,
    '',
    markdownTable(['machine', ''], machineRows(machine)),
    '',
    table,
    ''
  ].join('\n'))
})
