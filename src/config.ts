import { envSchema } from 'env-schema'

/**
 * The gateway's whole configuration, read once from the environment at start and passed down.
 * Nothing else reads process.env.
 */

const ENV_SCHEMA = {
  type: 'object',
  properties: {
    HOST: { type: 'string', minLength: 1, default: 'localhost' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 10485760, default: 65536 },
    DEMO: { type: 'boolean' },
    POPULATION_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
    POPULATION_USERNAME: { type: 'string', minLength: 1 },
    POPULATION_SECRET: { type: 'string', minLength: 8 },
    POPULATION_INTEGRATION_CODE: { type: 'string', minLength: 1, default: 'LGSP' },
    POPULATION_AGENCY_CODE: { type: 'string', minLength: 1, default: 'H23' },
    POPULATION_SERVICE_CODE: { type: 'string', minLength: 1, default: 'LGSP-TRACUU' },
    POPULATION_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 64 },
    POPULATION_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
    POPULATION_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 }
  }
} as const

interface RawEnv {
  HOST: string
  PORT: number
  LOG_LEVEL: string
  BODY_LIMIT_BYTES: number
  DEMO?: boolean
  POPULATION_URL?: string
  POPULATION_USERNAME?: string
  POPULATION_SECRET?: string
  POPULATION_INTEGRATION_CODE: string
  POPULATION_AGENCY_CODE: string
  POPULATION_SERVICE_CODE: string
  POPULATION_CONNECTIONS: number
  POPULATION_CONNECT_TIMEOUT_MS: number
  POPULATION_TIMEOUT_MS: number
}

export interface PopulationConfig {
  /** SOAP endpoint of the national population database. Empty in demo mode until the simulator is up. */
  url: string
  username: string
  secret: string
  integrationCode: string
  agencyCode: string
  serviceCode: string
  connections: number
  connectTimeoutMs: number
  timeoutMs: number
}

export interface Config {
  host: string
  port: number
  logLevel: string
  bodyLimitBytes: number
  /** Demo mode: simulated upstreams on loopback, demo credentials. On when no upstream is configured. */
  demo: boolean
  population: PopulationConfig
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig (env: NodeJS.ProcessEnv): Config {
  let raw: RawEnv
  try {
    raw = envSchema<RawEnv>({ schema: structuredClone(ENV_SCHEMA), data: env, env: false, dotenv: false })
  } catch (err) {
    const problems = ((err as { errors?: Array<{ instancePath: string, message?: string }> }).errors ?? [])
      .map(({ instancePath, message }) => {
        const name = instancePath.slice(1)
        return `${name} ${message ?? 'is invalid'} (got ${JSON.stringify(env[name])})`
      })
    throw new ConfigError(`Invalid configuration: ${problems.join('; ') || (err as Error).message}`)
  }

  const demo = raw.DEMO ?? raw.POPULATION_URL === undefined
  if (!demo) {
    for (const name of ['POPULATION_URL', 'POPULATION_USERNAME', 'POPULATION_SECRET'] as const) {
      if (raw[name] === undefined) throw new ConfigError(`Invalid configuration: ${name} is required unless DEMO=true`)
    }
  }

  return {
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    demo,
    population: {
      url: raw.POPULATION_URL ?? '',
      username: raw.POPULATION_USERNAME ?? '',
      secret: raw.POPULATION_SECRET ?? '',
      integrationCode: raw.POPULATION_INTEGRATION_CODE,
      agencyCode: raw.POPULATION_AGENCY_CODE,
      serviceCode: raw.POPULATION_SERVICE_CODE,
      connections: raw.POPULATION_CONNECTIONS,
      connectTimeoutMs: raw.POPULATION_CONNECT_TIMEOUT_MS,
      timeoutMs: raw.POPULATION_TIMEOUT_MS
    }
  }
}
