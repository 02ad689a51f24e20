import fp from 'fastify-plugin'
import { GrantsFileError, loadGrantsFile } from '../../auth/grants.js'
import { grantProblems } from '../../privacy/grant-rules.js'
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
    const clients = await loadGrantsFile(grantsFile)
    for (const client of clients) {
      for (const [index, grant] of client.grants.entries()) {
        // a service this gateway lacks (a dataset not declared here) is tolerated, as before; what a grant says of a known one is not
        const [problem] = grantProblems(app.services, grant).filter((found) => found.pointer !== '/service')
        if (problem !== undefined) throw new GrantsFileError(`${grantsFile}: client ${client.clientId}, grants/${index}${problem.pointer} ${problem.detail}`)
      }
    }
    const added = await registry.importClients(clients)
    if (added > 0) app.log.info({ added, grantsFile }, 'clients seeded from the grants file')
  }
  app.decorate('clients', registry)
}, { name: 'clients', dependencies: ['store', 'service-catalogue'] })
