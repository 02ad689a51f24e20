import fp from 'fastify-plugin'
import { createPopulationClient } from '../../../adapters/population/client.js'
import type { PopulationPort } from '../../../adapters/population/port.js'
import type { PopulationConfig } from '../../config/population.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The national population database, through its adapter. Routes use this port, never the client. */
    population: PopulationPort
  }
}

export default fp<{ config: PopulationConfig }>(async function population (app, { config }) {
  if (config.url === '') throw new Error('population.url is not set (POPULATION_URL, or DEMO=true to use the simulator)')
  const port = createPopulationClient(config)
  app.decorate('population', port)
  app.addHook('onClose', async () => { await port.close() })
}, { name: 'population' })
