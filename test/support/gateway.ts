import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { startCivilStatusSimulator, type CivilStatusSimulator } from '../../adapters/civil-status/simulator.js'
import { startDigitalAddressSimulator, type DigitalAddressSimulator } from '../../adapters/digital-address/simulator.js'
import type { PopulationSimulator } from '../../adapters/population/simulator.js'
import type { ProceduresSimulator } from '../../adapters/procedures/simulator.js'
import { seedSectorTables } from '../../adapters/sector/seed.js'
import { startSectorRestSimulator, type SectorRestSimulator } from '../../adapters/sector/simulator.js'
import { buildApp } from '../../src/app.js'
import type { Client } from '../../src/auth/grants.js'
import { loadConfig, type Config } from '../../src/config/index.js'
import { gatewayEnv, productionEnv } from './env.js'
import { identityFiles, signTestToken, TEST_CLIENTS, type TokenOptions } from './identity.js'
import { redisPrefix, testRedisUrl } from './redis.js'
import { testStoreEnv } from './store.js'
import type { Teardown } from './teardown.js'
import { startUpstreams, TEST_SECTOR_KEY } from './upstreams.js'

/**
 * A gateway for a test: built in the test's process (fastify.inject) against its own simulators, JWKS and grants
 * files, a real Redis under a key prefix of its own and a store of its own — all removed by teardown; or the
 * environment of one started as a process.
 */

/** A production-shaped config (demo off) for the given endpoints and files. */
export function testConfig (populationUrl: string, env: Record<string, string> = {}): Config {
  const jwks = env.AUTH_JWKS_URL === undefined ? { AUTH_JWKS_FILE: env.AUTH_JWKS_FILE ?? '/nonexistent/jwks.json' } : {}
  return loadConfig({
    ...productionEnv(populationUrl),
    POPULATION_TIMEOUT_MS: '1000',
    PROCEDURES_TIMEOUT_MS: '1000',
    REDIS_URL: 'redis://127.0.0.1:6379',
    SECTOR_UPSTREAM_HEALTH_TIMEOUT_MS: '1000',
    ...(env.DATABASE_URL === undefined ? { STORE_DIR: '/nonexistent/store' } : {}),
    ...env,
    ...jwks
  })
}

export interface TestGateway {
  app: FastifyInstance
  simulator: PopulationSimulator
  procedures: ProceduresSimulator
  /** The health-facility register behind the REST dataset health/facilities. */
  sectorRest: SectorRestSimulator
  /** The published examples' providers, when asked for. */
  published?: PublishedExamples['simulators']
  redisUrl: string
  /** The store settings it uses: pass them in `env` to build a second gateway on the same store. */
  storeEnv: Record<string, string>
  /** Authorization and X-Purpose headers for a client (defaults: VN.TEST.FULL, purpose TTHC). */
  headers (options?: TokenOptions & { purpose?: string | null }): Promise<Record<string, string>>
}

export interface TestGatewayOptions {
  env?: Record<string, string>
  logger?: Logger
  clients?: Client[]
  /** Create and fill the land and enterprise tables in the gateway's store (the SQL datasets read them). */
  seedSector?: boolean
  /** Start the providers of the published example services (services/) and point the gateway at them. */
  publishedExamples?: boolean
}

const STORE_VARIABLES = ['DATABASE_URL', 'DATABASE_SCHEMA', 'STORE_DIR']

