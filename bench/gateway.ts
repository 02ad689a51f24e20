import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { signRequest } from '../adapters/population/signature.js'
import { buildEnvelope, OPERATION, SOAP_ACTION, SOAP_CONTENT_TYPE } from '../adapters/population/soap.js'
import { DIGITAL_ADDRESS_SERVICE } from '../adapters/digital-address/simulator.js'
import { CATALOGUE } from '../adapters/procedures/catalogue.js'
import { TEST_CREDENTIALS, TEST_PROCEDURES_KEY } from '../test/support/upstreams.js'
import { benchmarkJwt, type JwtResult } from './jwt.js'
import { runPacedLoad } from './paced-load.js'
import { BENCH_CLIENT, benchCallerHeaders, benchGatewayEnv, benchStore, startBenchBackends } from './backends.js'
import { BENCH_DIGITAL_ADDRESS_KEY, cpuMs, startBareProxyProcess, startGatewayProcess } from './children.js'
import { allOk, type LoadOptions, type LoadRequest, type LoadResult, runLoad } from './load.js'
import { describeMachine, type Machine, machineRows, markdownTable, median } from './report.js'
import { BenchFailure, benchServiceUrls, type Cleanup, CONNECTIONS_OPTION, IDS_OPTION, type ParsedOptions, runBenchScript, writeResults } from './script.js'

/**
 * What the gateway costs over calling the upstream directly (issue #8), and over a published REST operation's own
 * provider (issue #17), measured in one run on loopback:
 *
 *   direct             autocannon → the population simulator: the signed SOAP POST of TraCuuThongTinCongDan (the
 *                      simulator has no JSON GET; SOAP XML is what it answers, and what the gateway turns into JSON)
 *   bare proxy         autocannon → bench/bare-proxy.ts (Fastify, one route, the population adapter: undici Pool,
 *                      SOAP, parsed to JSON) → the simulator; no auth, no audit
 *   full               autocannon → the gateway, audit on: GET /api/v1/citizens/{id}, RS256 JWT, X-Purpose, grant,
 *                      rate limit in Redis, SOAP to the simulator, field filter, hash-chained audit record
 *   procedures direct  autocannon → the procedures simulator: GET /api/thutuc/{code} with x-api-key (JSON)
 *   procedures cached  autocannon → the gateway: GET /api/v1/procedures/{code}, every answer a response-cache hit
 *   published direct      autocannon → the digital-address simulator (published service khcn.dia-chi-so):
 *                         GET /api/dia-chi/{maDiaChi} with X-API-Key (JSON)
 *   published bare proxy  autocannon → bench/bare-proxy.ts's second route: the same GET through the gateway's own
 *                         published client (adapters/published/client.ts, the declaration from services/); no auth,
 *                         no audit, no disclosure
 *   published full        autocannon → the gateway, audit on: GET /api/v1/services/khcn.dia-chi-so/dia-chi/{maDiaChi},
 *                         RS256 JWT, X-Purpose, grant with nested fields (chuHo.hoTen), the provider's schemas,
 *                         disclosure (fields, data subject), hash-chained audit record
 *
 * then full and direct again at a fixed rate, half the full path's median max req/s, for the latency added at a
 * load the gateway is not saturated by; then a JWT micro-benchmark (bench/jwt.ts) in this process.
 *
 *   npm run bench [-- --rounds 3 --duration 10 --warmup 5 --connections 50 --ids 1000 --jwt-iterations 2000]
 *   BENCH_DATABASE_URL=postgres://…  the gateway's store in a schema bench_<random> there, instead of an embedded PGlite
 *   BENCH_REDIS_URL=redis://…        that Redis instead of a private redis-server
 *
 * Each server runs in a process of its own (simulators together in one), autocannon in this one. Variants take
 * turns within each round (A/B/C/…/H, then again), so drift on the machine falls on all alike; figures are medians
 * over the rounds. Every response must be a 2xx: anything else, or a connection error, fails the run.
 *
 * The simulator refuses a SOAP request whose Timestamp is more than 5 minutes off: the direct requests are signed
 * afresh before each round (the signature covers URL, user and timestamp, not the body), so --duration is capped.
 */

