import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { createPopulationClient } from '../adapters/population/client.js'
import type { BareProxyPopulation } from './children.js'

/**
 * The floor under the gateway in bench/gateway.ts: Fastify, one route, and the population adapter the gateway uses
 * (undici Pool, signed SOAP request, envelope parsed and mapped to a citizen), nothing else — no JWT, grant,
 * purpose, rate limit, response schema, field filter or audit. What the gateway adds is then the difference
 * between the two.
 *
 *   GET /citizens/{personalId} → 200 the citizen as JSON | 404
 *
 * Started in a process of its own by startBareProxyProcess (bench/children.ts).
 */

export interface BareProxy {
  /** The origin, http://127.0.0.1:port. */
  url: string
  close (): Promise<void>
}

export async function startBareProxy (population: BareProxyPopulation): Promise<BareProxy> {
  const client = createPopulationClient({
    url: population.url,
    username: population.username,
    secret: population.secret,
    // the gateway's defaults (POPULATION_INTEGRATION_CODE, _AGENCY_CODE, _SERVICE_CODE, _CONNECT_TIMEOUT_MS, _TIMEOUT_MS)
    integrationCode: 'LGSP',
    agencyCode: 'H23',
    serviceCode: 'LGSP-TRACUU',
    connections: population.connections,
    connectTimeoutMs: 1000,
    timeoutMs: 5000
  })
  const app = Fastify({ logger: false })
  app.addHook('onClose', async () => { await client.close() })

  app.get<{ Params: { personalId: string } }>('/citizens/:personalId', async (request, reply) => {
    const citizen = await client.findCitizenByPersonalId(request.params.personalId, { requestId: randomUUID() })
    if (citizen === undefined) return await reply.code(404).send({ title: 'Not Found' })
    return citizen
  })

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the bare proxy has no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close: async () => { await app.close() } }
}
