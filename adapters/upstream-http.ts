import { Pool, type Dispatcher } from 'undici'
import { UpstreamFaultError, UpstreamTimeoutError, UpstreamUnavailableError } from './shared/errors.js'
import type { UpstreamPolicy } from './shared/resilience.js'

/**
 * What every undici-based adapter needs: a deadline, a bounded body read, the adapters' upstream errors (shared/errors.ts), and
 * (through the client's UpstreamPolicy, shared/resilience.ts) a circuit breaker and retries of idempotent calls.
 */

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * Maps a transport failure (undici error, abort by deadline) to an upstream error (shared/errors.ts). The undici
 * error is kept as `cause`: it tells a reset or refused connection (worth a retry) from the rest.
 */
export function transportError (upstream: string, err: unknown, timeoutMs: number): Error {
  const { name, code } = err as { name?: string, code?: string }
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) return new UpstreamTimeoutError(upstream, timeoutMs, { cause: err })
  if (name === 'AbortError') return err as Error
  return new UpstreamUnavailableError(upstream, { cause: err })
}

/** Reads a response body as text, refusing upstream answers larger than `maxBytes`. */
export async function readBody (body: Dispatcher.ResponseData['body'], upstream: string, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) {
      body.destroy()
      throw new UpstreamFaultError(upstream, `response larger than ${maxBytes} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The caller's signal (client went away) and the route's deadline, whichever fires first. */
export function deadline (timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? timeout : AbortSignal.any([timeout, signal])
}

export interface PoolOptions {
  connections: number
  connectTimeoutMs: number
  /** Deadline for one call; also the headers and body timeouts, so a stalled upstream cannot outlast it. */
  timeoutMs: number
  /** TLS options of the connections, e.g. a client certificate. */
  connect?: { cert?: Buffer, key?: Buffer, ca?: Buffer }
}

/** A keep-alive connection pool to one upstream origin. */
export function upstreamPool (origin: string, options: PoolOptions): Pool {
  return new Pool(origin, {
    connections: options.connections,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 10_000,
    ...(options.connect === undefined ? {} : { connect: options.connect })
  })
}

export interface Exchange {
  upstream: string
  maxResponseBytes: number
  /** Deadline of the whole call: every attempt and every retry delay fit in it. */
  timeoutMs: number
  signal?: AbortSignal
  /** The client's breaker and retries; without it, one attempt and no breaker (health checks). */
  policy?: UpstreamPolicy
  /** Safe to send again (a lookup, or a write the upstream keys): only then is it retried. Default false. */
  idempotent?: boolean
}

/**
 * One request under the deadline: the status and the (bounded) body text. Transport failures become
 * upstream errors, and a 503 is the upstream saying it is unavailable, whatever its body says. With a policy, the
 * call goes through its circuit breaker and, when idempotent, is retried after a reset or refused connection.
 */
export async function exchange (pool: Pool, request: Omit<Dispatcher.RequestOptions, 'signal'>, options: Exchange): Promise<{ status: number, text: string }> {
  const { upstream, maxResponseBytes, timeoutMs, signal, policy } = options
  const attempt = async (remainingMs: number): Promise<{ status: number, text: string }> => {
    let status: number
    let text: string
    try {
      const response = await pool.request({ ...request, signal: deadline(remainingMs, signal) })
      status = response.statusCode
      text = await readBody(response.body, upstream, maxResponseBytes)
    } catch (err) {
      if (err instanceof UpstreamFaultError) throw err
      throw transportError(upstream, err, timeoutMs)
    }
    if (status === 503) throw new UpstreamUnavailableError(upstream)
    return { status, text }
  }
  if (policy === undefined) return await attempt(timeoutMs)
  return await policy.call(attempt, { idempotent: options.idempotent ?? false, timeoutMs, ...(signal === undefined ? {} : { signal }) })
}

export interface JsonAnswer {
  status: number
  /** The parsed body; undefined when it is not JSON. */
  json: unknown
}

/** exchange() for JSON upstreams; whether the body is what was promised is the caller's mapping to decide. */
export async function exchangeJson (pool: Pool, request: Omit<Dispatcher.RequestOptions, 'signal'>, options: Exchange): Promise<JsonAnswer> {
  const { status, text } = await exchange(pool, request, options)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status, json }
}
