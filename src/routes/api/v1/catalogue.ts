import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotFoundError } from '../../../errors.js'
import type { ServiceAbout } from '../../../services.js'
import { problemResponses } from '../../support/problems.js'
import { SECURITY } from '../../support/schemas.js'

/**
 * The service catalogue: every service of this gateway — built in, declared datasets, agencies' published APIs —
 * with its owner, legal basis, classification, lifecycle and operations, and each one's own OpenAPI document cut
 * from the gateway's (its paths and the components they use), ready for a code generator. Any valid token reads it:
 * knowing a service exists is how an agency asks for it.
 */

const SERVICE_ID = { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$', maxLength: 128 }
const DEFAULT_ABOUT: ServiceAbout = { kind: 'built-in', version: '1.0.0', owner: { name: 'LGSP' }, legalBasis: [], classification: 'internal', lifecycle: { status: 'active' } }

/** The parts of the gateway's OpenAPI document a service's own is cut from. */
interface Document {
  openapi: string
  servers?: unknown[]
  paths: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, unknown>, securitySchemes?: Record<string, unknown> }
}

/** Component names a value refers to ($ref: '#/components/schemas/X'), through the components themselves. */
function referencedSchemas (roots: unknown[], schemas: Record<string, unknown>): Set<string> {
  const found = new Set<string>()
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return
    for (const [key, member] of Object.entries(value)) {
      if (key === '$ref' && typeof member === 'string' && member.startsWith('#/components/schemas/')) {
        const name = member.slice('#/components/schemas/'.length)
        if (!found.has(name)) {
          found.add(name)
          visit(schemas[name])
        }
      } else {
        visit(member)
      }
    }
  }
  roots.forEach(visit)
  return found
}

export default async function catalogueRoutes (app: FastifyInstance): Promise<void> {
  function entry (request: FastifyRequest, service: string): Record<string, unknown> {
    const definition = app.services.get(service)
    if (definition === undefined) throw new NotFoundError(`No service ${service} in the catalogue`)
    const about = definition.about ?? DEFAULT_ABOUT
    const granted = request.caller?.client.grants.some((grant) => grant.service === service) ?? false
    return {
      service,
      title: definition.title,
      ...(about.description === undefined ? {} : { description: about.description }),
      kind: about.kind,
      version: about.version,
      owner: about.owner,
      legalBasis: about.legalBasis,
      classification: about.classification,
      lifecycle: about.lifecycle,
      personalData: definition.personalData,
      operations: app.serviceOperations.get(service) ?? [],
      openapi: `/api/v1/catalogue/${service}/openapi.json`,
      access: {
        grant: service,
        purposeRequired: definition.personalData,
        granted,
        howToRequest: `Ask the platform's administrators for the grant \`${service}\` (owner: ${about.owner.name}), stating your purposes, the fields you need and your legal basis; your token must then carry the scope \`${service}\`.`
      }
    }
  }

  app.get('/catalogue', {
    config: { authenticated: true },
    schema: {
      tags: ['discovery'],
      operationId: 'listCatalogue',
      summary: 'Every service this gateway offers',
      description: 'Any valid token. Built-in services, declared datasets and agencies\' published APIs, with owner, legal basis, classification, lifecycle, operations and how to get access; `access.granted` says whether the caller holds the grant.',
      security: SECURITY,
      response: { 200: { description: 'The catalogue', $ref: 'Catalogue#' }, ...problemResponses(401, 403, 429) }
    }
  }, async (request) => ({ services: app.services.names.map((service) => entry(request, service)) }))

  app.get<{ Params: { serviceId: string } }>('/catalogue/:serviceId', {
    config: { authenticated: true },
    schema: {
      tags: ['discovery'],
      operationId: 'getCatalogueEntry',
      summary: 'One service of the catalogue',
      security: SECURITY,
      params: { type: 'object', required: ['serviceId'], additionalProperties: false, properties: { serviceId: SERVICE_ID } },
      response: { 200: { description: 'The service', $ref: 'CatalogueEntry#' }, ...problemResponses(400, 401, 403, 404, 429) }
    }
  }, async (request) => entry(request, request.params.serviceId))

  app.get<{ Params: { serviceId: string } }>('/catalogue/:serviceId/openapi.json', {
    config: { authenticated: true },
    schema: {
      tags: ['discovery'],
      operationId: 'getServiceOpenApi',
      summary: 'The OpenAPI document of one service, as the gateway exposes it',
      description: 'Its operations at the gateway, with their parameters, bodies, answers and problems, and the components they use: feed it to a code generator.',
      security: SECURITY,
      params: { type: 'object', required: ['serviceId'], additionalProperties: false, properties: { serviceId: SERVICE_ID } },
      response: { 200: { description: 'An OpenAPI 3 document', type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403, 404, 429) }
    }
  }, async (request) => {
    const { serviceId } = request.params
    const described = entry(request, serviceId)
    const whole = app.swagger() as unknown as Document
    const operations = app.serviceOperations.get(serviceId) ?? []
    const paths: Document['paths'] = {}
    for (const { method, path } of operations) {
      const operation = whole.paths[path]?.[method.toLowerCase()]
      if (operation !== undefined) paths[path] = { ...paths[path], [method.toLowerCase()]: operation }
    }
    const schemas = whole.components?.schemas ?? {}
    const used = referencedSchemas([paths], schemas)
    return {
      openapi: whole.openapi,
      info: { title: described.title as string, version: described.version as string, ...(described.description === undefined ? {} : { description: described.description }) },
      ...(whole.servers === undefined ? {} : { servers: whole.servers }),
      paths,
      components: {
        schemas: Object.fromEntries([...used].sort().map((name) => [name, schemas[name]])),
        ...(whole.components?.securitySchemes === undefined ? {} : { securitySchemes: whole.components.securitySchemes })
      }
    }
  })
}
