import autocannon from 'autocannon'
import { BenchFailure } from './script.js'

/** A round of load on a server: autocannon, as fast as the connections are answered (bench/paced-load.ts: at a fixed rate). */

/** One request of a round other than a plain GET (e.g. a SOAP POST); its headers add to LoadOptions.headers. */
export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  body?: string
  headers?: Record<string, string>
}

export interface LoadOptions {
  /** The gateway's origin. */
  url: string
  /** Request paths; each connection walks all of them, starting at its own offset. */
  paths: string[]
  /** Instead of GETs of `paths`: these requests, walked the same way (paths is then ignored). */
  requests?: LoadRequest[]
  headers: Record<string, string>
  connections: number
  durationSeconds: number
  /** Aborting stops autocannon; the figures so far are still returned (an aborted signal: nothing is started). */
  signal?: AbortSignal
}

export interface LoadResult {
  /** 2xx responses per second of the round. */
  requestsPerSecond: number
  /** Latency percentiles of 2xx responses, in milliseconds. */
  latencyP50Ms: number
  latencyP99Ms: number
  responses: number
  ok: number
  non2xx: number
  /** Connection errors, timeouts included. */
  errors: number
  timeouts: number
  statusCounts: Record<string, number>
  durationSeconds: number
}

/**
 * One autocannon round against `paths`, in this process (which should have nothing else to do meanwhile: its event
 * loop times the responses). Connection i starts at path i·(paths/connections), so at any moment the connections
 * ask for different records, and every path is asked for equally often.
 */
export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  const all: autocannon.Request[] = options.requests?.map((request) => ({ ...request, headers: { ...options.headers, ...request.headers } })) ??
    options.paths.map((path) => ({ method: 'GET', path }))
  if (all.length === 0) throw new Error('runLoad needs at least one path')
  const step = Math.max(1, Math.floor(all.length / options.connections))
  let nextClient = 0
  const requests = (offset: number): autocannon.Request[] => [...all.slice(offset), ...all.slice(0, offset)]

  if (options.signal?.aborted === true) throw new Error('load not started: aborted')
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      headers: options.headers,
      requests: requests(0),
      setupClient (client) { client.setRequests(requests((nextClient++ * step) % all.length)) }
    }, (err, finished) => {
      options.signal?.removeEventListener('abort', stop) // a run of many rounds would pile up listeners on one signal
      if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err))); else resolve(finished)
    })
    const stop = (): void => { instance.stop() }
    options.signal?.addEventListener('abort', stop, { once: true })
  })

  const statusCounts: Record<string, number> = {}
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = Number(count ?? 0)
  return {
    requestsPerSecond: result.duration > 0 ? result['2xx'] / result.duration : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    responses: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    durationSeconds: result.duration
  }
}

/** The round's result when it was not interrupted and every response (one at least) was a 2xx; else a BenchFailure. */
export function allOk (label: string, result: LoadResult, stopping?: AbortSignal): LoadResult {
  if (stopping?.aborted === true) throw new BenchFailure('interrupted')
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
    throw new BenchFailure(`${label}: ${result.non2xx} non-2xx responses, ${result.errors} connection errors ` +
      `(${result.timeouts} timeouts), ${result.ok} 2xx; responses by status: ${JSON.stringify(result.statusCounts)}`)
  }
  return result
}
