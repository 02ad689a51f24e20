import { setTimeout as sleep } from 'node:timers/promises'
import type { Client } from '../src/auth/grants.js'
import { loadConfig } from '../src/config/index.js'
import { openDb } from '../src/store/db.js'
import { signTestToken } from '../test/support/identity.js'
import { BENCH_CLIENT, benchCallerHeaders, benchGatewayEnv, benchStore, startBenchBackends } from './backends.js'
import { type GatewayProcess, startGatewayProcess } from './children.js'
import { allOk, type LoadResult, runLoad } from './load.js'
import { describeMachine, machineRows, markdownTable, median } from './report.js'
import { BenchFailure, benchServiceUrls, type Cleanup, CONNECTIONS_OPTION, IDS_OPTION, numberOption, type ParsedOptions, runBenchScript, writeResults } from './script.js'

/**
 * What auditing costs: GET /api/v1/citizens/{personalId} through the whole gateway (RS256 JWT, grant and purpose,
 * rate limit in Redis, Ajv, field filter, SOAP adapter to the population simulator), audit on against audit off.
 *
 *   npm run bench:audit [-- --rounds 5 --duration 10 --warmup 10 --connections 50 --ids 1000]
 *   BENCH_DATABASE_URL=postgres://…  a schema bench_<random> per gateway there, instead of an embedded PGlite each
 *   BENCH_REDIS_URL=redis://…        that Redis instead of a private redis-server
 *
 * Audit off: both gateways come from one config (each with a store of its own, as PGlite is single-process); the one
 * difference is buildApp's `audit: false`, which leaves out the audit hook and nothing else.
 *
 * Processes: each gateway runs in a child process of its own, the upstream simulators in a third, autocannon here.
 * In one process, autocannon's clients, the simulator and the gateway would share one event loop: the time the
 * simulator or the client spends would count as gateway latency, and the audit's share of the gateway's time would
 * be diluted. The gateways take turns (warm-up on, warm-up off, then on/off for each round), so drift on the machine
 * falls on both alike; the idle one only waits.
 *
 * Ids: connection i walks the list of personal ids (citizens 0 … ids-1 of the synthetic population) starting at
 * i·ids/connections, so concurrent requests name different citizens and every id is asked for as often.
 *
 * Every response must be a 2xx: anything else fails the run. At the end, the audit-on gateway's chain must verify
 * and hold at least one record per 2xx it sent, and the audit-off gateway's must be empty.
 */

const GOAL = 0.9
const PAUSE_MS = 1000

const CLIENTS: Client[] = [
  BENCH_CLIENT,
  { clientId: 'VN.BENCH.ADMIN', name: 'Benchmark administrators', status: 'active', admin: true, grants: [] }
]

type Options = ParsedOptions<'rounds' | 'duration' | 'warmup' | 'connections' | 'ids', never>

interface Variant {
  name: 'audit on' | 'audit off'
  audit: boolean
  gateway: GatewayProcess
  /** The gateway's environment (its store's variables included), to open its store after the run. */
  env: Record<string, string>
  warmup?: LoadResult
  rounds: LoadResult[]
}

const figure = (value: number, digits = 2): string => Number.isFinite(value) ? String(Number(value.toFixed(digits))) : '–'

function describeRound (label: string, variant: Variant, result: LoadResult): string {
  return `${label.padEnd(10)} ${variant.name.padEnd(9)} ${figure(result.requestsPerSecond, 0).padStart(7)} req/s  ` +
    `p50 ${figure(result.latencyP50Ms).padStart(7)} ms  p99 ${figure(result.latencyP99Ms).padStart(7)} ms  (${result.ok} responses in ${result.durationSeconds} s)`
}

