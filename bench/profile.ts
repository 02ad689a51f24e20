import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../test/support/teardown.js'
import { BENCH_CLIENT, benchCallerHeaders, benchGatewayEnv, benchStore, startBenchBackends } from './backends.js'
import { cpuMs, type Profiled, startBareProxyProcess, startGatewayProcess } from './children.js'
import { allOk, type LoadResult, runLoad } from './load.js'
import { describeMachine, machineRows, markdownTable } from './report.js'
import { benchServiceUrls, type Cleanup, CONNECTIONS_OPTION, IDS_OPTION, type ParsedOptions, runBenchScript, writeResults } from './script.js'

/**
 * Where the full path's time goes: the gateway of bench/gateway.ts (audit on, RS256 JWT, Redis rate limit, PostgreSQL
 * or PGlite store) under the same load, sampled by V8's CPU profiler after a warm-up, and the profile summed up by area (own code,
 * each package, node internals, GC, idle) and by function, self and inclusive.
 *
 *   npm run bench:profile [-- --duration 20 --connections 50 --ids 1000 --top 40 --save <dir for the .cpuprofile files>]
 *   BENCH_DATABASE_URL / BENCH_REDIS_URL as for npm run bench
 *
 * Writes bench/results-profile.md. A profile answers "what does the gateway's one thread spend its time on", which
 * the throughput ratios of npm run bench cannot; the sampling slows the gateway a little, so its req/s is not a
 * benchmark figure.
 */

const WARMUP_S = 5

type Options = ParsedOptions<'duration' | 'connections' | 'ids' | 'top', 'save'>

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** The area a frame's time counts towards: our own code by top folder, a package by name, node, or V8's pseudo-frames. */
function areaOf ({ url, functionName }: CallFrame): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/')
    return (parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1] ?? ''}` : parts[0]) ?? url
  }
  const own = /\/dist\/([^/]+\/(?:[^/]+\/)?)/.exec(url)
  return own === null ? url : `own: ${own[1] ?? ''}`
}

function frameName ({ functionName, url, lineNumber }: CallFrame): string {
  const file = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`
  return `${functionName === '' ? '(anonymous)' : functionName}${file}`
}

interface ProfileSummary {
  totalMs: number
  areas: Array<{ name: string, selfMs: number }>
  functions: Array<{ name: string, area: string, selfMs: number, totalMs: number }>
}

