import type { Dispatcher } from 'undici'
import { UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '../src/errors.js'

/** What every undici-based adapter needs: a deadline, a bounded body read, and errors the gateway can answer with. */

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** Maps a transport failure (undici error, abort by deadline) to the gateway's coded upstream errors. */
export function transportError (upstream: string, err: unknown, timeoutMs: number): Error {
  const { name, code } = err as { name?: string, code?: string }
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) return new UpstreamTimeoutError(upstream, timeoutMs)
  if (name === 'AbortError') return err as Error
  return new UpstreamUnavailableError(upstream)
}

/** Reads a response body as text, refusing upstream answers larger than `maxBytes`. */
export async function readBody (body: Dispatcher.ResponseData['body'], upstream: string, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) {
      body.destroy()
      throw new UpstreamError(upstream, `response larger than ${maxBytes} bytes`)
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
