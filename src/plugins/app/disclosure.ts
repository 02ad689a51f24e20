import fp from 'fastify-plugin'
import { createDisclosure, type Disclosure } from '../../privacy/disclosure.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Row conditions, field minimisation and data-subject recording, in one step every answer passes through. */
    disclosure: Disclosure
  }
}

/** `cursorSecret`: shared by the gateways behind one balancer, so each opens the cursors the others sealed. */
export default fp<{ cursorSecret?: string }>(async function disclosure (app, { cursorSecret }) {
  app.decorateRequest('dataSubjects', null)
  app.decorateRequest('disclosed', false)
  app.decorate('disclosure', createDisclosure(app.services, cursorSecret === undefined ? {} : { cursorSecret }))
}, { name: 'disclosure', dependencies: ['service-catalogue'] })