const PAUSE_MS = 500
const FIXED_RATE_SHARE = 0.5
// the simulator's clock window is ±5 min; a round must finish inside it
const MAX_DURATION_S = 240

type Options = ParsedOptions<'rounds' | 'duration' | 'warmup' | 'connections' | 'ids' | 'jwt-iterations', never>

type VariantName = 'direct' | 'bare proxy' | 'full' | 'procedures direct' | 'procedures cached' | 'published direct' | 'published bare proxy' | 'published full'

/** The target of issue #17: a published operation through the gateway at this share, at least, of a bare proxy's req/s. */
const PUBLISHED_TARGET = 0.9

interface Variant {
  name: VariantName
  /** What is asked, of whom. */
  description: string
  /** The load of one round; called before each round (the direct SOAP requests are signed then). */
  load: () => Omit<LoadOptions, 'connections' | 'durationSeconds'>
  /** The process that answers (the simulators', for direct). */
  pid: number
  rounds: LoadResult[]
  /** CPU time of that process per 2xx response in each round, in µs. */
  cpuUs: number[]
  /** Rounds at the fixed rate (full and direct only). */
  fixedRate: LoadResult[]
}

interface Summary { rps: number, p50: number, p99: number }

const figure = (value: number, digits = 2): string => Number.isFinite(value) ? String(Number(value.toFixed(digits))) : '–'

function summarise (results: readonly LoadResult[]): Summary {
  return {
    rps: median(results.map((result) => result.requestsPerSecond)),
    p50: median(results.map((result) => result.latencyP50Ms)),
    p99: median(results.map((result) => result.latencyP99Ms))
  }
}

