import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'
import fp from 'fastify-plugin'

/**
 * Every exchange's message id (X-Message-Id) is returned on every response, sent to the upstream and kept in the
 * audit record, so both ends of an exchange can be matched. The gateway makes one for each request (request-id.ts);
 * here a caller's own id replaces it when it is well-formed and that client has not used it before (kept in the
 * store) — the response says which was used. Also the SHA-256 of the request body exactly as received.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** sha256 hex of the request body as received; undefined when it had none. */
    requestDigest?: string
  }
}

// what a caller may give: nothing that could smuggle anything into logs, headers or the upstream's call
export const WELL_FORMED_MESSAGE_ID = /^[A-Za-z0-9._:@-]{8,128}$/

export default fp(async function messageId (app) {
  app.decorateRequest('requestDigest', undefined)

  // after authentication (registered after auth and the rate limit): a caller's id is unique per identified client only
  app.addHook('onRequest', async (request, reply) => {
    const offered = request.headers['x-message-id']
    const clientId = request.verifiedClientId
    if (typeof offered !== 'string' || clientId === undefined || !WELL_FORMED_MESSAGE_ID.test(offered)) return
    let reserved: unknown
    try {
      [reserved] = await app.store.query('INSERT INTO audit_message_ids (client_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true',
        [clientId, offered])
    } catch (err) {
      // the store is down: the exchange keeps the gateway's id (and its audit record, if it can be written, says so)
      request.log.warn({ err: (err as Error).message }, 'caller message id not reserved')
      return
    }
    if (reserved === undefined) return
    request.messageId = offered
    reply.header('x-message-id', offered)
  })

  app.addHook('preParsing', async (request, _reply, payload) => {
    // no body to read (a GET): nothing to hash
    if (request.headers['transfer-encoding'] === undefined && Number(request.headers['content-length'] ?? 0) === 0) return payload
    const hash = createHash('sha256')
    let received = 0
    const digesting = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        received += chunk.length
        done(null, chunk)
      },
      flush (done) {
        request.requestDigest = hash.digest('hex')
        done()
      }
    })
    payload.on('error', (err) => digesting.destroy(err))
    // Fastify compares this with Content-Length
    return Object.defineProperty(payload.pipe(digesting), 'receivedEncodedLength', { get: () => received })
  })
}, { name: 'message-id', dependencies: ['request-id', 'store', 'auth', 'rate-limit'] })
