import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'

// A caller's id is kept only if it cannot smuggle anything into logs or headers.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/

export function genRequestId (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID()
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The exchange's message id: one the gateway made, until plugins/app/message-id.ts takes the caller's. */
    messageId: string
  }
}

/** Echoes the request id on every response, errors included, and gives every exchange a message id. */
export default fp(async function requestId (app) {
  app.decorateRequest('messageId', '')
  app.addHook('onRequest', async (request, reply) => {
    request.messageId = randomUUID()
    reply.header('x-request-id', request.id)
    reply.header('x-message-id', request.messageId)
  })
}, { name: 'request-id' })
