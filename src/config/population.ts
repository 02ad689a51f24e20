import type { PopulationClientOptions } from '../../adapters/population/client.js'
import { requireUnlessDemo, type EnvOf } from './env.js'
import type { UpstreamResilience } from './resilience.js'

/** The national population database (SOAP). Setting POPULATION_URL is what turns demo mode off. */

export const POPULATION_ENV = {
  POPULATION_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
  POPULATION_USERNAME: { type: 'string', minLength: 1 },
  POPULATION_SECRET: { type: 'string', minLength: 8 },
  POPULATION_INTEGRATION_CODE: { type: 'string', minLength: 1, default: 'LGSP' },
  POPULATION_AGENCY_CODE: { type: 'string', minLength: 1, default: 'H23' },
  POPULATION_SERVICE_CODE: { type: 'string', minLength: 1, default: 'LGSP-TRACUU' },
  POPULATION_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 64 },
  POPULATION_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
  POPULATION_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 }
} as const

/** The population adapter's options; `url` is empty in demo mode until the simulator is up. */
export type PopulationConfig = PopulationClientOptions

export function readPopulation (raw: EnvOf<typeof POPULATION_ENV>, { demo, resilience }: { demo: boolean, resilience: UpstreamResilience }): PopulationConfig {
  if (!demo) requireUnlessDemo(raw, ['POPULATION_URL', 'POPULATION_USERNAME', 'POPULATION_SECRET'])
  return {
    url: raw.POPULATION_URL ?? '',
    username: raw.POPULATION_USERNAME ?? '',
    secret: raw.POPULATION_SECRET ?? '',
    integrationCode: raw.POPULATION_INTEGRATION_CODE,
    agencyCode: raw.POPULATION_AGENCY_CODE,
    serviceCode: raw.POPULATION_SERVICE_CODE,
    connections: raw.POPULATION_CONNECTIONS,
    connectTimeoutMs: raw.POPULATION_CONNECT_TIMEOUT_MS,
    timeoutMs: raw.POPULATION_TIMEOUT_MS,
    resilience
  }
}
