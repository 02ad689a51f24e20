import { performance } from 'node:perf_hooks'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { LRUCache } from 'lru-cache'
import { AUDIENCE, ISSUER, jwksOf, signingKeys, signTestToken } from '../test/support/identity.js'

/**
 * What verifying a bearer token costs, per algorithm the gateway accepts, in this process and one at a time:
 * jose's jwtVerify against a local JWKS with the issuer, audience and algorithm checks the gateway makes. Beside it,
 * what a verified-token cache would cost on a hit: one lru-cache lookup keyed by the token string, and the expiry
 * check. The gateway's own cache (being built in src/auth/token-verifier.ts) is not measured here: this is the
 * cost of such a lookup, not of that code.
 */

/** The algorithms the gateway accepts (ALLOWED_ALGORITHMS in src/auth/token-verifier.ts). */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const

export interface JwtResult {
  /** An algorithm, or 'cached (LRU lookup)'. */
  name: string
  operations: number
  opsPerSecond: number
  /** Mean time of one verification (or lookup), in microseconds. */
  meanMicros: number
}

async function measure (name: string, operations: number, operation: () => Promise<unknown> | unknown): Promise<JwtResult> {
  // awaited only when it is a promise: a synchronous lookup is not charged a microtask
  for (let i = 0; i < Math.min(200, operations); i++) { const result = operation(); if (result instanceof Promise) await result } // warm-up
  const started = performance.now()
  for (let i = 0; i < operations; i++) { const result = operation(); if (result instanceof Promise) await result }
  const elapsedMs = performance.now() - started
  return { name, operations, opsPerSecond: operations / (elapsedMs / 1000), meanMicros: elapsedMs * 1000 / operations }
}

/** `iterations` verifications per algorithm, then 100 × as many cache lookups of the last token. */
export async function benchmarkJwt (iterations: number): Promise<JwtResult[]> {
  const results: JwtResult[] = []
  const cache = new LRUCache<string, { clientId: string, expiresAt: number }>({ max: 10_000 })
  let lastToken = ''
  // the tests' keys (test/support/identity.ts): one per algorithm the gateway accepts
  for (const key of await signingKeys()) {
    const alg = key.alg
    const keys = createLocalJWKSet(jwksOf([key]))
    const token = await signTestToken({ clientId: 'VN.BENCH.MOTCUA', scopes: ['citizens.read'], alg, ttlSeconds: 3600 })
    const { payload } = await jwtVerify(token, keys, { issuer: ISSUER, audience: AUDIENCE, algorithms: [...ALLOWED_ALGORITHMS] })
    cache.set(token, { clientId: String(payload.sub), expiresAt: payload.exp ?? 0 })
    lastToken = token
    results.push(await measure(alg, iterations, async () =>
      await jwtVerify(token, keys, { issuer: ISSUER, audience: AUDIENCE, algorithms: [...ALLOWED_ALGORITHMS] })))
  }
  // a hit: the entry, and a check that it has not expired (what a cache must still do per request)
  results.push(await measure('cached (LRU lookup)', iterations * 100, () => {
    const entry = cache.get(lastToken)
    if (entry === undefined || entry.expiresAt * 1000 <= Date.now()) throw new Error('cache miss')
    return entry
  }))
  return results
}
