import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { exportJWK, exportSPKI, generateKeyPair } from 'jose'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { jwksOf, signingKeys, signTestToken } from '../support/identity.js'
import { claims, signRaw, unsigned } from './jws.js'

/** Every way a bearer token can be forged or misused: each must be a 401 problem, and none may reach the upstream. */

async function expectUnauthorized (t: Test, gateway: TestGateway, token: string, label: string): Promise<void> {
  const res = await gateway.app.inject({
    method: 'GET',
    url: `/api/v1/citizens/${gateway.simulator.population.citizenAt(1).personalId}`,
    headers: { authorization: `Bearer ${token}`, 'x-purpose': 'TTHC' }
  })
  t.equal(res.statusCode, 401, label)
  t.match(res.headers['content-type'], /^application\/problem\+json/, label)
  t.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', label)
  t.match(res.json(), { type: 'https://errors.gateway.local/unauthorized', status: 401 }, label)
}

t.test('the accepted algorithms verify', async (t) => {
  const gateway = await buildTestGateway(t)
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    const res = await gateway.app.inject({
      method: 'GET',
      url: `/api/v1/citizens/${gateway.simulator.population.citizenAt(1).personalId}`,
      headers: { authorization: `Bearer ${await signTestToken({ alg })}`, 'x-purpose': 'TTHC' }
    })
    t.equal(res.statusCode, 200, alg)
  }
})

t.test('forged and malformed tokens are refused with 401', async (t) => {
  const gateway = await buildTestGateway(t)
  const [rsa, ec] = await signingKeys()
  if (rsa === undefined || ec === undefined) throw new Error('keys')
  const rs = (header: Record<string, unknown>, payload = claims()): string => signRaw({ alg: 'RS256', kid: rsa.kid, typ: 'JWT', ...header } as { alg: string }, payload, rsa.privateKey)
  const now = Math.floor(Date.now() / 1000)

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    await expectUnauthorized(t, gateway, `${unsigned({ alg, kid: rsa.kid }, claims())}.`, `alg ${alg}`)
    await expectUnauthorized(t, gateway, unsigned({ alg, kid: rsa.kid }, claims()) + '.AAAA', `alg ${alg} with junk signature`)
  }
  const publicPem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey)
  const rsaPublicPem = Buffer.from(JSON.stringify(rsa.publicJwk))
  await expectUnauthorized(t, gateway, signRaw({ alg: 'HS256', kid: rsa.kid }, claims(), rsaPublicPem), 'HS256 keyed with the public JWK (algorithm confusion)')
  await expectUnauthorized(t, gateway, signRaw({ alg: 'HS256', kid: rsa.kid }, claims(), Buffer.from(publicPem)), 'HS256 keyed with a public PEM')
  await expectUnauthorized(t, gateway, signRaw({ alg: 'RS384', kid: rsa.kid }, claims(), rsa.privateKey), 'RS384 is not on the list')
  await expectUnauthorized(t, gateway, signRaw({ alg: 'ES256', kid: rsa.kid }, claims(), ec.privateKey), 'ES256 signature under the RSA kid')
  await expectUnauthorized(t, gateway, rs({}, claims({ exp: now - 120 })), 'expired beyond the clock tolerance')
  await expectUnauthorized(t, gateway, rs({}, claims({ nbf: now + 600 })), 'not yet valid (future nbf)')
  const { exp: _exp, ...withoutExp } = claims()
  await expectUnauthorized(t, gateway, rs({}, withoutExp), 'no exp')
  await expectUnauthorized(t, gateway, rs({}, claims({ iss: 'https://evil.example' })), 'wrong iss')
  const { iss: _iss, ...withoutIss } = claims()
  await expectUnauthorized(t, gateway, rs({}, withoutIss), 'no iss')
  await expectUnauthorized(t, gateway, rs({}, claims({ aud: 'another-gateway' })), 'wrong aud')
  const { aud: _aud, ...withoutAud } = claims()
  await expectUnauthorized(t, gateway, rs({}, withoutAud), 'no aud')
  const { sub: _sub, ...withoutSub } = claims()
  await expectUnauthorized(t, gateway, rs({}, withoutSub), 'no sub')
  await expectUnauthorized(t, gateway, rs({ kid: undefined }), 'no kid')
  await expectUnauthorized(t, gateway, rs({ kid: '../../../../etc/passwd' }), 'kid with a path')
  await expectUnauthorized(t, gateway, rs({ kid: "x' OR '1'='1" }), 'kid with SQL')
  await expectUnauthorized(t, gateway, rs({ kid: 'unknown-kid' }), 'unknown kid')
  await expectUnauthorized(t, gateway, rs({ crit: ['x-lgsp'], 'x-lgsp': true }), 'unknown crit')
  await expectUnauthorized(t, gateway, rs({ b64: false, crit: ['b64'] }), 'b64=false crit')
  const good = await signTestToken()
  await expectUnauthorized(t, gateway, good.split('.').slice(0, 2).join('.'), 'two segments')
  await expectUnauthorized(t, gateway, `${good}.extra`, 'four segments')
  await expectUnauthorized(t, gateway, good.replace('.', '!.'), 'not base64url')
  await expectUnauthorized(t, gateway, `${good.slice(0, -6)}AAAAAA`, 'tampered signature')
  const [header, , signature] = good.split('.')
  const elevated = Buffer.from(JSON.stringify({ ...claims(), sub: 'VN.TEST.ADMIN', scope: 'admin citizens.read' })).toString('base64url')
  await expectUnauthorized(t, gateway, `${header ?? ''}.${elevated}.${signature ?? ''}`, 'payload swapped under a valid signature')
  await expectUnauthorized(t, gateway, await signTestToken({ scopes: ['citizens.read', 'x'.repeat(9000)] }), 'token over 8 KB')
  t.equal(gateway.simulator.hits, 0, 'no forged token reached the population database')
})