async function run (options: Options, env: { databaseUrl?: string, redisUrl?: string }, cleanup: Cleanup, stopping: AbortSignal): Promise<void> {
  const machine = describeMachine()
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }

  const backends = await startBenchBackends(cleanup, { clients: CLIENTS, ids: options.ids, redisUrl: env.redisUrl })
  const { redis, upstreams } = backends
  const config = benchGatewayEnv(backends)
  const variants: Variant[] = []
  let storeDescription = ''
  for (const [name, audit] of [['audit on', true], ['audit off', false]] as const) {
    const store = await benchStore(cleanup, env.databaseUrl)
    storeDescription = store.description
    const gatewayEnv = { ...config, ...store.env, RATE_LIMIT_PREFIX: `${redis.prefix}${audit ? 'on' : 'off'}:` }
    const gateway = await startGatewayProcess(cleanup, `gateway (${name})`, { env: gatewayEnv, audit })
    log(`gateway (${name}) at ${gateway.url}, store ${store.description}`)
    variants.push({ name, audit, gateway, env: gatewayEnv, rounds: [] })
  }

  // long enough for the whole run, so no token expires under load
  const ttlSeconds = 3600 + (options.rounds * options.duration + options.warmup) * 2
  const headers = await benchCallerHeaders(['citizens.read'], ttlSeconds)
  const paths = upstreams.personalIds.map((personalId) => `/api/v1/citizens/${personalId}`)

  // One call each before any load: the gateway answers with the granted fields only.
  for (const variant of variants) {
    const response = await fetch(`${variant.gateway.url}${paths[0] ?? ''}`, { headers })
    const body = await response.json() as Record<string, unknown>
    if (response.status !== 200 || typeof body.fullName !== 'string' || 'fatherFullName' in body) {
      throw new BenchFailure(`gateway (${variant.name}) answered the first lookup with ${response.status}: ${JSON.stringify(body)}`)
    }
  }

  const round = async (variant: Variant, label: string, durationSeconds: number): Promise<LoadResult> => {
    await sleep(PAUSE_MS)
    const result = await runLoad({ url: variant.gateway.url, paths, headers, connections: options.connections, durationSeconds, signal: stopping })
    allOk(`${label}, ${variant.name}`, result, stopping)
    log(describeRound(label, variant, result))
    return result
  }

  log(`\n${options.connections} connections, ${paths.length} distinct personal ids; warm-up ${options.warmup} s, ` +
    `then ${options.rounds} round${options.rounds === 1 ? '' : 's'} of ${options.duration} s per variant`)
  for (const variant of variants) variant.warmup = await round(variant, 'warm-up', options.warmup)
  for (let index = 1; index <= options.rounds; index++) {
    for (const variant of variants) variant.rounds.push(await round(variant, `round ${index}`, options.duration))
  }

  // Audit on wrote (at least) one record per 2xx, in a chain that verifies; audit off wrote none.
  log('\nverifying the audit chains…')
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.BENCH.ADMIN', scopes: ['admin'], ttlSeconds })}` }
  for (const variant of variants) {
    const response = await fetch(`${variant.gateway.url}/admin/v1/audit/verify`, { headers: admin })
    const verification = await response.json() as { intact?: boolean, checked?: number, checkpoints?: number }
    const served = 1 + (variant.warmup?.ok ?? 0) + variant.rounds.reduce((sum, result) => sum + result.ok, 0)
    const expected = variant.audit ? verification.intact === true && (verification.checked ?? 0) >= served : verification.checked === 0
    if (response.status !== 200 || !expected) {
      throw new BenchFailure(`gateway (${variant.name}): audit chain ${JSON.stringify(verification)} (status ${response.status}) ` +
        `after ${served} 2xx responses; expected ${variant.audit ? 'an intact chain with at least one record each' : 'no records'}`)
    }
    log(`gateway (${variant.name}): ${verification.checked ?? 0} audit records${variant.audit ? `, chain intact, ${verification.checkpoints ?? 0} signed checkpoints` : ''}`)
  }

  // the store after the gateway stopped (an embedded store has one process at a time)
  const [on] = variants as [Variant]
  await on.gateway.stop()
  const storage = await auditStorage(on.env)
  log(`audit storage: ${storage.records} records, ${storage.checkpoints} checkpoints, ${figure(storage.bytesPerRecord, 0)} bytes per record with indexes`)

  const report = renderReport(options, variants, machine, storeDescription, redis.description, storage)
  await writeResults('results-audit.md', report)
}

interface AuditStorage {
  records: number
  checkpoints: number
  /** Table and its indexes (and TOAST), over every month partition, divided by the records. */
  bytesPerRecord: number
  heapBytesPerRecord: number
}

/** What the audit takes on disk: every partition of audit_records, with and without its indexes. */
async function auditStorage (env: Record<string, string>): Promise<AuditStorage> {
  const db = await openDb(loadConfig(env).store)
  try {
    const [sizes] = await db.query<{ records: number, total: number, heap: number, checkpoints: number }>(
      `SELECT (SELECT count(*) FROM audit_records)::bigint AS records,
         (SELECT count(*) FROM audit_checkpoints)::bigint AS checkpoints,
         coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::bigint AS total,
         coalesce(sum(pg_relation_size(i.inhrelid)), 0)::bigint AS heap
       FROM pg_inherits i WHERE i.inhparent = 'audit_records'::regclass`)
    const records = sizes?.records ?? 0
    return { records, checkpoints: sizes?.checkpoints ?? 0, bytesPerRecord: (sizes?.total ?? 0) / records, heapBytesPerRecord: (sizes?.heap ?? 0) / records }
  } finally {
    await db.close()
  }
}

