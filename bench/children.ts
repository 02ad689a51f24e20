import { fork } from 'node:child_process'
import { once } from 'node:events'
import { Session } from 'node:inspector/promises'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startDigitalAddressSimulator } from '../adapters/digital-address/simulator.js'
import { startUpstreams, TEST_CREDENTIALS, type SimulatorOptions } from '../test/support/upstreams.js'
import { createCleanup, type Cleanup } from './script.js'

/**
 * The servers under measurement, each in a child process of its own: the upstream simulators (together), gateways,
 * the bare proxy, sync workers. A server then has an event loop to itself, not one shared with autocannon or with
 * the other servers; it can be asked for a CPU profile or its memory after a full GC.
 *
 * This module is also the entry point of those child processes (`node dist/bench/children.js --bench-child`).
 */

const CHILD_FLAG = '--bench-child'

/** The API key the benchmarks' digital-address simulator asks for in X-API-Key (PUBLISHED_KHCN_DIA_CHI_SO_API_KEY). */
export const BENCH_DIGITAL_ADDRESS_KEY = 'bench-digital-address-key-not-for-production'

/** The simulators of test/support/upstreams.ts (the tests' credentials and API key), and how many ids to hand back. */
export interface UpstreamsOptions extends Pick<SimulatorOptions, 'seed' | 'size' | 'changeFeed'> {
  /** How many personal ids (citizens 0 … ids-1) to hand back; as many digital-address codes (at most all of them). */
  ids: number
  /**
   * Also the digital-address registry (published service khcn.dia-chi-so, adapters/digital-address/simulator.ts)
   * over the same people, answering BENCH_DIGITAL_ADDRESS_KEY.
   */
  digitalAddress?: boolean
}

type ChildSpec =
  | { role: 'upstreams', options: UpstreamsOptions }
  | { role: 'gateway', env: Record<string, string>, audit: boolean }
  | { role: 'worker', env: Record<string, string> }
  | { role: 'bare-proxy', population: BareProxyPopulation, published?: BareProxyPublished }

type ChildMessage =
  | { type: 'ready', urls: Record<string, string>, personalIds: string[], addressCodes?: string[] }
  | { type: 'failed', message: string }
  | { type: 'done', memory?: MemoryAfterGc }

/** Asked of a started child; each is answered with `done` (or `failed`), one at a time. */
type ChildRequest = { type: 'profile-start' } | { type: 'profile-stop', file: string } | { type: 'memory' }

/** A process's memory right after a full garbage collection: what it holds on to, not what it has yet to free. */
export interface MemoryAfterGc {
  rssMiB: number
  heapUsedMiB: number
}

interface ChildProcessHandle {
  pid: number
  urls: Record<string, string>
  personalIds: string[]
  addressCodes: string[]
  stop (): Promise<void>
  ask (request: ChildRequest): Promise<ChildMessage & { type: 'done' }>
}

const START_TIMEOUT_MS = 120_000

async function startChild (cleanup: Cleanup, name: string, spec: ChildSpec): Promise<ChildProcessHandle> {
  // detached: a Ctrl-C in the terminal reaches only this process, which stops the children in order (a gateway
  // drains its audit writer and closes its store). Should this process die, a child sees its IPC channel
  // disconnect and closes itself.
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null
  const stop = async (): Promise<void> => {
    if (gone()) return
    const exited = once(child, 'exit')
    if (child.connected) child.send({ type: 'stop' })
    else child.kill('SIGTERM')
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(kill)
  }
  cleanup.add(`stop ${name}`, stop)

  const ready = await new Promise<{ urls: Record<string, string>, personalIds: string[], addressCodes: string[] }>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer)
      child.off('exit', onExit)
      child.off('message', onMessage)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      settle()
      reject(new Error(`${name} exited (${code ?? signal ?? ''}) before it was ready`))
    }
    const onMessage = (message: ChildMessage): void => {
      settle()
      if (message.type === 'ready') resolve({ ...message, addressCodes: message.addressCodes ?? [] })
      else reject(new Error(`${name} failed to start: ${message.type === 'failed' ? message.message : message.type}`))
    }
    const timer = setTimeout(() => { settle(); reject(new Error(`${name} not ready after ${START_TIMEOUT_MS / 1000} s`)) }, START_TIMEOUT_MS)
    child.on('exit', onExit)
    child.on('message', onMessage)
    child.send({ type: 'start', spec })
  })
  const ask = async (request: ChildRequest): Promise<ChildMessage & { type: 'done' }> => {
    const answered = once(child, 'message') as Promise<[ChildMessage]>
    child.send(request)
    const [answer] = await answered
    if (answer.type !== 'done') throw new Error(`${name}: ${request.type} failed: ${answer.type === 'failed' ? answer.message : answer.type}`)
    return answer
  }
  return { ...ready, pid: child.pid ?? 0, stop, ask }
}

