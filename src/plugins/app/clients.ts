import fp from 'fastify-plugin'
import { loadGrantsFile } from '../../auth/grants.js'
import { createClientRegistry, type ClientRegistry } from '../../auth/stored-grants.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Registered clients and their grants, in the store; the admin API writes them. */
    clients: ClientRegistry
  }
}

/** GRANTS_FILE seeds the clients the store does not hold yet; after that the admin API is the source of truth. */
export default fp<{ grantsFile?: string, cacheTtlMs: number }>(async function clients (app, { grantsFile, cacheTtlMs }) {
  const registry = createClientRegistry(app.store, { cacheTtlMs })
  if (grantsFile !== undefined) {
    const added = await registry.importClients(await loadGrantsFile(grantsFile))
    if (added > 0) app.log.info({ added, grantsFile }, 'clients seeded from the grants file')
  }
  app.decorate('clients', registry)
}, { name: 'clients', dependencies: ['store'] })
