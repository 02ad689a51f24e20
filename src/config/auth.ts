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
  // the demo token lives 12 h, so never below that by default; at most 30 days
  AUTH_MAX_TOKEN_TTL_S: { type: 'integer', minimum: 60, maximum: 2592000, default: 86400 },
  // refusals of callers without a valid token, per address and minute, before they are refused unheard (429)
  ANON_RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, maximum: 1000000, default: 120 },
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
  /** The longest a token may live: exp − iat when it has an iat, and exp − now in any case. */
  maxTokenTtlSeconds: number
  /**
   * Failed authentications one caller address (request.ip, so behind TRUST_PROXY) may cause per minute on one
   * gateway; past it, calls from that address are refused with 429 before any token is checked, except with a
   * token this gateway has already verified.
   */
  anonymousPerMinute: number
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
    maxTokenTtlSeconds: raw.AUTH_MAX_TOKEN_TTL_S,
    anonymousPerMinute: raw.ANON_RATE_LIMIT_PER_MINUTE,
    tokenCache: { max: raw.AUTH_TOKEN_CACHE_SIZE, ttlMs: raw.AUTH_TOKEN_CACHE_TTL_MS },
    ...(raw.GRANTS_FILE === undefined ? {} : { grantsFile: raw.GRANTS_FILE }),
    grantsCacheTtlMs: raw.GRANTS_CACHE_TTL_MS
  }
}