function renderReport (options: Options, variants: Variant[], machine: ReturnType<typeof describeMachine>, store: string, redis: string, storage: AuditStorage): string {
  const [on, off] = variants as [Variant, Variant]
  const summary = (variant: Variant): { rps: number, p50: number, p99: number } => ({
    rps: median(variant.rounds.map((result) => result.requestsPerSecond)),
    p50: median(variant.rounds.map((result) => result.latencyP50Ms)),
    p99: median(variant.rounds.map((result) => result.latencyP99Ms))
  })
  const [sOn, sOff] = [summary(on), summary(off)]
  const ratio = sOn.rps / sOff.rps
  const verdict = ratio >= GOAL ? 'goal met' : 'BELOW the goal'

  const right: Array<'l' | 'r'> = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']
  const summaryTable = markdownTable(['Variant', 'req/s (median)', 'p50 ms (median)', 'p99 ms (median)'], [
    ...([[on, sOn], [off, sOff]] as const).map(([variant, s]) => [variant.name, figure(s.rps, 0), figure(s.p50), figure(s.p99)]),
    ['on / off', figure(ratio, 3), figure(sOn.p50 / sOff.p50, 3), figure(sOn.p99 / sOff.p99, 3)]
  ], right)
  const roundsTable = markdownTable(
    ['Round', 'on req/s', 'on p50 ms', 'on p99 ms', 'off req/s', 'off p50 ms', 'off p99 ms', 'on/off req/s'],
    on.rounds.map((resultOn, index) => {
      const resultOff = off.rounds[index] as LoadResult
      return [String(index + 1), figure(resultOn.requestsPerSecond, 0), figure(resultOn.latencyP50Ms), figure(resultOn.latencyP99Ms),
        figure(resultOff.requestsPerSecond, 0), figure(resultOff.latencyP50Ms), figure(resultOff.latencyP99Ms),
        figure(resultOn.requestsPerSecond / resultOff.requestsPerSecond, 3)]
    }),
    right)
  const setup = markdownTable(['', ''], [
    ...machineRows(machine),
    ['Store', store],
    ['Redis', redis],
    ['Load', `${options.connections} connections, ${options.ids} distinct personal ids, ${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.duration} s per variant (alternating), warm-up ${options.warmup} s each`]
  ])

  return `# Audit cost: GET /api/v1/citizens/{personalId}

Made by \`npm run bench:audit\` (bench/audit.ts). The same gateway, audit on and audit off (\`buildApp(config, { audit: false })\`),
each in its own process, behind them the upstream simulators (SOAP population database, procedures) in a third;
autocannon in the benchmark's own process.
A request: RS256 JWT, grant and purpose, rate limit in Redis, Ajv, SOAP call to the simulator, field filter, and with
audit on a hash-chained audit record committed before the response leaves — with its message id, the SHA-256 of the
request and response bodies inside the hash, and a checkpoint of the chain head signed every
AUDIT_CHECKPOINT_EVERY_RECORDS (default 1000) records or AUDIT_CHECKPOINT_EVERY_S (60) seconds: the cost of
non-repudiation. Both variants make message ids and hash request bodies; only the audit differs.

${setup}

## Summary

Median over the rounds; req/s counts 2xx responses (every response was a 2xx).

${summaryTable}

Throughput with audit on is **${figure(ratio * 100, 1)} %** of audit off (goal ≥ ${GOAL * 100} %: ${verdict}).

## Storage

${storage.records} records and ${storage.checkpoints} signed checkpoints after the run: **${figure(storage.bytesPerRecord, 0)} bytes per
record** on disk with its indexes (${figure(storage.heapBytesPerRecord, 0)} bytes in the table itself), over every month partition.

## Rounds

${roundsTable}
`
}

await runBenchScript({
  numbers: { rounds: { default: 5, min: 1, max: 100 }, duration: { default: 10, min: 1, max: 3600 }, connections: CONNECTIONS_OPTION, ids: IDS_OPTION },
  strings: { warmup: '<duration>' }
}, async ({ warmup, ...options }, cleanup, stopping) => {
  // the warm-up lasts a round unless told otherwise
  await run({ ...options, warmup: numberOption('warmup', warmup ?? String(options.duration), 1, 3600) }, benchServiceUrls(), cleanup, stopping)
})