function jwksServer (t: Test, initial: { keys: object[] }): Promise<{ url: string, hits: () => number, serve: (jwks: { keys: object[] }) => void }> {
  let jwks = initial
  let hits = 0
  const server: Server = createServer((_req, res) => {
    hits++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(jwks))
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      t.teardown(() => new Promise((resolve) => server.close(resolve)))
      const { port } = server.address() as AddressInfo
      resolve({ url: `http://127.0.0.1:${port}/jwks.json`, hits: () => hits, serve: (next) => { jwks = next } })
    })
  })
}

t.test('keys named by the token itself (jku, x5u, jwk) are never used or fetched', async (t) => {
  const gateway = await buildTestGateway(t)
  const attacker = await generateKeyPair('RS256', { extractable: true })
  const attackerJwk = { ...await exportJWK(attacker.publicKey), kid: 'attacker', alg: 'RS256' }
  const trap = await jwksServer(t, { keys: [attackerJwk] })
  const forged = (header: Record<string, unknown>): string => signRaw({ alg: 'RS256', kid: 'attacker', ...header } as { alg: string }, claims(), attacker.privateKey)
  await expectUnauthorized(t, gateway, forged({ jwk: attackerJwk }), 'embedded jwk')
  await expectUnauthorized(t, gateway, forged({ jku: trap.url }), 'jku')
  await expectUnauthorized(t, gateway, forged({ x5u: trap.url }), 'x5u')
  t.equal(trap.hits(), 0, 'the attacker URL was never fetched')

  // A legitimately signed token that merely carries such headers is judged on the configured keys alone.
  const [rsa] = await signingKeys()
  if (rsa === undefined) throw new Error('keys')
  const honest = signRaw({ alg: 'RS256', kid: rsa.kid, jku: trap.url, jwk: attackerJwk }, claims(), rsa.privateKey)
  const res = await gateway.app.inject({
    method: 'GET',
    url: `/api/v1/citizens/${gateway.simulator.population.citizenAt(1).personalId}`,
    headers: { authorization: `Bearer ${honest}`, 'x-purpose': 'TTHC' }
  })
  t.equal(res.statusCode, 200)
  t.equal(trap.hits(), 0)
})

t.test('JWKS from a URL: unknown kids cost at most one refetch, and a key removed by rotation stops working', async (t) => {
  const keys = await signingKeys()
  const [rsa, ec] = keys
  if (rsa === undefined || ec === undefined) throw new Error('keys')
  const idp = await jwksServer(t, jwksOf([rsa]))
  const gateway = await buildTestGateway(t, {
    env: { AUTH_JWKS_URL: idp.url, AUTH_JWKS_CACHE_MAX_AGE_MS: '300', AUTH_JWKS_COOLDOWN_MS: '60000' }
  })
  const url = `/api/v1/citizens/${gateway.simulator.population.citizenAt(1).personalId}`
  const call = async (token: string): Promise<number> =>
    (await gateway.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'x-purpose': 'TTHC' } })).statusCode

  t.equal(await call(await signTestToken({ alg: 'RS256' })), 200, 'key A verifies')
  t.equal(idp.hits(), 1)
  const unknown = signRaw({ alg: 'RS256', kid: 'never-published' }, claims(), rsa.privateKey)
  for (let i = 0; i < 5; i++) t.equal(await call(unknown), 401)
  t.ok(idp.hits() <= 2, `five unknown-kid tokens fetched the JWKS ${idp.hits() - 1} more time(s)`)

  // Rotation: the IdP now publishes key B only; after the cache age, A is refused and B accepted.
  idp.serve(jwksOf([ec]))
  await new Promise((resolve) => setTimeout(resolve, 350))
  t.equal(await call(await signTestToken({ alg: 'ES256' })), 200, 'new key B verifies')
  t.equal(await call(await signTestToken({ alg: 'RS256' })), 401, 'removed key A is refused')
})