export interface UpstreamsProcess {
  /** The population simulator's SOAP endpoint (POPULATION_URL). */
  populationUrl: string
  /** The procedures simulator's base URL (PROCEDURES_URL). */
  proceduresUrl: string
  /** Personal ids of citizens 0 … ids-1 of the synthetic population both simulators share. */
  personalIds: string[]
  /** The digital-address registry's base URL (PUBLISHED_KHCN_DIA_CHI_SO_URL), when it was asked for. */
  digitalAddressUrl?: string
  /** Its first `ids` address codes (maDiaChi, in code order; fewer when it holds fewer); empty without it. */
  addressCodes: string[]
  pid: number
  stop (): Promise<void>
}

/**
 * The upstream simulators (SOAP population database, one-stop procedures system, and the digital-address registry
 * when asked for) together in one process of their own.
 */
export async function startUpstreamsProcess (cleanup: Cleanup, options: UpstreamsOptions): Promise<UpstreamsProcess> {
  const { urls, personalIds, addressCodes, pid, stop } = await startChild(cleanup, 'upstream simulators', { role: 'upstreams', options })
  return {
    populationUrl: urls.population ?? '',
    proceduresUrl: urls.procedures ?? '',
    personalIds,
    ...(urls['digital-address'] === undefined ? {} : { digitalAddressUrl: urls['digital-address'] }),
    addressCodes,
    pid,
    stop
  }
}

/** A server process whose CPU can be sampled (V8's profiler, through node:inspector inside that process). */
export interface Profiled {
  startProfile (): Promise<void>
  /** Stops sampling and writes the .cpuprofile (Chrome DevTools format) to `file`. */
  stopProfile (file: string): Promise<void>
}

function profiling (ask: ChildProcessHandle['ask']): Profiled {
  return {
    startProfile: async () => { await ask({ type: 'profile-start' }) },
    stopProfile: async (file) => { await ask({ type: 'profile-stop', file }) }
  }
}

export interface GatewayProcess extends Profiled {
  /** The origin, http://127.0.0.1:port. */
  url: string
  pid: number
  stop (): Promise<void>
  /** Runs a full garbage collection in the gateway's process (through node:inspector), then reads its memory. */
  memoryAfterGc (): Promise<MemoryAfterGc>
}

/** A gateway built by buildApp(loadConfig(env), { audit }) in its own process, on 127.0.0.1 and an ephemeral port. */
export async function startGatewayProcess (cleanup: Cleanup, name: string, options: { env: Record<string, string>, audit: boolean }): Promise<GatewayProcess> {
  const { urls, pid, stop, ask } = await startChild(cleanup, name, { role: 'gateway', ...options })
  const memoryAfterGc = async (): Promise<MemoryAfterGc> => {
    const { memory } = await ask({ type: 'memory' })
    if (memory === undefined) throw new Error(`${name} sent no memory reading`)
    return memory
  }
  return { url: urls.gateway ?? '', pid, stop, memoryAfterGc, ...profiling(ask) }
}

/** What the bare proxy needs to call the population simulator as the gateway does. */
export interface BareProxyPopulation {
  /** The SOAP endpoint (POPULATION_URL). */
  url: string
  username: string
  secret: string
  /** undici Pool size (the gateway's POPULATION_CONNECTIONS default: 64). */
  connections: number
}

/** What the bare proxy needs to call the digital-address registry as the gateway does (published service khcn.dia-chi-so). */
export interface BareProxyPublished {
  /** The provider's base URL (PUBLISHED_KHCN_DIA_CHI_SO_URL). */
  url: string
  apiKey: string
}

export interface BareProxyProcess extends Profiled {
  /**
   * The origin, http://127.0.0.1:port; GET /citizens/{personalId} answers the parsed record as JSON, and with
   * `published`, GET /dia-chi/{maDiaChi} the provider's answer as JSON.
   */
  url: string
  pid: number
  stop (): Promise<void>
}

/**
 * bench/bare-proxy.ts's server in its own process: Fastify, one route, the population adapter with the gateway's
 * pool size (POPULATION_CONNECTIONS default: 64); with `published`, a second route through the gateway's published
 * client for khcn.dia-chi-so; no auth, no audit.
 */
export async function startBareProxyProcess (cleanup: Cleanup, name: string, populationUrl: string, published?: BareProxyPublished): Promise<BareProxyProcess> {
  const population = { url: populationUrl, ...TEST_CREDENTIALS, connections: 64 }
  const { urls, pid, stop, ask } = await startChild(cleanup, name, { role: 'bare-proxy', population, ...(published === undefined ? {} : { published }) })
  return { url: urls['bare-proxy'] ?? '', pid, stop, ...profiling(ask) }
}

export interface WorkerProcess {
  pid: number
  stop (): Promise<void>
}

/** A sync worker built by buildWorker(loadConfig(env)) in its own process. */
export async function startWorkerProcess (cleanup: Cleanup, name: string, env: Record<string, string>): Promise<WorkerProcess> {
  const { pid, stop } = await startChild(cleanup, name, { role: 'worker', env })
  return { pid, stop }
}

/** CPU time a live process has used so far, user + system, in milliseconds (Linux /proc/<pid>/stat). */
export async function cpuMs (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // the fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND
}

