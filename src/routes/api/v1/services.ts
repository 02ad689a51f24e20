import type { FastifyInstance } from 'fastify'
import { problemResponses } from '../../support/problems.js'
import { SECURITY } from '../../support/schemas.js'

export default async function serviceRoutes (app: FastifyInstance): Promise<void> {
  app.get('/services', {
    config: { authenticated: true },
    schema: {
      tags: ['discovery'],
      operationId: 'listServices',
      summary: 'The services this caller may use',
      description: 'Any valid token. Lists each service granted to the client and present in the token scope, and the open services any client may use (the shared categories), with its purposes, fields, rate limit, operations and response schema.',
      security: SECURITY,
      response: { 200: { description: 'Usable services', $ref: 'ServiceList#' }, ...problemResponses(401, 403) }
    }
  }, async (request) => {
    const caller = request.caller
    if (caller === undefined) throw new Error('authenticated route without caller')
    const services = caller.client.grants
      .flatMap((grant) => {
        const definition = app.services.get(grant.service)
        if (definition === undefined || !caller.scopes.has(grant.service)) return []
        return [{
          service: grant.service,
          title: definition.title,
          personalData: definition.personalData,
          purposes: grant.purposes ?? [],
          ...(grant.fields === undefined ? {} : { fields: grant.fields }),
          rateLimitPerMinute: grant.rateLimitPerMinute ?? caller.client.rateLimitPerMinute ?? app.config.rateLimit.defaultPerMinute,
          operations: app.serviceOperations.get(grant.service) ?? [],
          schema: definition.schema === undefined ? `/api/v1/catalogue/${grant.service}/openapi.json` : `/openapi.json#/components/schemas/${definition.schema}`
        }]
      })
    // open services (reference data) are every registered client's, granted or not
    for (const name of app.services.names) {
      const definition = app.services.get(name)
      if (definition === undefined || !app.services.isOpen(name) || services.some((listed) => listed.service === name)) continue
      services.push({
        service: name,
        title: definition.title,
        personalData: false,
        purposes: [],
        rateLimitPerMinute: caller.client.rateLimitPerMinute ?? app.config.rateLimit.defaultPerMinute,
        operations: app.serviceOperations.get(name) ?? [],
        schema: `/openapi.json#/components/schemas/${definition.schema}`
      })
    }
    return { clientId: caller.clientId, services }
  })
}