/** Self time by area and function, and inclusive time by function (a frame counted once per sample, recursion or not). */
function summariseProfile (profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const areaSelf = new Map<string, number>()
  const areaByName = new Map<string, string>()
  const add = (map: Map<string, number>, key: string, ms: number): void => { map.set(key, (map.get(key) ?? 0) + ms) }
  let totalMs = 0
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000
    totalMs += ms
    const node = byId.get(id)
    if (node === undefined) return
    const name = frameName(node.callFrame)
    areaByName.set(name, areaOf(node.callFrame))
    add(self, name, ms)
    add(areaSelf, areaOf(node.callFrame), ms)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame === undefined) break
      const key = frameName(frame)
      if (seen.has(key)) continue
      seen.add(key)
      areaByName.set(key, areaOf(frame))
      add(total, key, ms)
    }
  })
  return {
    totalMs,
    areas: [...areaSelf].map(([name, selfMs]) => ({ name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    functions: [...total].map(([name, totalMs]) => ({ name, area: areaByName.get(name) ?? '', selfMs: self.get(name) ?? 0, totalMs }))
  }
}

/** One server's profiled load: its answers, its profile summed up, and the CPU its process used meanwhile. */
interface ProfileRun { result: LoadResult, summary: ProfileSummary, cpuMs: number }

async function run (options: Options, env: { databaseUrl?: string, redisUrl?: string }, cleanup: Cleanup, stopping: AbortSignal): Promise<void> {
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }
  const machine = describeMachine()
  const backends = await startBenchBackends(cleanup, { clients: [BENCH_CLIENT], ids: options.ids, redisUrl: env.redisUrl })
  const { upstreams } = backends
  const store = await benchStore(cleanup, env.databaseUrl)
  const dir = options.save ?? await tempDir(cleanup, 'lgsp-bench-profile-')
  const gateway = await startGatewayProcess(cleanup, 'gateway', { audit: true, env: { ...benchGatewayEnv(backends), ...store.env } })
  const bareProxy = await startBareProxyProcess(cleanup, 'bare proxy', upstreams.populationUrl)
  const headers = await benchCallerHeaders(['citizens.read'], 3600 + options.duration * 10)

  const profile = async (name: string, server: Profiled & { url: string, pid: number }, paths: string[], requestHeaders: Record<string, string>): Promise<ProfileRun> => {
    const load = async (durationSeconds: number): Promise<LoadResult> =>
      allOk(name, await runLoad({ url: server.url, paths, headers: requestHeaders, connections: options.connections, durationSeconds, signal: stopping }), stopping)
    // warm-up first, so compiling schemas and routes and JIT warm-up stay out of the profile
    await load(WARMUP_S)
    const file = join(dir, `${name.replaceAll(' ', '-')}.cpuprofile`)
    await server.startProfile()
    const cpuBefore = await cpuMs(server.pid)
    const result = await load(options.duration)
    const cpuAfter = await cpuMs(server.pid)
    await server.stopProfile(file)
    log(`${name} under the profiler: ${Math.round(result.requestsPerSecond)} req/s over ${result.durationSeconds} s`)
    return { result, summary: summariseProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile), cpuMs: cpuAfter - cpuBefore }
  }
  const full = await profile('gateway', gateway, upstreams.personalIds.map((id) => `/api/v1/citizens/${id}`), headers)
  const bare = await profile('bare proxy', bareProxy, upstreams.personalIds.map((id) => `/citizens/${id}`), {})

  const perRequest = (ms: number, of: ProfileRun): number => 1000 * ms / Math.max(1, of.result.ok)
  const us = (value: number): string => value.toFixed(1)
  const areaUs = (of: ProfileRun, name: string): number => perRequest(of.summary.areas.find((area) => area.name === name)?.selfMs ?? 0, of)
  const busy = (of: ProfileRun): number => of.summary.totalMs - (of.summary.areas.find((area) => area.name === '(idle)')?.selfMs ?? 0)
  const areaNames = [...new Set([...full.summary.areas, ...bare.summary.areas].map((area) => area.name))].filter((name) => name !== '(idle)')
    .map((name) => ({ name, full: areaUs(full, name), bare: areaUs(bare, name) }))
    .sort((a, b) => (b.full - b.bare) - (a.full - a.bare))
    .filter((area) => Math.max(area.full, area.bare) >= 0.5)
  const areas = markdownTable(['Area (self time)', 'gateway µs/request', 'bare proxy µs/request', 'gateway − bare proxy'], [
    ['process CPU (user + system, /proc)', us(perRequest(full.cpuMs, full)), us(perRequest(bare.cpuMs, bare)), us(perRequest(full.cpuMs, full) - perRequest(bare.cpuMs, bare))],
    ['thread busy in the profile (all areas below)', us(perRequest(busy(full), full)), us(perRequest(busy(bare), bare)), us(perRequest(busy(full), full) - perRequest(busy(bare), bare))],
    ...areaNames.map((area) => [area.name, us(area.full), us(area.bare), us(area.full - area.bare)])
  ], ['l', 'r', 'r', 'r'])
  const ownInclusive = full.summary.functions.filter((fn) => fn.area.startsWith('own:')).sort((a, b) => b.totalMs - a.totalMs).slice(0, options.top)
  const inclusive = markdownTable(['Own function (inclusive: it and what it calls)', 'µs per request'],
    ownInclusive.map((fn) => [fn.name, us(perRequest(fn.totalMs, full))]), ['l', 'r'])
  const selfTop = [...full.summary.functions].filter((fn) => fn.area !== '(idle)').sort((a, b) => b.selfMs - a.selfMs).slice(0, options.top)
  const selfTable = markdownTable(['Function (self time)', 'area', 'µs per request'],
    selfTop.map((fn) => [fn.name, fn.area, us(perRequest(fn.selfMs, full))]), ['l', 'l', 'r'])

  const report = `# Where the full path's time goes: CPU profiles of the gateway and the bare proxy

Made by \`npm run bench:profile\` (bench/profile.ts). The gateway of \`npm run bench\` (audit on, RS256 JWT, Redis rate
limit, ${store.description} store) and the bare proxy (bench/bare-proxy.ts), each in its own process, each sampled by
V8's profiler (node:inspector) for ${options.duration} s after a ${WARMUP_S} s warm-up, ${options.connections} connections on
GET …/citizens/{id} over ${options.ids} ids; the simulators, Redis, PostgreSQL and autocannon in other processes.
The profiler slows what it samples: these req/s are not benchmark figures (\`npm run bench\` has those).

${markdownTable(['', ''], machineRows(machine))}

| | req/s under the profiler | responses |
| --- | --: | --: |
| gateway (full path) | ${Math.round(full.result.requestsPerSecond)} | ${full.result.ok} |
| bare proxy | ${Math.round(bare.result.requestsPerSecond)} | ${bare.result.ok} |

## Per request, by area, gateway against bare proxy

Self time of each area per 2xx response, largest difference first. "(native)" is time in C++ (mostly socket writes:
a write to a loopback socket may hand the CPU to the process that reads it, and that time lands on the write);
"node internals" is node's own JavaScript (streams, http, timers).

${areas}

## Gateway: own code, inclusive

${inclusive}

## Gateway: hottest functions (self time)

${selfTable}
`
  await writeResults('results-profile.md', report)
  if (options.save !== undefined) log(`profiles in ${options.save}`)
}

await runBenchScript({
  numbers: { duration: { default: 20, min: 1, max: 3600 }, connections: CONNECTIONS_OPTION, ids: IDS_OPTION, top: { default: 40, min: 1, max: 1000 } },
  strings: { save: '<dir>' }
}, async (options, cleanup, stopping) => { await run(options, benchServiceUrls(), cleanup, stopping) })
