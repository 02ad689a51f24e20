import t from 'tap'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { loadConfig } from '../../src/config/index.js'
import { productionEnv } from '../support/env.js'
import { buildTestGateway } from '../support/gateway.js'
import { AUDIENCE, ISSUER, jwksOf, signingKeys } from '../support/identity.js'
import { claims, signRaw } from './jws.js'

/** Issue 15 #10: a token is refused when it was issued for, or still has, longer than AUTH_MAX_TOKEN_TTL_S to live. */

const YEAR = 365 * 24 * 3600

async function rs256 (payload: Record<string, unknown>): Promise<string> {
  const [rsa] = await signingKeys()
  if (rsa === undefined) throw new Error('keys')
  return signRaw({ alg: 'RS256', kid: rsa.kid, typ: 'JWT' }, payload, rsa.privateKey)
}

t.test('the verifier refuses tokens that live longer than the maximum, and remembers no refusal', async (t) => {
  const verifier = createTokenVerifier({
    issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, maxTokenTtlSeconds: 3600,
    jwks: { keys: jwksOf(await signingKeys()) }, cache: { max: 100, ttlMs: 60_000 }
  })
  const now = Math.floor(Date.now() / 1000)
  const tenYears = await rs256(claims({ iat: now, exp: now + 10 * YEAR }))
  await t.rejects(verifier.verify(tenYears), { code: 'GW_ERR_UNAUTHORIZED', message: /lifetime/ }, 'exp ten years after iat')
  await t.rejects(verifier.verify(tenYears), { code: 'GW_ERR_UNAUTHORIZED' }, 'still refused the second time')
  t.equal(verifier.stats().hits, 0, 'a refusal is never answered from the cache')

  const { iat: _iat, ...noIat } = claims({ exp: now + 10 * YEAR })
  await t.rejects(verifier.verify(await rs256(noIat)), { message: /lifetime/ }, 'no iat: exp more than the maximum from now')
  await t.rejects(verifier.verify(await rs256(claims({ iat: now + 5 * YEAR, exp: now + 5 * YEAR + 600 }))), { message: /lifetime|iat/ },
    'a short lifetime that starts in the future is still valid too long from now')
  await t.rejects(verifier.verify(await rs256(claims({ iat: now - 7200, exp: now + 60 }))), { message: /lifetime/ },
    'issued for two hours: refused even with a minute left')

  t.match(await verifier.verify(await rs256(claims({ iat: now, exp: now + 3600 }))), { clientId: 'VN.TEST.FULL' }, 'exactly the maximum is accepted')
  t.match(await verifier.verify(await rs256({ ...noIat, exp: now + 3000 })), { clientId: 'VN.TEST.FULL' }, 'no iat, within the maximum from now')
})

t.test('AUTH_MAX_TOKEN_TTL_S: default 86400, at least the demo token\'s 12 h, and a gateway answers 401 invalid_token', async (t) => {
  t.equal(loadConfig({ ...productionEnv('http://127.0.0.1:9'), REDIS_URL: 'redis://127.0.0.1:6379', AUTH_JWKS_FILE: '/x', STORE_DIR: '/x' }).auth.maxTokenTtlSeconds, 86400)
  const gateway = await buildTestGateway(t, { env: { AUTH_MAX_TOKEN_TTL_S: '43200' } })
  const now = Math.floor(Date.now() / 1000)
  const url = `/api/v1/citizens/${gateway.simulator.population.citizenAt(1).personalId}`
  const call = async (token: string): Promise<{ statusCode: number, headers: Record<string, unknown>, json: () => { detail?: string } }> =>
    await gateway.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'x-purpose': 'TTHC' } })

  const refused = await call(await rs256(claims({ iat: now, exp: now + 10 * YEAR })))
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['www-authenticate'], 'Bearer error="invalid_token"')
  t.match(refused.json().detail, /lifetime/)
  t.equal((await call(await rs256(claims({ iat: now, exp: now + 43200 })))).statusCode, 200, 'a 12-hour token (the demo\'s) is accepted')
  t.equal(gateway.simulator.hits, 1, 'the long-lived token never reached the upstream')
})
