import { Pool } from 'undici'
import type { LoadRequest, LoadResult } from './load.js'

/**
 * An open-loop load at a fixed rate, evenly spaced: request i is due at start + i/rate, whatever happened to the
 * ones before it, and its latency counts from when it was due (so a stall shows up in the latency of everything it
 * delays, not as fewer requests). autocannon's overallRate instead releases each connection's quota for the second
 * at once, so its latencies measure queueing in those bursts.
 *
 * A 1 ms timer sends what has fallen due, so a request may leave up to ~1 ms after its time: that lateness is in
 * every latency alike and cancels in a difference of two variants. Latencies have microsecond resolution.
 */

export interface PacedLoadOptions {
  /** The origin. */
  url: string
  /** Walked in order, round and round; headers add to `headers`. */
  requests: LoadRequest[]
  headers: Record<string, string>
  ratePerSecond: number
  durationSeconds: number
  /** Keep-alive connections available (enough that none waits for a free one at this rate). */
  connections: number
  signal?: AbortSignal
}

const TICK_MS = 1

/** The value below which `share` of the sorted values lie (nearest rank). */
function percentile (sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? Number.NaN
}

export async function runPacedLoad (options: PacedLoadOptions): Promise<LoadResult> {
  if (options.requests.length === 0) throw new Error('runPacedLoad needs at least one request')
  if (options.signal?.aborted === true) throw new Error('load not started: aborted')
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1 })
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds))
  const intervalMs = 1000 / options.ratePerSecond
  const latencies: number[] = []
  const statusCounts: Record<string, number> = {}
  let errors = 0
  let timeouts = 0
  const inFlight = new Set<Promise<void>>()

  const send = (index: number, dueAt: number): void => {
    const request = options.requests[index % options.requests.length] as LoadRequest
    const done = pool.request({
      method: request.method,
      path: request.path,
      headers: { ...options.headers, ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000
    }).then(async (response) => {
      await response.body.dump()
      const status = String(response.statusCode)
      statusCounts[status] = (statusCounts[status] ?? 0) + 1
      if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - dueAt)
    }, (err: { code?: string }) => {
      errors++
      if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') timeouts++
    }).finally(() => { inFlight.delete(done) })
    inFlight.add(done)
  }

  const started = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1)
      for (; sent < due; sent++) send(sent, started + sent * intervalMs)
      if (sent >= total || options.signal?.aborted === true) {
        clearInterval(timer)
        resolve()
      }
    }, TICK_MS)
  })
  await Promise.all(inFlight)
  const durationSeconds = (performance.now() - started) / 1000
  await pool.close()

  latencies.sort((a, b) => a - b)
  const responses = Object.values(statusCounts).reduce((sum, count) => sum + count, 0)
  return {
    requestsPerSecond: latencies.length / durationSeconds,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    responses,
    ok: latencies.length,
    non2xx: responses - latencies.length,
    errors,
    timeouts,
    statusCounts,
    durationSeconds: Number(durationSeconds.toFixed(2))
  }
}
