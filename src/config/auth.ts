import { invalid, requireUnlessDemo, type EnvOf } from './env.js'

/** Who may call: the identity provider's tokens, and the clients' grants. */

export const AUTH_ENV = {
  AUTH_ISSUER: { type: 'string', minLength: 1 },
  AUTH_AUDIENCE: { type: 'string', minLength: 1 },
  AUTH_JWKS_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
  AUTH_JWKS_FILE: { type: 'string', minLength: 1 },
  AUTH_JWKS_CACHE_MAX_AGE_MS: { type: 'integer', minimum: 0, default: 600000 },
  AUTH_JWKS_COOLDOWN_MS: { type: 'integer', minimum: 0, default: 30000 },
  AUTH_CLOCK_TOLERANCE_S: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
  AUTH_TOKEN_CACHE_SIZE: { type: 'integer', minimum: 0, maximum: 1000000, default: 10000 },
  AUTH_TOKEN_CACHE_TTL_MS: { type: 'integer', minimum: 0, maximum: 3600000, default: 60000 },
  GRANTS_FILE: { type: 'string', minLength: 1 },
  GRANTS_CACHE_TTL_MS: { type: 'integer', minimum: 0, maximum: 600000, default: 5000 }
} as const

export interface AuthConfig {
  issuer: string
  audience: string
  /** Exactly one of jwksUrl (fetched, cached, refetched on an unknown kid) and jwksFile (public keys on disk). */
  jwksUrl?: string
  jwksFile?: string
  jwksCacheMaxAgeMs: number
  jwksCooldownMs: number
  clockToleranceSeconds: number
  /** Verified tokens remembered (0 = none) and for how long at most (never past exp or the JWKS cache age). */
  tokenCache: { max: number, ttlMs: number }
  /** Clients and grants (JSON or YAML) added to the store at start when not yet registered there. */
  grantsFile?: string
  /** How long a gateway may keep using a client's grants after another gateway changed them. */
  grantsCacheTtlMs: number
}

/** In demo mode the demo issuer, keys and grants are filled in by server.ts. */
export function readAuth (raw: EnvOf<typeof AUTH_ENV>, { demo }: { demo: boolean }): AuthConfig {
  if (!demo) {
    requireUnlessDemo(raw, ['AUTH_ISSUER', 'AUTH_AUDIENCE'])
    if ((raw.AUTH_JWKS_URL === undefined) === (raw.AUTH_JWKS_FILE === undefined)) invalid('set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE')
  }
  return {
    issuer: raw.AUTH_ISSUER ?? '',
    audience: raw.AUTH_AUDIENCE ?? '',
    ...(raw.AUTH_JWKS_URL === undefined ? {} : { jwksUrl: raw.AUTH_JWKS_URL }),
    ...(raw.AUTH_JWKS_FILE === undefined ? {} : { jwksFile: raw.AUTH_JWKS_FILE }),
    jwksCacheMaxAgeMs: raw.AUTH_JWKS_CACHE_MAX_AGE_MS,
    jwksCooldownMs: raw.AUTH_JWKS_COOLDOWN_MS,
    clockToleranceSeconds: raw.AUTH_CLOCK_TOLERANCE_S,
    tokenCache: { max: raw.AUTH_TOKEN_CACHE_SIZE, ttlMs: raw.AUTH_TOKEN_CACHE_TTL_MS },
    ...(raw.GRANTS_FILE === undefined ? {} : { grantsFile: raw.GRANTS_FILE }),
    grantsCacheTtlMs: raw.GRANTS_CACHE_TTL_MS
  }
}