// USER_HZ: 100 on every Linux architecture node runs on
const CLOCK_TICKS_PER_SECOND = 100

/** Resident set size of a live process (Linux VmRSS), or its peak so far (VmHWM), in MiB. */
export async function rssMiB (pid: number, which: 'now' | 'peak' = 'now'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const field = which === 'now' ? 'VmRSS' : 'VmHWM'
  const kib = Number(new RegExp(`^${field}:\\s+([0-9]+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN)
  return Math.round(kib / 1024)
}

async function serveAsChild (): Promise<void> {
  const send = async (message: ChildMessage): Promise<void> => {
    await new Promise<void>((resolve) => {
      if (process.send === undefined) resolve()
      else process.send(message, undefined, {}, () => resolve())
    })
  }
  // A stop may come at any time, even while the server is starting: it then closes as soon as it has started.
  let close: (() => Promise<void>) | undefined
  let stopping = false
  let closing = false
  const closeAndExit = (): void => {
    if (close === undefined || closing) return
    closing = true
    close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`closing failed: ${(err as Error).message}\n`)
      process.exit(1)
    })
  }
  const stop = (): void => {
    if (stopping) return
    stopping = true
    closeAndExit()
  }
  let profiler: Session | undefined
  const answer = async (request: ChildRequest): Promise<void> => {
    try {
      if (request.type === 'profile-start') {
        profiler = new Session()
        profiler.connect()
        await profiler.post('Profiler.enable')
        await profiler.post('Profiler.start')
      } else if (request.type === 'memory') {
        const session = new Session()
        session.connect()
        await session.post('HeapProfiler.collectGarbage')
        session.disconnect()
        const { rss, heapUsed } = process.memoryUsage()
        await send({ type: 'done', memory: { rssMiB: rss / 2 ** 20, heapUsedMiB: heapUsed / 2 ** 20 } })
        return
      } else {
        if (profiler === undefined) throw new Error('no profile was started')
        const { profile } = await profiler.post('Profiler.stop')
        profiler.disconnect()
        profiler = undefined
        await writeFile(request.file, JSON.stringify(profile))
      }
      await send({ type: 'done' })
    } catch (err) {
      await send({ type: 'failed', message: (err as Error).message })
    }
  }
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop()
    else if (message.type === 'profile-start' || message.type === 'profile-stop' || message.type === 'memory') void answer(message as ChildRequest)
  })
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  const [start] = await once(process, 'message') as [{ type: 'start', spec: ChildSpec }]
  try {
    const { spec } = start
    if (spec.role === 'upstreams') {
      const { ids, digitalAddress: withDigitalAddress = false, ...simulatorOptions } = spec.options
      const closing = createCleanup()
      close = () => closing.run()
      // the same synthetic people apply for procedures and head the households, as in demo mode
      const { population, procedures } = await startUpstreams(closing, simulatorOptions)
      const urls: Record<string, string> = { population: population.url, procedures: procedures.url }
      let addressCodes: string[] = []
      if (withDigitalAddress) {
        const digitalAddress = await startDigitalAddressSimulator({
          apiKey: BENCH_DIGITAL_ADDRESS_KEY,
          population: population.population,
          host: '127.0.0.1',
          port: 0,
          ...(simulatorOptions.seed === undefined ? {} : { seed: simulatorOptions.seed })
        })
        closing.add('close the digital-address simulator', () => digitalAddress.close())
        urls['digital-address'] = digitalAddress.url
        addressCodes = digitalAddress.data.addresses.slice(0, ids).map((address) => address.maDiaChi)
      }
      const personalIds = Array.from({ length: ids }, (_, index) => population.population.citizenAt(index).personalId)
      if (!stopping) await send({ type: 'ready', urls, personalIds, addressCodes })
    } else if (spec.role === 'bare-proxy') {
      const { startBareProxy } = await import('./bare-proxy.js')
      const proxy = await startBareProxy(spec.population, spec.published)
      close = () => proxy.close()
      if (!stopping) await send({ type: 'ready', urls: { 'bare-proxy': proxy.url }, personalIds: [] })
    } else if (spec.role === 'worker') {
      const { buildWorker } = await import('../src/worker-app.js')
      const { loadConfig } = await import('../src/config/index.js')
      const worker = await buildWorker(loadConfig(spec.env))
      close = () => worker.close()
      await worker.ready()
      if (!stopping) await send({ type: 'ready', urls: {}, personalIds: [] })
    } else {
      const { buildApp } = await import('../src/app.js')
      const { loadConfig } = await import('../src/config/index.js')
      const app = await buildApp(loadConfig(spec.env), { audit: spec.audit })
      close = () => app.close()
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      if (address === null || typeof address === 'string') throw new Error('the gateway has no TCP address')
      if (!stopping) await send({ type: 'ready', urls: { gateway: `http://127.0.0.1:${address.port}` }, personalIds: [] })
    }
  } catch (err) {
    if (!stopping) await send({ type: 'failed', message: (err as Error).stack ?? String(err) })
    process.exit(1)
  }
  if (stopping) closeAndExit() // asked to stop while starting
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await serveAsChild()
}
