import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export const API_INFO = {
  title: 'Provincial data-sharing gateway (LGSP)',
  version: '1.0.0',
  description: 'One shared-data REST API in front of the national population database, the provincial ' +
    'administrative-procedure system and sector databases. Errors are RFC 9457 problem details.'
}

/** OpenAPI generated from the routes' schemas; Swagger UI for administrators at /docs. */
export default fp(async function openapi (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: API_INFO,
      tags: [
        { name: 'citizens', description: 'National population database' },
        { name: 'operations', description: 'Probes for operators and orchestrators' }
      ]
    },
    // Shared schemas keep their $id as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, displayRequestDuration: true } })
}, { name: 'openapi' })
