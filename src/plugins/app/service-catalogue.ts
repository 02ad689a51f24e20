import fp from 'fastify-plugin'
import { datasetServices } from '../../sector/dataset-schemas.js'
import { publishedDefinitions } from '../../published/definitions.js'
import { serviceRegistry, type ServiceRegistry } from '../../services.js'

export interface ServiceOperation {
  method: string
  /** OpenAPI-style path, e.g. /api/v1/citizens/{personalId} */
  path: string
  operationId?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every grantable service: the API's own, one per declared sector dataset, and the published ones. */
    services: ServiceRegistry
    /** Which routes serve which grant, read from the routes themselves as they are registered. */
    serviceOperations: ReadonlyMap<string, ServiceOperation[]>
  }
}

export default fp(async function serviceCatalogue (app) {
  app.decorate('services', serviceRegistry({ ...datasetServices(app.sector.datasets), ...publishedDefinitions(app.published.services) }))
  const operations = new Map<string, ServiceOperation[]>()
  app.decorate('serviceOperations', operations)
  app.addHook('onRoute', (route) => {
    const service = route.config?.service
    if (service === undefined) return
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue
      const operationId = (route.schema as { operationId?: string } | undefined)?.operationId
      const list = operations.get(service) ?? []
      list.push({ method, path: route.url.replace(/:([A-Za-z]+)/g, '{$1}'), ...(operationId === undefined ? {} : { operationId }) })
      operations.set(service, list)
    }
  })
}, { name: 'service-catalogue', dependencies: ['sector', 'published'] })
