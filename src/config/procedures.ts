import type { ProceduresClientOptions } from '../../adapters/procedures/client.js'
import { requireUnlessDemo, type EnvOf } from './env.js'
import type { UpstreamResilience } from './resilience.js'

/** The one-stop-shop system (TTHC procedures and dossiers, JSON). */

export const PROCEDURES_ENV = {
  PROCEDURES_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
  PROCEDURES_API_KEY: { type: 'string', minLength: 8 },
  PROCEDURES_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
  PROCEDURES_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
  PROCEDURES_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 }
} as const

/** The procedures adapter's options; `url` is empty in demo mode until the simulator is up. */
export type ProceduresConfig = ProceduresClientOptions

export function readProcedures (raw: EnvOf<typeof PROCEDURES_ENV>, { demo, resilience }: { demo: boolean, resilience: UpstreamResilience }): ProceduresConfig {
  if (!demo) requireUnlessDemo(raw, ['PROCEDURES_URL', 'PROCEDURES_API_KEY'])
  return {
    url: raw.PROCEDURES_URL ?? '',
    apiKey: raw.PROCEDURES_API_KEY ?? '',
    connections: raw.PROCEDURES_CONNECTIONS,
    connectTimeoutMs: raw.PROCEDURES_CONNECT_TIMEOUT_MS,
    timeoutMs: raw.PROCEDURES_TIMEOUT_MS,
    resilience
  }
}
