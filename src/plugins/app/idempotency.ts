import fp from 'fastify-plugin'
import { createIdempotencyStore, type IdempotencyStore } from '../../store/idempotency.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotency-Key claims and kept answers of writes, shared by every gateway on the store. */
    idempotency: IdempotencyStore
  }
}

export default fp<{ ttlHours: number }>(async function idempotency (app, { ttlHours }) {
  app.decorate('idempotency', createIdempotencyStore(app.store, { ttlHours }))
}, { name: 'idempotency', dependencies: ['store'] })
