import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

/**
 * The SHA-256 of a response body as it will be sent, for the audit record and the response signature: hashed once
 * per request (kept on the request), again only if the body was replaced in between (the audit's 503). null for a
 * stream, whose bytes are not known before they go.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The body last hashed for this response, and its SHA-256. */
    responseBodyDigest?: { payload: unknown, sha256: Buffer | null }
  }
}

export function responseSha256 (request: FastifyRequest, payload: unknown): Buffer | null {
  const known = request.responseBodyDigest
  if (known !== undefined && known.payload === payload) return known.sha256
  const sha256 = typeof payload === 'string' || Buffer.isBuffer(payload) ? createHash('sha256').update(payload).digest() : null
  request.responseBodyDigest = { payload, sha256 }
  return sha256
}
