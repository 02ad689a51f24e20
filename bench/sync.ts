import { writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { Queue, QueueEvents } from 'bullmq'
import { projectRoot } from '../src/paths.js'
import { queueName } from '../src/sync/queues.js'
import type { RunSummary } from '../src/sync/runner.js'
import {
  benchRedis, benchServiceUrls, benchStore, cleanUpOnSignals, createCleanup, describeMachine, machineRows, markdownTable, rssMiB,
  startUpstreamsProcess, startWorkerProcess, type Cleanup
} from './shared.js'

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

const RESULTS_FILE = join(projectRoot, 'bench', 'results-sync.md')
const CREDENTIALS = { username: 'lgsp-bench', secret: 'bench-secret-not-for-production' }
const GOAL_RECORDS_PER_SECOND = 20_000

interface RunResult {
  size: number
  summary: RunSummary
  seconds: number
  recordsPerSecond: number
  peakRssMiB: number
  idleRssMiB: number
}

async function runOnce (size: number, batch: number, databaseUrl: string | undefined, redisUrl: string | undefined): Promise<RunResult> {
  const cleanup: Cleanup = createCleanup()
  try {
    const redis = await benchRedis(cleanup, redisUrl)
    const store = await benchStore(cleanup, databaseUrl)
    const upstreams = await startUpstreamsProcess(cleanup, {
      credentials: CREDENTIALS, proceduresApiKey: 'bench-procedures-key', ids: 0, size, changeFeed: { size, invalidEvery: 50 }
    })
    const prefix = `${redis.prefix}q`
    const worker = await startWorkerProcess(cleanup, `sync worker (${size})`, {
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      POPULATION_URL: upstreams.populationUrl,
      POPULATION_USERNAME: CREDENTIALS.username,
      POPULATION_SECRET: CREDENTIALS.secret,
      POPULATION_TIMEOUT_MS: '60000',
      PROCEDURES_URL: upstreams.proceduresUrl,
      PROCEDURES_API_KEY: 'bench-procedures-key',
      AUTH_ISSUER: 'bench', AUTH_AUDIENCE: 'bench', AUTH_JWKS_FILE: '/nonexistent/jwks.json',
      REDIS_URL: redis.url,
      SYNC_QUEUE_PREFIX: prefix,
      SYNC_BATCH_SIZE: String(batch),
      SECTOR_CURSOR_SECRET: 'bench-sector-cursor-secret',
      SECTOR_UPSTREAM_HEALTH_URL: 'http://127.0.0.1:9/api',
      ...store.env
    })
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
  } finally {
    await cleanup.run()
  }
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '50000,200000' }, batch: { type: 'string', default: '5000' } } })
const sizes = (values.sizes ?? '').split(',').map(Number)
const batch = Number(values.batch)
if (sizes.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(batch)) throw new Error('usage: node dist/bench/sync.js [--sizes 50000,200000] [--batch 5000]')
const machine = describeMachine()
const interrupt = createCleanup()
cleanUpOnSignals(interrupt)
const { databaseUrl, redisUrl } = benchServiceUrls()
const results: RunResult[] = []
for (const size of sizes) {
  process.stdout.write(`population-changes: ${size} changes …\n`)
  const result = await runOnce(size, batch, databaseUrl, redisUrl)
  const expectedInvalid = Math.floor(size / 50)
  if (result.summary.read !== size || result.summary.invalid !== expectedInvalid) {
    throw new Error(`run of ${size} read ${result.summary.read} and dead-lettered ${result.summary.invalid} (expected ${size} and ${expectedInvalid})`)
  }
  results.push(result)
}

const table = markdownTable(
  ['changes', 'written', 'dead letters', 'seconds', 'records/s', `goal ≥ ${GOAL_RECORDS_PER_SECOND}`, 'worker RSS idle (MiB)', 'worker peak RSS (MiB)'],
  results.map((r) => [r.size, r.summary.written, r.summary.invalid, r.seconds.toFixed(2), r.recordsPerSecond, r.recordsPerSecond >= GOAL_RECORDS_PER_SECOND ? 'met' : 'not met', r.idleRssMiB, r.peakRssMiB]),
  ['r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'])
const report = [
  '# population-changes sync: throughput and memory',
  '',
  `\`npm run bench:sync -- --sizes ${sizes.join(',')} --batch ${batch}\`; store: ${databaseUrl === undefined ? 'PGlite (embedded)' : 'PostgreSQL (BENCH_DATABASE_URL)'}; each run on a fresh store and a fresh worker process; the simulator in a process of its own.`,
  '',
  markdownTable(['machine', ''], machineRows(machine)),
  '',
  table,
  ''
].join('\n')
await writeFile(RESULTS_FILE, report)
process.stdout.write(`${table}\n\nwritten to ${relative(process.cwd(), RESULTS_FILE)}\n`)
