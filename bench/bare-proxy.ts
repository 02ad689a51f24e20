import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { DIGITAL_ADDRESS_SERVICE } from '../adapters/digital-address/simulator.js'
import { createPopulationClient } from '../adapters/population/client.js'
import { createPublishedClient, type PublishedClient } from '../adapters/published/client.js'
import { loadPublishedServices } from '../adapters/published/loader.js'
import { NoSuchRecordError } from '../adapters/shared/errors.js'
import { DEFAULT_SERVICES_DIR, schemasDir } from '../src/paths.js'
import type { BareProxyPopulation, BareProxyPublished } from './children.js'

/**
 * The floor under the gateway in bench/gateway.ts: Fastify, one route, and the population adapter the gateway uses
 * (undici Pool, signed SOAP request, envelope parsed and mapped to a citizen), nothing else — no JWT, grant,
 * purpose, rate limit, response schema, field filter or audit. What the gateway adds is then the difference
 * between the two.
 *
 *   GET /citizens/{personalId} → 200 the citizen as JSON | 404
 *
 * With `published`, the same floor under a published REST operation (issue #17): the declaration of
 * khcn.dia-chi-so loaded from services/ as the gateway loads it, and the client the gateway calls it with
 * (adapters/published/client.ts: undici Pool, API key, deadline, breaker, the answer checked against the
 * provider's schema), with the gateway's default resilience settings — no JWT, grant, purpose, audit or disclosure.
 *
 *   GET /dia-chi/{maDiaChi} → 200 the provider's answer (traCuuDiaChiSo) as JSON | 404
 *
 * Started in a process of its own by startBareProxyProcess (bench/children.ts).
 */

export interface BareProxy {
  /** The origin, http://127.0.0.1:port. */
  url: string
  close (): Promise<void>
}

/** The published client and operation of khcn.dia-chi-so's traCuuDiaChiSo, as the gateway builds them. */
async function digitalAddressLookup (published: BareProxyPublished): Promise<{ client: PublishedClient, call: (maDiaChi: string) => Promise<unknown> }> {
  const service = (await loadPublishedServices(DEFAULT_SERVICES_DIR, schemasDir)).find((candidate) => candidate.declaration.service === DIGITAL_ADDRESS_SERVICE)
  const operation = service?.operations.find((candidate) => candidate.declaration.operationId === 'traCuuDiaChiSo')
  if (service === undefined || operation === undefined) throw new Error(`no published operation ${DIGITAL_ADDRESS_SERVICE} traCuuDiaChiSo in ${DEFAULT_SERVICES_DIR}`)
  const client = createPublishedClient(service, { secrets: { apiKey: published.apiKey }, urls: [published.url] })
  return {
    client,
    call: async (maDiaChi) => (await client.call(operation, { path: { maDiaChi }, query: {}, headers: {} }, { requestId: randomUUID() })).body
  }
}

export async function startBareProxy (population: BareProxyPopulation, published?: BareProxyPublished): Promise<BareProxy> {
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

  if (published !== undefined) {
    const lookup = await digitalAddressLookup(published)
    app.addHook('onClose', async () => { await lookup.client.close() })
    app.get<{ Params: { maDiaChi: string } }>('/dia-chi/:maDiaChi', async (request, reply) => {
      try {
        return await lookup.call(request.params.maDiaChi)
      } catch (err) {
        if (err instanceof NoSuchRecordError) return await reply.code(404).send({ title: 'Not Found' })
        throw err
      }
    })
  }

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the bare proxy has no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close: async () => { await app.close() } }
}
