import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'

// A caller's id is kept only if it cannot smuggle anything into logs or headers.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/

export function genRequestId (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID()
}

/** Echoes the request id on every response, errors included. */
export default fp(async function requestId (app) {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
}, { name: 'request-id' })
