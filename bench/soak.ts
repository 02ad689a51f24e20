import { runPacedLoad } from './paced-load.js'
import { BENCH_CLIENT, benchCallerHeaders, benchGatewayEnv, benchStore, startBenchBackends } from './backends.js'
import { type MemoryAfterGc, rssMiB, startGatewayProcess } from './children.js'
import { allOk, type LoadResult, runLoad } from './load.js'
import { describeMachine, machineRows, markdownTable, median } from './report.js'
import { BenchFailure, benchServiceUrls, type Cleanup, CONNECTIONS_OPTION, IDS_OPTION, type ParsedOptions, runBenchScript, writeResults } from './script.js'

/**
 * Does the gateway hold steady under a long, moderate load? The full path of bench/gateway.ts (audit on, RS256 JWT,
 * Redis rate limit, store) at half its measured maximum for 10 minutes, open-loop and evenly paced
 * (bench/paced-load.ts), the gateway's resident memory read every `--interval` seconds.
 *
 *   npm run soak [-- --minutes 10 --share 0.5 --interval 60 --connections 50 --ids 1000]
 *   BENCH_DATABASE_URL / BENCH_REDIS_URL as for npm run bench
 *
 * After a warm-up at the soak's own rate (caches, JIT and pools filled, as on a machine that has run for a while),
 * RSS is read every 5 s, and after every interval the gateway runs a full garbage collection (through node:inspector)
 * and its RSS and heap are read. A single plain reading lands anywhere in a collection cycle (it swung by a third
 * here); the reading after a full collection is what the process holds on to. The run passes when that RSS at the
 * end is within 10 % of the start and every response was a 2xx. Writes bench/results-soak.md.
 */

const MAX_S = 10
const WARMUP_S = 30
const RSS_TOLERANCE = 0.1
const RSS_SAMPLE_MS = 5000

type Options = ParsedOptions<'minutes' | 'share' | 'interval' | 'connections' | 'ids', never>

interface Interval { endsAtS: number, result: LoadResult, rss: { median: number, min: number, max: number }, afterGc: MemoryAfterGc }

