import { randomBytes } from 'node:crypto'
import { startPopulationSimulator, type PopulationSimulator } from '../adapters/population/simulator.js'
import type { Config } from './config.js'

/** Demo mode: the upstream simulators on loopback ports, and the config that points the gateway at them. */

export interface DemoUpstreams {
  config: Config
  population: PopulationSimulator
  close (): Promise<void>
}

export async function startDemoUpstreams (config: Config): Promise<DemoUpstreams> {
  // Fresh credentials each start: the simulator checks the adapter's per-request signature for real.
  const credentials = { username: 'lgsp-demo', secret: randomBytes(24).toString('base64url') }
  const population = await startPopulationSimulator({ credentials, host: '127.0.0.1', port: 0 })
  return {
    config: { ...config, population: { ...config.population, url: population.url, ...credentials } },
    population,
    async close () { await population.close() }
  }
}

export function demoBanner (gatewayUrl: string, upstreams: DemoUpstreams): string {
  const ids = [0, 1, 2].map((index) => upstreams.population.population.citizenAt(index))
  const [first] = ids
  return [
    '',
    'LGSP gateway — demo mode (simulated upstreams on loopback)',
    `  API            ${gatewayUrl}/api/v1`,
    `  Swagger UI     ${gatewayUrl}/docs`,
    `  OpenAPI        ${gatewayUrl}/openapi.json`,
    `  Readiness      ${gatewayUrl}/readyz`,
    `  Population DB  ${upstreams.population.url} (SOAP simulator, ${upstreams.population.population.size} citizens)`,
    '',
    'Demo citizens:',
    ...ids.map((c) => `  ${c.personalId}  ${c.fullName}, born ${c.dateOfBirth}`),
    '',
    'Try:',
    `  curl ${gatewayUrl}/api/v1/citizens/${first?.personalId ?? ''}`,
    `  curl -X POST ${gatewayUrl}/api/v1/citizens/verify -H 'content-type: application/json' \\`,
    `       -d '${JSON.stringify({ personalId: first?.personalId, fullName: first?.fullName, dateOfBirth: first?.dateOfBirth })}'`,
    ''
  ].join('\n')
}