export async function buildTestGateway (t: Teardown, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const { population: simulator, procedures } = await startUpstreams(t)
  const sectorRest = await startSectorRestSimulator({ apiKey: TEST_SECTOR_KEY })
  t.teardown(() => sectorRest.close())
  // a gateway may be given another one's Redis (gateways sharing state); otherwise the test's own
  const redisUrl = options.env?.REDIS_URL ?? await testRedisUrl(t)
  const given = Object.fromEntries(Object.entries(options.env ?? {}).filter(([name]) => STORE_VARIABLES.includes(name)))
  const storeEnv = Object.keys(given).length > 0 ? given : await testStoreEnv(t)
  const { AUTH_JWKS_FILE: jwksFile, ...env } = gatewayEnv({
    upstreams: { populationUrl: simulator.url, proceduresUrl: procedures.url },
    identity: await identityFiles(t, options.clients ?? TEST_CLIENTS),
    redis: { url: redisUrl, prefix: await redisPrefix(t, redisUrl) }
  })
  const published = options.publishedExamples === true ? await startPublishedExamples(t) : undefined
  const config = testConfig(simulator.url, {
    // load shedding is not under test unless a test sets it (test/under-pressure.test.ts): the tests' gateways share
    // one process with their simulators and each other, so another gateway's start-up (schema compilation) delays
    // this one's event loop past 1 s on a busy 2-core machine
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
    ...storeEnv,
    ...published?.env,
    SECTOR_UPSTREAM_HEALTH_URL: sectorRest.url,
    // a JWKS URL given instead of the file
    ...(options.env?.AUTH_JWKS_URL === undefined ? { AUTH_JWKS_FILE: jwksFile as string } : {}),
    ...options.env
  })
  const app = await buildApp(config, options.logger === undefined ? {} : { logger: options.logger })
  t.teardown(() => app.close())
  if (options.seedSector === true) await seedSectorTables(app.store)
  return {
    app,
    simulator,
    procedures,
    sectorRest,
    ...(published === undefined ? {} : { published: published.simulators }),
    redisUrl,
    storeEnv,
    async headers (tokenOptions = {}) {
      const { purpose = 'TTHC', ...rest } = tokenOptions
      return {
        authorization: `Bearer ${await signTestToken(rest)}`,
        ...(purpose === null ? {} : { 'x-purpose': purpose })
      }
    }
  }
}

export interface PublishedExamples {
  simulators: { civilStatus: CivilStatusSimulator, digitalAddress: DigitalAddressSimulator }
  /** PUBLISHED_* settings pointing a gateway at them. */
  env: Record<string, string>
}

/** The providers of the two published example services, with the settings that point a gateway at them. */
export async function startPublishedExamples (t: Teardown): Promise<PublishedExamples> {
  const credentials = { clientId: 'lgsp-test', clientSecret: 'test-civil-status-secret' }
  const civilStatus = await startCivilStatusSimulator({ credentials })
  t.teardown(() => civilStatus.close())
  const digitalAddress = await startDigitalAddressSimulator({ apiKey: 'test-digital-address-key' })
  t.teardown(() => digitalAddress.close())
  return {
    simulators: { civilStatus, digitalAddress },
    env: {
      PUBLISHED_TUPHAP_HO_TICH_URL: civilStatus.url,
      PUBLISHED_TUPHAP_HO_TICH_TOKEN_URL: civilStatus.tokenUrl,
      PUBLISHED_TUPHAP_HO_TICH_CLIENT_ID: credentials.clientId,
      PUBLISHED_TUPHAP_HO_TICH_CLIENT_SECRET: credentials.clientSecret,
      PUBLISHED_KHCN_DIA_CHI_SO_URL: digitalAddress.url,
      PUBLISHED_KHCN_DIA_CHI_SO_API_KEY: 'test-digital-address-key'
    }
  }
}

/**
 * The environment of a production-shaped gateway process (demo off) on these simulators, with test keys and
 * clients, a real Redis under a prefix of its own, and a store of its own; rate limits far above the test's load.
 */
export async function gatewayProcessEnv (t: Teardown, upstreams: { populationUrl: string, proceduresUrl: string }): Promise<Record<string, string>> {
  const redisUrl = await testRedisUrl(t)
  return {
    ...gatewayEnv({ upstreams, identity: await identityFiles(t), redis: { url: redisUrl, prefix: await redisPrefix(t, redisUrl) } }),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...await testStoreEnv(t)
  }
}