async function run (options: Options, env: { databaseUrl?: string, redisUrl?: string }, cleanup: Cleanup, stopping: AbortSignal): Promise<void> {
  const machine = describeMachine()
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }

  const backends = await startBenchBackends(cleanup, { clients: [BENCH_CLIENT], ids: options.ids, redisUrl: env.redisUrl })
  const { redis, upstreams } = backends

  const store = await benchStore(cleanup, env.databaseUrl)
  const gateway = await startGatewayProcess(cleanup, 'gateway', {
    audit: true,
    // METRICS_ENABLED: its default (on), as in production
    env: { ...benchGatewayEnv(backends), ...store.env }
  })
  log(`gateway at ${gateway.url}, store ${store.description}`)
  const { digitalAddressUrl, addressCodes } = upstreams
  if (digitalAddressUrl === undefined || addressCodes.length === 0) throw new BenchFailure('the digital-address simulator did not start, or holds no address')
  const bareProxy = await startBareProxyProcess(cleanup, 'bare proxy', upstreams.populationUrl, { url: digitalAddressUrl, apiKey: BENCH_DIGITAL_ADDRESS_KEY })
  log(`bare proxy at ${bareProxy.url}`)

  // long enough for the whole run, so no token expires under load
  const ttlSeconds = 3600 + (options.rounds + 1) * (options.duration + options.warmup) * 10
  const gatewayHeaders = await benchCallerHeaders(['citizens.read', 'procedures.read', DIGITAL_ADDRESS_SERVICE], ttlSeconds)
  const { personalIds } = upstreams
  const population = new URL(upstreams.populationUrl)
  const procedures = new URL(upstreams.proceduresUrl)
  const procedureCodes = CATALOGUE.map((entry) => entry.procedure.procedureCode)
  const digitalAddress = new URL(digitalAddressUrl)

  // The gateway's adapter asks exactly this (client.ts): the same envelope, one per personal id.
  const soapBodies = personalIds.map((personalId) => buildEnvelope(OPERATION, {
    MaYeuCau: randomUUID(), MaDVC: 'LGSP-TRACUU', MaTichHop: 'LGSP', MaCanBo: '', MaDonVi: 'H23', SoDinhDanh: personalId, HoVaTen: '', NgayThangNamSinh: ''
  }))
  const soapHeaders = (): Record<string, string> => {
    const timestamp = Date.now().toString()
    return {
      'content-type': SOAP_CONTENT_TYPE,
      soapaction: SOAP_ACTION,
      timestamp,
      authorization: signRequest(population.href, TEST_CREDENTIALS.username, TEST_CREDENTIALS.secret, timestamp)
    }
  }
  const soapRequests = (): LoadRequest[] => soapBodies.map((body) => ({ method: 'POST', path: population.pathname, body }))

  const variants: Variant[] = [
    {
      name: 'direct',
      description: `POST ${population.pathname} (SOAP ${OPERATION}, signed) to the population simulator; answer: SOAP XML`,
      load: () => ({ url: population.origin, paths: [], requests: soapRequests(), headers: soapHeaders() }),
      pid: upstreams.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'bare proxy',
      description: 'GET /citizens/{id} to bench/bare-proxy.ts (Fastify + population adapter, no auth/audit); answer: the whole citizen as JSON',
      load: () => ({ url: bareProxy.url, paths: personalIds.map((id) => `/citizens/${id}`), headers: {} }),
      pid: bareProxy.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'full',
      description: 'GET /api/v1/citizens/{id} to the gateway, audit on, RS256 JWT + X-Purpose; answer: the granted fields as JSON',
      load: () => ({ url: gateway.url, paths: personalIds.map((id) => `/api/v1/citizens/${id}`), headers: gatewayHeaders }),
      pid: gateway.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'procedures direct',
      description: `GET ${procedures.pathname}/thutuc/{code} (x-api-key) to the procedures simulator; answer: JSON`,
      load: () => ({
        url: procedures.origin,
        paths: procedureCodes.map((code) => `${procedures.pathname}/thutuc/${code}`),
        headers: { 'x-api-key': TEST_PROCEDURES_KEY }
      }),
      pid: upstreams.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'procedures cached',
      description: 'GET /api/v1/procedures/{code} to the gateway, RS256 JWT; every answer a response-cache hit',
      load: () => ({ url: gateway.url, paths: procedureCodes.map((code) => `/api/v1/procedures/${code}`), headers: gatewayHeaders }),
      pid: gateway.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'published direct',
      description: `GET ${digitalAddress.pathname}/dia-chi/{maDiaChi} (X-API-Key) to the digital-address simulator; answer: the whole address as JSON`,
      load: () => ({
        url: digitalAddress.origin,
        paths: addressCodes.map((code) => `${digitalAddress.pathname}/dia-chi/${code}`),
        headers: { 'x-api-key': BENCH_DIGITAL_ADDRESS_KEY }
      }),
      pid: upstreams.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'published bare proxy',
      description: 'GET /dia-chi/{maDiaChi} to bench/bare-proxy.ts (Fastify + the gateway\'s published client for khcn.dia-chi-so, no auth/audit/disclosure); answer: the whole address as JSON',
      load: () => ({ url: bareProxy.url, paths: addressCodes.map((code) => `/dia-chi/${code}`), headers: {} }),
      pid: bareProxy.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    },
    {
      name: 'published full',
      description: `GET /api/v1/services/${DIGITAL_ADDRESS_SERVICE}/dia-chi/{maDiaChi} to the gateway, audit on, RS256 JWT + X-Purpose; answer: the granted fields (chuHo.hoTen of chuHo) as JSON`,
      load: () => ({ url: gateway.url, paths: addressCodes.map((code) => `/api/v1/services/${DIGITAL_ADDRESS_SERVICE}/dia-chi/${code}`), headers: gatewayHeaders }),
      pid: gateway.pid,
      rounds: [],
      cpuUs: [],
      fixedRate: []
    }
  ]
  const variant = (name: VariantName): Variant => variants.find((candidate) => candidate.name === name) as Variant

  // One call of each before any load: every one answers what it should. The procedures' answers enter the cache.
  const check = async (name: VariantName, path: string, ok: (status: number, text: string, headers: Headers) => boolean): Promise<void> => {
    const load = variant(name).load()
    const request = load.requests?.[0]
    const response = await fetch(`${load.url}${path}`, {
      method: request?.method ?? 'GET',
      headers: load.headers,
      ...(request?.body === undefined ? {} : { body: request.body })
    })
    const text = await response.text()
    if (!ok(response.status, text, response.headers)) throw new BenchFailure(`${name}: the first call of ${path} answered ${response.status}: ${text.slice(0, 500)}`)
  }
  await check('direct', population.pathname, (status, text) => status === 200 && text.includes('<MaKetQua>0</MaKetQua>'))
  await check('bare proxy', `/citizens/${personalIds[0] ?? ''}`, (status, text) => status === 200 && text.includes('"fullName"'))
  await check('full', `/api/v1/citizens/${personalIds[0] ?? ''}`, (status, text) => status === 200 && text.includes('"fullName"') && !text.includes('fatherFullName'))
  await check('procedures direct', `${procedures.pathname}/thutuc/${procedureCodes[0] ?? ''}`, (status) => status === 200)
  for (const code of procedureCodes) await check('procedures cached', `/api/v1/procedures/${code}`, (status) => status === 200)
  await check('procedures cached', `/api/v1/procedures/${procedureCodes[0] ?? ''}`, (status, _text, headers) => status === 200 && headers.get('x-cache') === 'hit')
  const address = addressCodes[0] ?? ''
  await check('published direct', `${digitalAddress.pathname}/dia-chi/${address}`, (status, text) => status === 200 && text.includes('"soDinhDanh"'))
  await check('published bare proxy', `/dia-chi/${address}`, (status, text) => status === 200 && text.includes(`"${address}"`) && text.includes('"soDinhDanh"'))
  // minimised: the head's name, not the personal id
  await check('published full', `/api/v1/services/${DIGITAL_ADDRESS_SERVICE}/dia-chi/${address}`,
    (status, text) => status === 200 && text.includes(`"${address}"`) && text.includes('"hoTen"') && !text.includes('soDinhDanh'))

  /** As fast as answered by `options.connections` connections (autocannon), or open-loop at `fixedRate` req/s (paced). */
  const round = async (target: Variant, label: string, durationSeconds: number, fixedRate?: number): Promise<LoadResult> => {
    await sleep(PAUSE_MS)
    const load = target.load()
    const result = fixedRate === undefined
      ? await runLoad({ ...load, connections: options.connections, durationSeconds, signal: stopping })
      : await runPacedLoad({
        url: load.url,
        requests: load.requests ?? load.paths.map((path) => ({ method: 'GET', path })),
        headers: load.headers,
        ratePerSecond: fixedRate,
        durationSeconds,
        connections: options.connections,
        signal: stopping
      })
    allOk(`${label}, ${target.name}`, result, stopping)
    log(`${label.padEnd(14)} ${target.name.padEnd(20)} ${figure(result.requestsPerSecond, 0).padStart(7)} req/s  ` +
      `p50 ${figure(result.latencyP50Ms).padStart(7)} ms  p99 ${figure(result.latencyP99Ms).padStart(7)} ms  (${result.ok} responses in ${result.durationSeconds} s)`)
    return result
  }

  log(`\n${options.connections} connections, ${personalIds.length} personal ids, ${procedureCodes.length} procedure codes, ${addressCodes.length} digital addresses; ` +
    `warm-up ${options.warmup} s each, then ${options.rounds} round${options.rounds === 1 ? '' : 's'} of ${options.duration} s per variant`)
  if (options.warmup > 0) for (const target of variants) await round(target, 'warm-up', options.warmup)
  for (let index = 1; index <= options.rounds; index++) {
    for (const target of variants) {
      const before = await cpuMs(target.pid)
      const result = await round(target, `round ${index}`, options.duration)
      target.rounds.push(result)
      target.cpuUs.push(1000 * (await cpuMs(target.pid) - before) / result.ok)
    }
  }

  const fixedRate = Math.max(1, Math.round(summarise(variant('full').rounds).rps * FIXED_RATE_SHARE))
  log(`\nfixed rate: ${fixedRate} req/s (${FIXED_RATE_SHARE * 100} % of the full path's median max), full and direct`)
  for (let index = 1; index <= options.rounds; index++) {
    for (const target of [variant('full'), variant('direct')]) {
      target.fixedRate.push(await round(target, `fixed ${index}`, options.duration, fixedRate))
    }
  }

  log(`\nJWT verification, ${options['jwt-iterations']} per algorithm…`)
  const jwt = await benchmarkJwt(options['jwt-iterations'])
  for (const result of jwt) log(`${result.name.padEnd(20)} ${figure(result.opsPerSecond, 0).padStart(10)} ops/s  ${figure(result.meanMicros, 3)} µs each`)

  const report = renderReport({ options, variants, fixedRate, jwt, machine, store: store.description, redis: redis.description, addresses: addressCodes.length })
  await writeResults('results.md', report)
}

