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
        { name: 'procedures', description: 'Administrative-procedure catalogue of the provincial one-stop system' },
        { name: 'dossiers', description: 'Dossiers of the provincial one-stop system' },
        { name: 'discovery', description: 'What the caller may use' },
        { name: 'admin', description: 'Administration (admin clients, admin scope)' },
        { name: 'audit', description: 'The tamper-evident audit trail and the data subject\'s access report (admin)' },
        { name: 'operations', description: 'Probes for operators and orchestrators' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A JWT for your client (sub = client id, scope = granted services), RS256/ES256/EdDSA with a kid from the gateway\'s JWKS. In demo mode, `npm run token` prints one.'
          }
        }
      }
    },
    // Shared schemas keep their $id as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, displayRequestDuration: true, persistAuthorization: true } })
}, { name: 'openapi' })
