import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { LRUCache } from 'lru-cache'
import { UnauthorizedError } from '../errors.js'

/**
 * Bearer JWT verification pinned to what DESIGN.md allows. Cheap structural checks run before any crypto so
 * junk costs nothing; jose does the signature and claim checks against the configured JWKS only — keys named
 * by the token itself (jku, x5u, jwk) are never looked at.
 *
 * Agency systems reuse one token for many calls, and an asymmetric signature check is the dearest step of a
 * call: a token verified once is remembered (by its exact text) until the first of its `exp`, the cache's TTL
 * and — for a remote JWKS — the key set's cache age, so a key removed by rotation stops working as promptly as
 * without the cache. Refusals are never remembered.
 *
 * A token may live at most `maxTokenTtlSeconds` (AUTH_MAX_TOKEN_TTL_S): `exp − iat` when the token has an `iat`,
 * and in any case `exp − now` (plus the clock tolerance), so a stolen long-lived token — or one whose `iat` lies
 * in the future — cannot outlast the policy. `iat` is not required: not every identity provider sets it.
 */

export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const
export const MAX_TOKEN_BYTES = 8192
const SEGMENT = /^[A-Za-z0-9_-]+$/
const KID = /^[A-Za-z0-9._-]{1,128}$/
const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/

export interface VerifiedToken {
  clientId: string
  scopes: ReadonlySet<string>
  /** Seconds since epoch. */
  expiresAt: number
}

export type JwksSource =
  | { url: string, cacheMaxAgeMs: number, cooldownMs: number }
  | { keys: JSONWebKeySet }

export interface TokenVerifierOptions {
  issuer: string
  audience: string
  jwks: JwksSource
  clockToleranceSeconds: number
  /** The longest lifetime a token may have (AUTH_MAX_TOKEN_TTL_S). */
  maxTokenTtlSeconds: number
  /** Verified tokens remembered: at most `max`, each at most `ttlMs`; absent or max 0 = verify every time. */
  cache?: { max: number, ttlMs: number }
}

export interface TokenVerifier {
  verify (token: string): Promise<VerifiedToken>
  /** Verifications answered from the cache (hits) and by checking the signature (misses, refusals included). */
  stats (): { hits: number, misses: number }
  /** The token was verified before and is still remembered (no crypto, no count): lets it past the anonymous limit. */
  remembers (token: string): boolean
}

/** Why a token was refused, in a closed set of words (the audit summarises refusals by it; details vary). */
export type TokenRefusal = 'too-large' | 'malformed' | 'algorithm' | 'kid' | 'crit' | 'expired' | 'claims' | 'unknown-key' |
  'signature' | 'subject' | 'lifetime' | 'rejected'

/** A 401 that carries its reason word. */
export function tokenRefused (reason: TokenRefusal | 'no-credentials' | 'not-bearer', detail: string): Error & { reason: string } {
  return Object.assign(new UnauthorizedError(detail), { reason })
}

function keyResolver (source: JwksSource): JWTVerifyGetKey {
  if ('keys' in source) return createLocalJWKSet(source.keys)
  // An unknown kid triggers one refetch, then refusals come from the cache until the cooldown ends.
  return createRemoteJWKSet(new URL(source.url), {
    cacheMaxAge: source.cacheMaxAgeMs,
    cooldownDuration: source.cooldownMs,
    timeoutDuration: 2000
  })
}

export function createTokenVerifier (options: TokenVerifierOptions): TokenVerifier {
  const getKey = keyResolver(options.jwks)
  const maxCacheMs = Math.min(options.cache?.ttlMs ?? 0, 'url' in options.jwks ? options.jwks.cacheMaxAgeMs : Number.POSITIVE_INFINITY)
  const verified = options.cache === undefined || options.cache.max === 0 || maxCacheMs <= 0
    ? undefined
    : new LRUCache<string, VerifiedToken>({ max: options.cache.max, ttl: maxCacheMs, ttlAutopurge: false })
  const counts = { hits: 0, misses: 0 }

  return {
    stats: () => ({ ...counts }),
    remembers: (token) => {
      const known = verified?.get(token)
      return known !== undefined && known.expiresAt * 1000 > Date.now()
    },
    async verify (token: string): Promise<VerifiedToken> {
      if (token.length > MAX_TOKEN_BYTES) throw tokenRefused('too-large', `token larger than ${MAX_TOKEN_BYTES} bytes`)
      const known = verified?.get(token)
      if (known !== undefined && known.expiresAt * 1000 > Date.now()) {
        counts.hits++
        return known
      }
      counts.misses++
      const result = await verifyToken(token)
      const ttl = Math.min(maxCacheMs, result.expiresAt * 1000 - Date.now())
      if (verified !== undefined && ttl > 0) verified.set(token, result, { ttl })
      return result
    }
  }

  async function verifyToken (token: string): Promise<VerifiedToken> {
    const segments = token.split('.')
    if (segments.length !== 3 || !segments.every((segment) => SEGMENT.test(segment))) {
      throw tokenRefused('malformed', 'not a compact JWS (three base64url segments)')
    }
    let header
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw tokenRefused('malformed', 'unreadable token header')
    }
    if (typeof header.alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg)) {
      throw tokenRefused('algorithm', `algorithm ${String(header.alg)} is not accepted`)
    }
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw tokenRefused('kid', 'kid missing or malformed')
    if (header.crit !== undefined) throw tokenRefused('crit', 'critical header parameters are not supported')

    let payload
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms: [...ALLOWED_ALGORITHMS],
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['iss', 'aud', 'exp', 'sub']
      }))
    } catch (err) {
      throw refusalOf(err)
    }
    if (typeof payload.sub !== 'string' || !CLIENT_ID.test(payload.sub)) throw tokenRefused('subject', 'sub is not a client id')
    const expiresAt = payload.exp as number
    const max = options.maxTokenTtlSeconds
    if (typeof payload.iat === 'number' && expiresAt - payload.iat > max) {
      throw tokenRefused('lifetime', `token lifetime (exp − iat) is over the maximum of ${max} s`)
    }
    if (expiresAt - Date.now() / 1000 > max + options.clockToleranceSeconds) {
      throw tokenRefused('lifetime', `token lifetime (exp − now) is over the maximum of ${max} s`)
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : ''
    return {
      clientId: payload.sub,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      expiresAt
    }
  }
}

// Tell the caller what kind of failure it was, never key material or internals.
function refusalOf (err: unknown): Error {
  if (err instanceof joseErrors.JWTExpired) return tokenRefused('expired', 'token expired')
  if (err instanceof joseErrors.JWTClaimValidationFailed) return tokenRefused('claims', `claim ${err.claim} ${err.reason === 'missing' ? 'missing' : 'invalid'}`)
  if (err instanceof joseErrors.JWKSNoMatchingKey) return tokenRefused('unknown-key', 'no key with this kid')
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return tokenRefused('signature', 'signature invalid')
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) return tokenRefused('rejected', `token rejected (${err.code})`)
  return tokenRefused('rejected', 'token rejected')
}
