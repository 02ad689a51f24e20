import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Conditional GETs of reference data: an answer's ETag is a digest of its body, so it changes exactly when the
 * answer does (a new version of a list, another page); a caller that sends it back in If-None-Match gets a 304
 * without the body. Cache-Control is private: the answer needs a token, so a shared cache must not hand it on.
 */

export function etagOf (body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`
}

/** Whether an If-None-Match header names this ETag (weak comparison, RFC 9110 §13.1.2), or is `*`. */
export function matchesEtag (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag))
}

/**
 * Sets ETag and Cache-Control for `body`; true (with status 304) when the caller already holds it, and the
 * handler then sends nothing.
 */
export function notModified (request: FastifyRequest, reply: FastifyReply, body: unknown, maxAgeSeconds: number): boolean {
  const etag = etagOf(body)
  reply.header('etag', etag)
  reply.header('cache-control', `private, max-age=${maxAgeSeconds}`)
  if (!matchesEtag(request.headers['if-none-match'], etag)) return false
  reply.code(304)
  return true
}

/** Response headers of a conditional 200, for the API description. A new object each time (no YAML anchors). */
export function conditionalHeaders (): Record<string, unknown> {
  return {
    etag: { type: 'string', description: 'The answer\'s version: send it back in `If-None-Match` to get a 304 while it holds.' },
    'cache-control': { type: 'string', description: '`private, max-age=<seconds>`: how long the caller may keep the answer without asking again.' }
  }
}

/** The 304 of a conditional GET. */
export function notModifiedResponse (): Record<number, unknown> {
  return { 304: { description: 'Not modified: the answer named by If-None-Match still holds', headers: conditionalHeaders(), type: 'null' } }
}

/** The If-None-Match request header, for the API description. */
export const IF_NONE_MATCH = {
  type: 'object',
  properties: {
    'if-none-match': { type: 'string', maxLength: 1024, description: 'The ETag of an answer already held: a 304 without a body while it still holds.' }
  }
}