async function run (options: Options, env: { databaseUrl?: string, redisUrl?: string }, cleanup: Cleanup, stopping: AbortSignal): Promise<void> {
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }
  const machine = describeMachine()
  const backends = await startBenchBackends(cleanup, { clients: [BENCH_CLIENT], ids: options.ids, redisUrl: env.redisUrl })
  const store = await benchStore(cleanup, env.databaseUrl)
  const gateway = await startGatewayProcess(cleanup, 'gateway', { audit: true, env: { ...benchGatewayEnv(backends), ...store.env } })
  const headers = await benchCallerHeaders(['citizens.read'], 3600 + options.minutes * 120)
  const paths = backends.upstreams.personalIds.map((id) => `/api/v1/citizens/${id}`)

  const max = allOk('maximum', await runLoad({ url: gateway.url, paths, headers, connections: options.connections, durationSeconds: MAX_S, signal: stopping }), stopping)
  const rate = Math.max(1, Math.round(max.requestsPerSecond * options.share))
  log(`maximum ${Math.round(max.requestsPerSecond)} req/s over ${MAX_S} s; soaking at ${rate} req/s for ${options.minutes} min`)
  const paced = async (durationSeconds: number): Promise<LoadResult> => await runPacedLoad({
    url: gateway.url, requests: paths.map((path) => ({ method: 'GET', path })), headers, ratePerSecond: rate, durationSeconds, connections: options.connections, signal: stopping
  })

  allOk('warm-up', await paced(WARMUP_S), stopping)
  // RSS rises and falls with each garbage collection, by a third or more at this load: what tells a leak is the
  // memory still held right after a full collection, read at the start and at the end of every interval
  const started = await gateway.memoryAfterGc()
  log(`after a ${WARMUP_S} s warm-up and a full GC: RSS ${started.rssMiB.toFixed(0)} MiB, heap used ${started.heapUsedMiB.toFixed(1)} MiB`)
  const samples: number[] = []
  const sampler = setInterval(() => { rssMiB(gateway.pid).then((rss) => { samples.push(rss) }, () => {}) }, RSS_SAMPLE_MS)
  const intervals: Interval[] = []
  const totalS = options.minutes * 60
  try {
    for (let elapsed = 0; elapsed < totalS && !stopping.aborted;) {
      const seconds = Math.min(options.interval, totalS - elapsed)
      const from = samples.length
      const result = allOk(`interval ending at ${elapsed + seconds} s`, await paced(seconds), stopping)
      elapsed += seconds
      const rss = samples.slice(from)
      const afterGc = await gateway.memoryAfterGc()
      intervals.push({ endsAtS: elapsed, result, rss: { median: median(rss), min: Math.min(...rss), max: Math.max(...rss) }, afterGc })
      log(`${String(elapsed).padStart(5)} s  ${Math.round(result.requestsPerSecond)} req/s  p50 ${result.latencyP50Ms.toFixed(2)} ms  p99 ${result.latencyP99Ms.toFixed(2)} ms  ` +
        `RSS median ${median(rss)} MiB (${Math.min(...rss)}–${Math.max(...rss)}); after a full GC ${afterGc.rssMiB.toFixed(0)} MiB, heap ${afterGc.heapUsedMiB.toFixed(1)} MiB`)
    }
  } finally {
    clearInterval(sampler)
  }
  if (stopping.aborted) throw new BenchFailure('interrupted')
  const startRss = started.rssMiB
  const endRss = intervals.at(-1)?.afterGc.rssMiB ?? Number.NaN
  const change = (endRss - startRss) / startRss
  const heapChange = ((intervals.at(-1)?.afterGc.heapUsedMiB ?? Number.NaN) - started.heapUsedMiB) / started.heapUsedMiB
  const flat = Math.abs(change) <= RSS_TOLERANCE
  const peakRss = await rssMiB(gateway.pid, 'peak')
  const responses = intervals.reduce((sum, interval) => sum + interval.result.ok, 0)

  const report = `# Soak: the full path at ${Math.round(options.share * 100)} % load for ${options.minutes} minutes

Made by \`npm run soak\` (bench/soak.ts): the gateway of \`npm run bench\` (audit on, RS256 JWT, Redis rate limit,
${store.description} store) in its own process, GET /api/v1/citizens/{id} over ${options.ids} ids, open-loop and evenly
paced at ${rate} req/s (${Math.round(options.share * 100)} % of ${Math.round(max.requestsPerSecond)} req/s, its maximum over ${MAX_S} s with ${options.connections} connections).

${markdownTable(['', ''], machineRows(machine))}

| After a full garbage collection | RSS MiB | heap used MiB |
| --- | --: | --: |
| start (after a ${WARMUP_S} s warm-up at the soak rate) | ${startRss.toFixed(0)} | ${started.heapUsedMiB.toFixed(1)} |
| end (after ${options.minutes} min) | ${endRss.toFixed(0)} | ${(intervals.at(-1)?.afterGc.heapUsedMiB ?? Number.NaN).toFixed(1)} |
| change | ${(change * 100).toFixed(1)} % — ${flat ? 'flat' : 'NOT flat'} (tolerance ±${RSS_TOLERANCE * 100} %) | ${(heapChange * 100).toFixed(1)} % |

Peak RSS over the whole run (VmHWM): ${peakRss} MiB. Between collections RSS swings with the garbage not yet
collected: the interval table gives its median and range from a reading every ${RSS_SAMPLE_MS / 1000} s. The full
collections (through node:inspector, once a minute) pause the gateway briefly; that shows in the p99 of the interval.

${responses} responses, every one a 2xx.

${markdownTable(['Interval ends at (s)', 'req/s', 'p50 ms', 'p99 ms', 'RSS MiB median', 'RSS MiB min–max', 'after a full GC: RSS MiB', 'heap used MiB'],
    intervals.map(({ endsAtS, result, rss, afterGc }) => [endsAtS, Math.round(result.requestsPerSecond), result.latencyP50Ms.toFixed(2), result.latencyP99Ms.toFixed(2),
      rss.median, `${rss.min}–${rss.max}`, afterGc.rssMiB.toFixed(0), afterGc.heapUsedMiB.toFixed(1)]),
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])}
`
  await writeResults('results-soak.md', report)
  if (!flat) throw new BenchFailure(`RSS after a full GC at the end is not within ${RSS_TOLERANCE * 100} % of the start`)
}

await runBenchScript({
  numbers: {
    minutes: { default: 10, min: 1, max: 24 * 60 },
    share: { default: 0.5, min: 0.05, max: 1, integer: false },
    interval: { default: 60, min: 5, max: 3600 },
    connections: CONNECTIONS_OPTION,
    ids: IDS_OPTION
  }
}, async (options, cleanup, stopping) => { await run(options, benchServiceUrls(), cleanup, stopping) })
