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
  /** Verified tokens remembered: at most `max`, each at most `ttlMs`; absent or max 0 = verify every time. */
  cache?: { max: number, ttlMs: number }
}

export interface TokenVerifier {
  verify (token: string): Promise<VerifiedToken>
  /** Verifications answered from the cache (hits) and by checking the signature (misses, refusals included). */
  stats (): { hits: number, misses: number }
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
    async verify (token: string): Promise<VerifiedToken> {
      if (token.length > MAX_TOKEN_BYTES) throw new UnauthorizedError(`token larger than ${MAX_TOKEN_BYTES} bytes`)
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
      throw new UnauthorizedError('not a compact JWS (three base64url segments)')
    }
    let header
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw new UnauthorizedError('unreadable token header')
    }
    if (typeof header.alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg)) {
      throw new UnauthorizedError(`algorithm ${String(header.alg)} is not accepted`)
    }
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw new UnauthorizedError('kid missing or malformed')
    if (header.crit !== undefined) throw new UnauthorizedError('critical header parameters are not supported')

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
      throw new UnauthorizedError(reason(err))
    }
    if (typeof payload.sub !== 'string' || !CLIENT_ID.test(payload.sub)) throw new UnauthorizedError('sub is not a client id')
    const scope = typeof payload.scope === 'string' ? payload.scope : ''
    return {
      clientId: payload.sub,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      expiresAt: payload.exp as number
    }
  }
}

// Tell the caller what kind of failure it was, never key material or internals.
function reason (err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired'
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason === 'missing' ? 'missing' : 'invalid'}`
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key with this kid'
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature invalid'
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) return `token rejected (${err.code})`
  return 'token rejected'
}
