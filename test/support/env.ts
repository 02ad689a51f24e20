import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import type { IdentityFiles } from './identity.js'
import { AUDIENCE, ISSUER } from './identity.js'
import { redisEnv } from './redis.js'
import { TEST_CREDENTIALS, TEST_PROCEDURES_KEY, TEST_SECTOR_KEY } from './upstreams.js'

/** The environments of production-shaped (demo off) gateways and sync workers on the support module's parts. */

/** The gateways' own signing key in tests (Ed25519, test only): audit checkpoints, archives, signed responses. */
export const TEST_GATEWAY_KEY_FILE = join(projectRoot, 'test', 'support', 'gateway-signing-key.pem')

/** The variables every production-shaped configuration shares, on this population simulator. */
export function productionEnv (populationUrl: string): Record<string, string> {
  return {
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    POPULATION_URL: populationUrl,
    POPULATION_USERNAME: TEST_CREDENTIALS.username,
    POPULATION_SECRET: TEST_CREDENTIALS.secret,
    PROCEDURES_URL: 'http://127.0.0.1:9/api',
    PROCEDURES_API_KEY: TEST_PROCEDURES_KEY,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    SECTOR_CURSOR_SECRET: 'sector-cursor-secret-for-tests',
    GATEWAY_SIGNING_KEY_FILE: TEST_GATEWAY_KEY_FILE,
    SECTOR_UPSTREAM_HEALTH_URL: 'http://127.0.0.1:9/api',
    SECTOR_UPSTREAM_HEALTH_API_KEY: TEST_SECTOR_KEY,
    // the published example services (services/): their providers are started only by the tests about them
    ...PUBLISHED_EXAMPLES_UNREACHABLE
  }
}

/** Settings of the two published example services that boot a gateway without their providers (nothing listens on port 9). */
export const PUBLISHED_EXAMPLES_UNREACHABLE: Record<string, string> = {
  PUBLISHED_TUPHAP_HO_TICH_URL: 'http://127.0.0.1:9/api/v1',
  PUBLISHED_TUPHAP_HO_TICH_TOKEN_URL: 'http://127.0.0.1:9/oauth/token',
  PUBLISHED_TUPHAP_HO_TICH_CLIENT_ID: 'lgsp-test',
  PUBLISHED_TUPHAP_HO_TICH_CLIENT_SECRET: 'test-civil-status-secret',
  PUBLISHED_KHCN_DIA_CHI_SO_URL: 'http://127.0.0.1:9/api',
  PUBLISHED_KHCN_DIA_CHI_SO_API_KEY: 'test-digital-address-key'
}

export interface GatewayEnvOptions {
  upstreams: { populationUrl: string, proceduresUrl: string }
  identity: IdentityFiles
  redis: { url: string, prefix: string }
}

/** A gateway on these simulators, verifying this identity's tokens, every Redis key under the prefix. Add the store's variables. */
export function gatewayEnv ({ upstreams, identity, redis }: GatewayEnvOptions): Record<string, string> {
  return {
    ...productionEnv(upstreams.populationUrl),
    PROCEDURES_URL: upstreams.proceduresUrl,
    AUTH_JWKS_FILE: identity.jwksFile,
    GRANTS_FILE: identity.grantsFile,
    ...redisEnv(redis.url, redis.prefix)
  }
}

/** A sync worker on this population simulator and Redis (queues under `prefix`), with this store; `extra` last. */
export function workerEnv (options: { populationUrl: string, redisUrl: string, prefix: string, store: Record<string, string>, extra?: Record<string, string> }): Record<string, string> {
  return {
    ...productionEnv(options.populationUrl),
    LOG_LEVEL: 'info',
    AUTH_JWKS_FILE: '/nonexistent/jwks.json',
    REDIS_URL: options.redisUrl,
    SYNC_QUEUE_PREFIX: options.prefix,
    ...options.store,
    ...options.extra
  }
}
