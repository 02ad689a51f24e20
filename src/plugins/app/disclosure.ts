import fp from 'fastify-plugin'
import { createDisclosure, type Disclosure } from '../../privacy/disclosure.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Row conditions, field minimisation and data-subject recording, in one step every answer passes through. */
    disclosure: Disclosure
  }
}

export default fp(async function disclosure (app) {
  app.decorateRequest('dataSubjects', null)
  app.decorateRequest('disclosed', false)
  app.decorate('disclosure', createDisclosure(app.services))
}, { name: 'disclosure', dependencies: ['service-catalogue'] })
