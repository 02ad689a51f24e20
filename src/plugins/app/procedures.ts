import fp from 'fastify-plugin'
import { createProceduresClient } from '../../../adapters/procedures/client.js'
import type { ProceduresPort } from '../../../adapters/procedures/port.js'
import type { ProceduresConfig } from '../../config/procedures.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The provincial administrative-procedure (one-stop) system, through its adapter. */
    procedures: ProceduresPort
  }
}

export default fp<{ config: ProceduresConfig }>(async function procedures (app, { config }) {
  if (config.url === '') throw new Error('procedures.url is not set (PROCEDURES_URL, or DEMO=true to use the simulator)')
  const port = createProceduresClient(config)
  app.decorate('procedures', port)
  app.addHook('onClose', async () => { await port.close() })
}, { name: 'procedures' })
