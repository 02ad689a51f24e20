import type { FastifyInstance } from 'fastify'
import { NotFoundError } from '../../../errors.js'
import { problemResponses } from '../../../plugins/app/problem-details.js'
import { SECURITY } from '../../shared.js'

/** Clients and grants, read-only while they come from GRANTS_FILE; writes arrive with the store. */
export default async function clientRoutes (app: FastifyInstance): Promise<void> {
  app.get('/clients', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'listClients',
      summary: 'Registered clients with their grants',
      security: SECURITY,
      response: { 200: { description: 'Clients', type: 'array', items: { $ref: 'Client#' } }, ...problemResponses(401, 403) }
    }
  }, async () => await app.grants.listClients())

  app.get<{ Params: { clientId: string } }>('/clients/:clientId', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'getClient',
      summary: 'One client with its grants',
      security: SECURITY,
      params: { type: 'object', required: ['clientId'], properties: { clientId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } } },
      response: { 200: { description: 'The client', $ref: 'Client#' }, ...problemResponses(400, 401, 403, 404) }
    }
  }, async (request) => {
    const client = await app.grants.findClient(request.params.clientId)
    if (client === undefined) throw new NotFoundError(`No client ${request.params.clientId}`)
    return client
  })
}
