import type { FastifyInstance } from 'fastify'
import type { Client, ClientGrant } from '../../../auth/grants.js'
import { NotFoundError, validationError, type FieldError } from '../../../errors.js'
import { grantProblems } from '../../../privacy/grant-rules.js'
import { problemResponses } from '../../support/problems.js'
import type { ServiceRegistry } from '../../../services.js'
import { SECURITY } from '../../support/schemas.js'

/** Clients and grants, kept in the store. Every change is audited like any other admin call. */

const CLIENT_ID = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$', maxLength: 128 }
const SERVICE = { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$', maxLength: 128 }

type Registration = Omit<Client, 'clientId'>

/** Grants naming services this gateway lacks, or rows and options their service cannot honour. */
function invalidGrants (services: ServiceRegistry, grants: readonly ClientGrant[], pointer: (index: number, inside: string) => FieldError): FieldError[] {
  return grants.flatMap((grant, index) => grantProblems(services, grant).map((problem) => ({ ...pointer(index, problem.pointer), detail: problem.detail })))
}

export default async function clientRoutes (app: FastifyInstance): Promise<void> {
  app.get('/clients', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'listClients',
      summary: 'Registered clients with their grants',
      security: SECURITY,
      response: { 200: { description: 'Clients', type: 'array', items: { $ref: 'Client#' } }, ...problemResponses(401, 403, 503) }
    }
  }, async () => await app.clients.listClients())

  app.get<{ Params: { clientId: string } }>('/clients/:clientId', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'getClient',
      summary: 'One client with its grants',
      security: SECURITY,
      params: { type: 'object', required: ['clientId'], properties: { clientId: CLIENT_ID } },
      response: { 200: { description: 'The client', $ref: 'Client#' }, ...problemResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    const client = await app.clients.findClient(request.params.clientId)
    if (client === undefined) throw new NotFoundError(`No client ${request.params.clientId}`)
    return client
  })

  app.put<{ Params: { clientId: string }, Body: Registration }>('/clients/:clientId', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'putClient',
      summary: 'Register a client or replace it with all its grants',
      description: 'Suspending a client (`status: suspended`) refuses its calls at once on this gateway and within GRANTS_CACHE_TTL_MS on the others.',
      security: SECURITY,
      params: { type: 'object', required: ['clientId'], properties: { clientId: CLIENT_ID } },
      body: { $ref: 'ClientRegistration#' },
      response: {
        200: { description: 'Replaced', $ref: 'Client#' },
        201: { description: 'Registered', $ref: 'Client#' },
        ...problemResponses(400, 401, 403, 413, 415, 503)
      }
    }
  }, async (request, reply) => {
    const errors = invalidGrants(app.services, request.body.grants, (index, inside) => ({ in: 'body', pointer: `/grants/${index}${inside}`, detail: '' }))
    const services = request.body.grants.map((grant) => grant.service)
    services.forEach((service, index) => {
      if (services.indexOf(service) !== index) errors.push({ in: 'body', pointer: `/grants/${index}/service`, detail: 'is granted twice' })
    })
    if (errors.length > 0) throw validationError(errors)
    const created = await app.clients.putClient({ clientId: request.params.clientId, ...request.body })
    const client = await app.clients.findClient(request.params.clientId)
    return reply.code(created ? 201 : 200).send(client)
  })

  app.put<{ Params: { clientId: string, service: string }, Body: Omit<ClientGrant, 'service'> }>('/clients/:clientId/grants/:service', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'putGrant',
      summary: 'Grant a service to a client, or replace that grant',
      security: SECURITY,
      params: { type: 'object', required: ['clientId', 'service'], properties: { clientId: CLIENT_ID, service: SERVICE } },
      body: { $ref: 'GrantRegistration#' },
      response: { 200: { description: 'The client with its grants', $ref: 'Client#' }, ...problemResponses(400, 401, 403, 404, 413, 415, 503) }
    }
  }, async (request) => {
    const { clientId, service } = request.params
    const errors = invalidGrants(app.services, [{ service, ...request.body }],
      (_, inside) => inside === '/service' ? { in: 'params', pointer: '/service', detail: '' } : { in: 'body', pointer: inside, detail: '' })
    if (errors.length > 0) throw validationError(errors)
    if (!await app.clients.putGrant(clientId, { service, ...request.body })) throw new NotFoundError(`No client ${clientId}`)
    return await app.clients.findClient(clientId)
  })

  app.delete<{ Params: { clientId: string, service: string } }>('/clients/:clientId/grants/:service', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'revokeGrant',
      summary: 'Revoke one grant',
      security: SECURITY,
      params: { type: 'object', required: ['clientId', 'service'], properties: { clientId: CLIENT_ID, service: SERVICE } },
      // no body is taken, but one sent is still read: too large (413) or not JSON (415)
      response: { 204: { description: 'Revoked', type: 'null' }, ...problemResponses(400, 401, 403, 404, 413, 415, 503) }
    }
  }, async (request, reply) => {
    const { clientId, service } = request.params
    if (!await app.clients.revokeGrant(clientId, service)) throw new NotFoundError(`Client ${clientId} has no grant ${service}`)
    return reply.code(204).send()
  })
}
