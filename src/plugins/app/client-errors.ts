import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { PROBLEM_KINDS, PROBLEM_TYPE_BASE, type ProblemKind } from '../../errors.js'

/**
 * Requests Node's HTTP server refuses before Fastify routes them — header fields over Node's limit (431), a
 * request not received within REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS (408), a malformed request line, header or
 * chunked body (400) — answered as problem+json with a stable `type` and a request id, like every other refusal,
 * and the connection closed (what is left on it cannot be read as HTTP).
 */

// the request being read on a connection, so a timeout in the middle of its body can answer for it, and its id
// from the moment Fastify names it (its onRequest hooks, which set READING, may not have run yet)
const READING = Symbol('request being read')
const READING_ID = Symbol('id of the request being read')
const HANDED_OVER = Symbol('refusal answered by Fastify')
type TrackedSocket = Socket & { [READING]?: FastifyRequest, [READING_ID]?: string, [HANDED_OVER]?: boolean }

/** Wraps Fastify's `genReqId` so a refusal in the middle of a request carries that request's id. */
export function rememberingRequestIds (genReqId: (req: IncomingMessage) => string): (req: IncomingMessage) => string {
  return (req) => {
    const id = genReqId(req)
    ;(req.socket as TrackedSocket)[READING_ID] = id
    return id
  }
}

function kindOf (code: string | undefined): ProblemKind {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return PROBLEM_KINDS.GW_ERR_REQUEST_TIMEOUT
  if (code === 'HPE_HEADER_OVERFLOW') return PROBLEM_KINDS.GW_ERR_HEADER_TOO_LARGE
  return PROBLEM_KINDS.GW_ERR_MALFORMED_REQUEST
}

const DETAILS: Record<string, string> = {
  'request-timeout': 'The request was not received in time: send the headers and the body without pausing',
  'header-too-large': 'The request\'s header fields are larger than this gateway accepts',
  'malformed-request': 'The request is not valid HTTP/1.1 (request line, header fields or chunked body)'
}

/** The raw HTTP/1.1 answer: the connection is closed after it. */
export function problemResponse (kind: ProblemKind, requestId: string, instance?: string): string {
  const body = JSON.stringify({
    type: PROBLEM_TYPE_BASE + kind.slug,
    title: kind.title,
    status: kind.status,
    detail: DETAILS[kind.slug],
    ...(instance === undefined ? {} : { instance }),
    requestId
  })
  return [
    `HTTP/1.1 ${kind.status} ${STATUS_CODES[kind.status] ?? ''}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    // every response carries a message id, even one Node refused before the gateway could read the request
    `X-Message-Id: ${randomUUID()}`,
    'Connection: close',
    '',
    body
  ].join('\r\n')
}

/**
 * Fastify's `clientErrorHandler` (called with the Fastify instance as `this`). Who is refused is logged with the
 * request id sent. A request whose headers were read (a body too slow) is a Fastify request already: it is
 * answered by Fastify (see the plugin below), so its audit record, with its client, is written as for any other.
 * A request refused before its headers were all read (431, 408 on headers, 400) has no identified client — no
 * token has been verified, and none is parsed out of bytes Node refused — so it is logged, not audited.
 */
export function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // a reset connection has no one left to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const kind = kindOf(err.code)
  const tracked = socket as TrackedSocket
  // Fastify already answers for this connection's request (below); the parser's further complaints add nothing
  if (tracked[HANDED_OVER] === true) return
  const reading = tracked[READING]
  // Fastify is reading the request's body (a slow or malformed one): the body reader fails with this, the
  // error handler answers it with the request's own id, closing the connection, and the audit records it.
  // (Destroying the request would close the socket before the answer.)
  if (reading !== undefined && reading.raw.listenerCount('error') > 0) {
    tracked[HANDED_OVER] = true
    reading.raw.emit('error', Object.assign(new Error(DETAILS[kind.slug]), { code: kind === PROBLEM_KINDS.GW_ERR_REQUEST_TIMEOUT ? 'GW_ERR_REQUEST_TIMEOUT' : 'GW_ERR_MALFORMED_REQUEST', statusCode: kind.status, headers: { connection: 'close' } }))
    return
  }
  const requestId = (socket as TrackedSocket)[READING_ID] ?? randomUUID()
  this.log.info({ requestId, code: err.code, status: kind.status, remoteAddress: socket.remoteAddress }, 'request refused by the HTTP parser')
  if (socket.writable) {
    socket.end(problemResponse(kind, requestId), () => { socket.destroy() })
  } else {
    socket.destroy()
  }
}

/** Remembers the request being read on each connection, for clientErrorHandler. */
export default fp(async function clientErrors (app) {
  app.addHook('onRequest', async (request) => {
    const socket = request.raw.socket as TrackedSocket | null
    if (socket !== null) socket[READING] = request
  })
  app.addHook('onResponse', async (request) => {
    const socket = request.raw.socket as TrackedSocket | null
    if (socket?.[READING] === request) delete socket[READING]
    // the next request on this connection, if refused before Fastify names it, gets an id of its own
    if (socket?.[READING_ID] === request.id) delete socket[READING_ID]
  })
}, { name: 'client-errors' })
