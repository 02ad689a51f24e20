import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { AUDIENCE, ISSUER, jwksOf, signingKeys, signTestToken } from '../support/identity.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('a verified token is remembered; a refusal is not', async (t) => {
  const verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, maxTokenTtlSeconds: 86400, jwks: { keys: jwksOf(await signingKeys()) }, cache: { max: 100, ttlMs: 60_000 } })
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    const token = await signTestToken({ alg, clientId: `VN.TEST.${alg}` })
    const first = await verifier.verify(token)
    const again = await verifier.verify(token)
    t.same(again, first, `${alg}: the same answer`)
  }
  t.same(verifier.stats(), { hits: 3, misses: 3 }, 'each token checked once')

  const token = await signTestToken()
  const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('not the signature').toString('base64url')}`
  await t.rejects(verifier.verify(forged), { code: 'GW_ERR_UNAUTHORIZED' })
  await t.rejects(verifier.verify(forged), { code: 'GW_ERR_UNAUTHORIZED' })
  t.equal(verifier.stats().misses, 5, 'a refused token is checked again every time')
})

t.test('a remembered token is never accepted past its exp', async (t) => {
  const verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, maxTokenTtlSeconds: 86400, jwks: { keys: jwksOf(await signingKeys()) }, cache: { max: 100, ttlMs: 60_000 } })
  const token = await signTestToken({ ttlSeconds: 1 })
  await verifier.verify(token)
  await verifier.verify(token)
  t.equal(verifier.stats().hits, 1)
  await sleep(2100)
  await t.rejects(verifier.verify(token), { message: /expired/ })
})

t.test('with a remote JWKS, a token is remembered no longer than the key set is', async (t) => {
  const keys = await signingKeys()
  const server: Server = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(jwksOf(keys))) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  const verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, maxTokenTtlSeconds: 86400, jwks: { url, cacheMaxAgeMs: 200, cooldownMs: 0 }, cache: { max: 100, ttlMs: 60_000 } })
  const token = await signTestToken()
  await verifier.verify(token)
  await verifier.verify(token)
  await sleep(300)
  await verifier.verify(token)
  t.same(verifier.stats(), { hits: 1, misses: 2 }, 'checked again once the JWKS cache age passed')
})

t.test('size 0 turns the cache off', async (t) => {
  const verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, maxTokenTtlSeconds: 86400, jwks: { keys: jwksOf(await signingKeys()) }, cache: { max: 0, ttlMs: 60_000 } })
  const token = await signTestToken()
  await verifier.verify(token)
  await verifier.verify(token)
  t.same(verifier.stats(), { hits: 0, misses: 2 })
})