interface Report {
  options: Options
  variants: Variant[]
  fixedRate: number
  jwt: JwtResult[]
  machine: Machine
  store: string
  redis: string
  /** Digital-address codes asked for. */
  addresses: number
}

function renderReport ({ options, variants, fixedRate, jwt, machine, store, redis, addresses }: Report): string {
  const summaries = new Map(variants.map((variant) => [variant.name, summarise(variant.rounds)]))
  const s = (name: VariantName): Summary => summaries.get(name) as Summary
  const right: Array<'l' | 'r'> = ['l', ...variants.map((): 'r' => 'r')]

  const absolute = markdownTable(['Variant', 'req/s (median)', 'p50 ms (median)', 'p99 ms (median)', 'answering process: CPU µs per response (median)'],
    variants.map((variant) => { const x = s(variant.name); return [variant.name, figure(x.rps, 0), figure(x.p50), figure(x.p99), figure(median(variant.cpuUs), 0)] }), right)

  const ratio = (label: string, a: VariantName, b: VariantName): Array<string | number> =>
    [label, figure(s(a).rps / s(b).rps, 3), figure(s(a).p50 / s(b).p50, 3), figure(s(a).p99 / s(b).p99, 3)]
  const ratios = markdownTable(['Ratio', 'req/s', 'p50', 'p99'], [
    ratio('full / direct', 'full', 'direct'),
    ratio('full / bare proxy', 'full', 'bare proxy'),
    ratio('bare proxy / direct', 'bare proxy', 'direct'),
    ratio('cache / direct (procedures cached / direct: the issue\'s "direct", the population lookup)', 'procedures cached', 'direct'),
    ratio('cache / its own upstream (procedures cached / procedures direct)', 'procedures cached', 'procedures direct'),
    ratio(`published full / published bare proxy (issue #17: req/s ≥ ${PUBLISHED_TARGET})`, 'published full', 'published bare proxy'),
    ratio('published full / published direct', 'published full', 'published direct'),
    ratio('published bare proxy / published direct', 'published bare proxy', 'published direct')
  ], right)
  const publishedShare = s('published full').rps / s('published bare proxy').rps
  const publishedVerdict = Number.isFinite(publishedShare)
    ? `Issue #17's target, published full ≥ ${PUBLISHED_TARGET} × published bare proxy in req/s: **${figure(publishedShare, 3)}, ${publishedShare >= PUBLISHED_TARGET ? 'met' : 'not met'}** in this run.`
    : ''

  const full = summarise(variants.find((variant) => variant.name === 'full')?.fixedRate ?? [])
  const direct = summarise(variants.find((variant) => variant.name === 'direct')?.fixedRate ?? [])
  const added = markdownTable(['At the fixed rate', 'req/s achieved (median)', 'p50 ms (median)', 'p99 ms (median)'], [
    ['full', figure(full.rps, 0), figure(full.p50), figure(full.p99)],
    ['direct', figure(direct.rps, 0), figure(direct.p50), figure(direct.p99)],
    ['added by the gateway (full − direct)', '', figure(full.p50 - direct.p50), figure(full.p99 - direct.p99)]
  ], right)

  const jwtRaw = jwt.filter((result) => !result.name.startsWith('cached'))
  const cached = jwt.find((result) => result.name.startsWith('cached'))
  const jwtTable = markdownTable(['Verification', 'ops/s', 'µs each', 'operations'], [
    ...jwtRaw.map((result) => [`jose jwtVerify, ${result.name}`, figure(result.opsPerSecond, 0), figure(result.meanMicros, 2), result.operations]),
    ...(cached === undefined ? [] : [['cache hit: lru-cache get of the token string + expiry check (not the gateway\'s cache)', figure(cached.opsPerSecond, 0), figure(cached.meanMicros, 3), cached.operations]])
  ], right)

  const roundsTable = markdownTable(['Round', ...variants.map((variant) => `${variant.name} req/s`)],
    Array.from({ length: options.rounds }, (_, index) => [String(index + 1), ...variants.map((variant) => figure(variant.rounds[index]?.requestsPerSecond ?? Number.NaN, 0))]),
    right)

  const setup = markdownTable(['', ''], [
    ...machineRows(machine),
    ['Store', store],
    ['Redis', redis],
    ['Load', `${options.connections} connections, ${options.ids} distinct personal ids, ${CATALOGUE.length} procedure codes, ${addresses} digital addresses; ` +
      `${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.duration} s per variant (taking turns), warm-up ${options.warmup} s each`]
  ])

  return `# Gateway overhead: direct, bare proxy, full path, cache, published REST operation

Made by \`npm run bench\` (bench/gateway.ts), on loopback. Each server in its own process (the upstream simulators
together in one), autocannon in the benchmark's own process.

${setup}

## What each variant asks

${markdownTable(['Variant', 'Request'], variants.map((variant) => [variant.name, variant.description]))}

The population simulator speaks SOAP only (no JSON GET): **direct** measures the signed SOAP POST, the very request
the gateway's adapter sends, and its XML answer; bare proxy and full answer JSON made from it. The published
variants ask one operation of a provider published by declaration (services/khcn.dia-chi-so, traCuuDiaChiSo):
its simulator answers JSON; the bare proxy and the gateway call it with the same client (adapters/published/client.ts),
the gateway then reducing the answer to the grant's fields and writing the audit record.

## Throughput and latency

Median over the rounds; req/s counts 2xx responses (every response was a 2xx). The CPU column is the user + system
time (/proc) of the process that answers, per 2xx: the simulators' process for the direct variants, the bare proxy,
the gateway. Everything shares the machine's cores, so the full path also pays for the work it gives Redis (its
rate-limit counter) and PostgreSQL (the audit commit), which are not in that column.

${absolute}

${ratios}

${publishedVerdict}

## Latency added at a fixed rate

${fixedRate} req/s, ${FIXED_RATE_SHARE * 100} % of the full path's median max, ${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.duration} s each, full and direct taking turns.
The load is open-loop and evenly spaced (bench/paced-load.ts: request i is due at i/rate, sent by a 1 ms timer, its
latency counted from when it was due, in microseconds), not autocannon's \`overallRate\`, which releases each
connection's quota for the second in one burst.

${added}

## JWT verification, in process

${options['jwt-iterations']} sequential verifications per algorithm (jose \`jwtVerify\` against a local JWKS, issuer, audience
and algorithm checked as the gateway does). The last row is what a hit in a verified-token cache would cost — an LRU
lookup by token string — measured with lru-cache here; the gateway's own cache (src/auth/token-verifier.ts) is not
what is measured.

${jwtTable}

## Rounds

${roundsTable}
`
}

await runBenchScript({
  numbers: {
    rounds: { default: 3, min: 1, max: 100 },
    duration: { default: 10, min: 1, max: MAX_DURATION_S },
    warmup: { default: 5, min: 0, max: MAX_DURATION_S },
    connections: CONNECTIONS_OPTION,
    ids: IDS_OPTION,
    'jwt-iterations': { default: 2000, min: 1, max: 1_000_000 }
  }
}, async (options, cleanup, stopping) => { await run(options, benchServiceUrls(), cleanup, stopping) })
