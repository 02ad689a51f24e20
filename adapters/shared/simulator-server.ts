import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** What every upstream simulator shares: the faults that act on the connection, and listening on loopback. */

export interface TransportFaults {
  /** Wait this long before answering. */
  delayMs?: number
  /** Drop the connection without an answer. */
  reset?: boolean
}

/**
 * Applies the delay (cut short when `closing` aborts, so close() never waits on it), then the reset.
 * True when the connection was dropped: the caller returns the reply and answers nothing more.
 */
export async function applyTransportFaults (request: FastifyRequest, reply: FastifyReply, faults: TransportFaults, closing: AbortSignal): Promise<boolean> {
  if (faults.delayMs !== undefined) await sleep(faults.delayMs, undefined, { signal: closing }).catch(() => {})
  if (faults.reset !== true) return false
  reply.hijack()
  request.raw.socket.destroy()
  return true
}

/** Listens (127.0.0.1 and an ephemeral port unless told otherwise) and answers the server's origin URL. */
export async function listenOnLoopback (app: FastifyInstance, options: { host?: string, port?: number }): Promise<string> {
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('simulator has no TCP address')
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}
