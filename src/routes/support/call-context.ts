import type { FastifyRequest } from 'fastify'
import { officialIdOf } from '../../plugins/app/auth.js'

/** Who asks, for the upstream's own log: the request and message ids and the acting official (X-User-Id). */
export function callContext (request: FastifyRequest): { requestId: string, messageId: string, officialId?: string } {
  const officialId = officialIdOf(request)
  return { requestId: request.id, messageId: request.messageId, ...(officialId === undefined ? {} : { officialId }) }
}
