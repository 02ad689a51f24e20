import { createHash, createPublicKey, generateKeyPairSync, verify, type JsonWebKey } from 'node:crypto'
import type { FastifyInstance, InjectOptions } from 'fastify'
import t from 'tap'
import { buildTestGateway } from '../support/gateway.js'
import { tempFiles } from '../support/teardown.js'

/**
 * Signed responses, checked by a verifier written here from RFC 9421 and RFC 9530 alone (none of the gateway's
 * code): parse Signature-Input and Signature, rebuild the signature base from the response and the request,
 * check Content-Digest against the body, verify with the key the gateway publishes.
 */

interface Received { statusCode: number, headers: Record<string, unknown>, body: string }
interface Sent { method: string, url: string }
interface Verified { label: string, components: string[], params: Record<string, string | number>, digestOk: boolean, signatureOk: boolean }

const header = (response: Received, name: string): string | undefined => {
  const value = response.headers[name]
  return value === undefined ? undefined : String(value)
}

/** label → the member's text after `label=`; enough of RFC 8941 for what a gateway sends (no commas inside strings). */
function members (field: string): Map<string, string> {
  return new Map(field.split(/,\s*(?=[a-z*][a-z0-9_.*-]*=)/).map((member) => {
    const at = member.indexOf('=')
    return [member.slice(0, at).trim(), member.slice(at + 1).trim()]
  }))
}

async function verifyResponse (response: Received, sent: Sent, jwks: { keys: JsonWebKey[] }): Promise<Verified[]> {
  const inputs = members(header(response, 'signature-input') ?? '')
  const signatures = members(header(response, 'signature') ?? '')
  const digest = /^sha-256=:([A-Za-z0-9+/=]+):$/.exec(header(response, 'content-digest') ?? '')?.[1]
  const digestOk = digest === createHash('sha256').update(response.body).digest('base64')
  return [...inputs].map(([label, input]) => {
    const list = /^\((.*)\)(.*)$/.exec(input)
    if (list === null) throw new Error(`not an inner list: ${input}`)
    const components = [...(list[1] ?? '').matchAll(/"([^"]+)"((?:;req)?)/g)].map((match) => `${match[1] ?? ''}${match[2] ?? ''}`)
    const params = Object.fromEntries([...(list[2] ?? '').matchAll(/;([a-z]+)=("([^"]*)"|[0-9]+)/g)]
      .map((match) => [match[1], match[3] ?? Number(match[2])]))
    const [path, query] = sent.url.split('?')
    const lines = components.map((component) => {
      const [name = '', req] = component.split(';')
      let value: string | undefined
      if (name === '@status') value = String(response.statusCode)
      else if (name === '@method' && req === 'req') value = sent.method
      else if (name === '@path' && req === 'req') value = path
      else if (name === '@query' && req === 'req') value = `?${query ?? ''}`
      else if (req === undefined) value = header(response, name)
      if (value === undefined) throw new Error(`no value for ${component}`)
      return `"${name}"${req === undefined ? '' : ';req'}: ${value}`
    })
    const base = Buffer.from([...lines, `"@signature-params": ${input}`].join('\n'))
    const signature = Buffer.from(/^:([A-Za-z0-9+/=]+):$/.exec(signatures.get(label) ?? '')?.[1] ?? '', 'base64')
    const jwk = jwks.keys.find((key) => key.kid === params.keyid)
    if (jwk === undefined) throw new Error(`keyid ${String(params.keyid)} is not published`)
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    const signatureOk = params.alg === 'ed25519'
      ? verify(null, base, key, signature)
      : params.alg === 'ecdsa-p256-sha256' && verify('sha256', base, { key, dsaEncoding: 'ieee-p1363' }, signature)
    return { label, components, params, digestOk, signatureOk }
  })
}

async function signingKeys (app: FastifyInstance): Promise<{ keys: JsonWebKey[] }> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/signing-keys' })
  return res.json()
}

async function exchange (app: FastifyInstance, request: InjectOptions & Sent): Promise<Received> {
  const res = await app.inject(request)
  return { statusCode: res.statusCode, headers: res.headers, body: res.body }
}

const REQUIRED = ['@status', 'content-digest', 'x-message-id', 'date']

t.test('responses signed on request (Ed25519 gateway key)', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const jwks = await signingKeys(app)
  const keyId = String(jwks.keys[0]?.kid)
  const citizen = `/api/v1/citizens/${simulator.population.citizenAt(3).personalId}`

  t.test('GET /api/v1/signing-keys: open, briefly cacheable, the gateway key', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/signing-keys' })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], 'public, max-age=300')
    t.match(res.json(), { keys: [{ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: String }] })
    t.notOk('d' in (res.json() as { keys: Array<Record<string, unknown>> }).keys[0]!, 'no private part')
  })

  t.test('a 200 citizen lookup, signed as asked and verified', async (t) => {
    const sent = { method: 'GET', url: citizen }
    const asked = `sig1=("@status" "content-digest" "x-message-id" "date" "content-type" "@method";req "@path";req "@query";req);keyid="${keyId}";created;nonce="n-4f2a9c"`
    const res = await exchange(app, { ...sent, headers: { ...await headers(), 'accept-signature': asked } })
    t.equal(res.statusCode, 200)
    const [result] = await verifyResponse(res, sent, jwks)
    t.match(result, { label: 'sig1', digestOk: true, signatureOk: true })
    t.same(result?.components, [...REQUIRED, 'content-type', '@method;req', '@path;req', '@query;req'])
    t.match(result?.params, { keyid: keyId, alg: 'ed25519', nonce: 'n-4f2a9c', created: Number })
    t.ok(Math.abs(Number(result?.params.created) - Date.now() / 1000) < 60, 'created is now')
    t.equal(new Date(String(res.headers.date)).getTime() / 1000, result?.params.created, 'Date is the signing time')
  })

  t.test('refusals are signed too, under the label asked for, with the required components added', async (t) => {
    const asked = 'resp=("x-request-id")'
    const forbidden = await exchange(app, { method: 'GET', url: citizen, headers: { ...await headers({ purpose: 'BHXH' }), 'accept-signature': asked } })
    t.equal(forbidden.statusCode, 403)
    const unauthorized = await exchange(app, { method: 'GET', url: citizen, headers: { 'accept-signature': asked } })
    t.equal(unauthorized.statusCode, 401)
    for (const res of [forbidden, unauthorized]) {
      t.match(header(res, 'content-type'), /^application\/problem\+json/)
      const [result] = await verifyResponse(res, { method: 'GET', url: citizen }, jwks)
      t.match(result, { label: 'resp', digestOk: true, signatureOk: true }, String(res.statusCode))
      t.same(result?.components, [...REQUIRED, 'x-request-id'])
      t.notOk('nonce' in (result?.params ?? {}))
    }
  })

  t.test('a tampered body or status does not verify', async (t) => {
    const sent = { method: 'GET', url: citizen }
    const res = await exchange(app, { ...sent, headers: { ...await headers(), 'accept-signature': 'sig1=()' } })
    t.match((await verifyResponse(res, sent, jwks))[0], { digestOk: true, signatureOk: true })

    const body = res.body.replace(/"fullName":"[^"]*"/, '"fullName":"Someone Else"')
    t.not(body, res.body)
    t.match((await verifyResponse({ ...res, body }, sent, jwks))[0], { digestOk: false, signatureOk: true }, 'the digest no longer matches the body')
    const redigested = { ...res, body, headers: { ...res.headers, 'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:` } }
    t.match((await verifyResponse(redigested, sent, jwks))[0], { digestOk: true, signatureOk: false }, 'a new digest breaks the signature')
    t.match((await verifyResponse({ ...res, statusCode: 404 }, sent, jwks))[0], { signatureOk: false }, 'another status breaks the signature')
  })

  t.test('no Accept-Signature, no signature; Want-Content-Digest alone, a Content-Digest only', async (t) => {
    const plain = await app.inject({ method: 'GET', url: citizen, headers: await headers() })
    t.equal(plain.statusCode, 200)
    for (const name of ['signature', 'signature-input', 'content-digest']) t.notOk(name in plain.headers, name)

    const digested = await app.inject({ method: 'GET', url: citizen, headers: { ...await headers(), 'want-content-digest': 'sha-512=3, sha-256=10' } })
    t.equal(digested.headers['content-digest'], `sha-256=:${createHash('sha256').update(digested.rawPayload).digest('base64')}:`)
    t.notOk('signature' in digested.headers)
    t.notOk('signature-input' in digested.headers)

    const other = await app.inject({ method: 'GET', url: citizen, headers: { ...await headers(), 'want-content-digest': 'sha-512=3, sha-256=0' } })
    t.notOk('content-digest' in other.headers, 'sha-256 not wanted (0), nothing else offered')
  })

  t.test('an Accept-Signature that cannot be honoured is a 400 problem before any call, signed under sig1', async (t) => {
    const hits = simulator.hits
    for (const asked of [
      'sig1=(@status)', // a token, not a string
      'sig1=("@status"', // not a Dictionary
      'sig1="@status"', // not an inner list
      'sig1=("@authority")', // not a component a response signature can cover here
      'sig1=("Date")', // field names are lower case
      'sig1=("@status");keyid="another-key"',
      'sig1=("@status");alg="rsa-pss-sha512"',
      'sig1=("@status");expires=1'
    ]) {
      const res = await exchange(app, { method: 'GET', url: citizen, headers: { ...await headers(), 'accept-signature': asked } })
      t.equal(res.statusCode, 400, asked)
      t.match(JSON.parse(res.body), { type: 'https://errors.gateway.local/validation', errors: [{ in: 'headers', pointer: '/accept-signature' }] }, asked)
      const [result] = await verifyResponse(res, { method: 'GET', url: citizen }, jwks)
      t.match(result, { label: 'sig1', digestOk: true, signatureOk: true, components: REQUIRED }, asked)
    }
    t.equal(simulator.hits, hits, 'the population database was not called')
  })

  t.test('several labels each get their signature', async (t) => {
    const res = await exchange(app, { method: 'GET', url: '/api/v1/signing-keys', headers: { 'accept-signature': 'a=("cache-control");tag="one", b=();nonce="x1"' } })
    const results = await verifyResponse(res, { method: 'GET', url: '/api/v1/signing-keys' }, jwks)
    t.match(results, [
      { label: 'a', components: [...REQUIRED, 'cache-control'], params: { tag: 'one' }, signatureOk: true, digestOk: true },
      { label: 'b', components: REQUIRED, params: { nonce: 'x1' }, signatureOk: true, digestOk: true }
    ])
  })
})

t.test('an ES256 gateway key signs as ecdsa-p256-sha256', async (t) => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const { 'gateway.pem': keyFile } = await tempFiles(t, { 'gateway.pem': pem })
  const { app, simulator, headers } = await buildTestGateway(t, { env: { GATEWAY_SIGNING_KEY_FILE: keyFile!, GATEWAY_SIGNING_KEY_ID: 'test-es256-gateway' } })
  const jwks = await signingKeys(app)
  t.match(jwks, { keys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'test-es256-gateway' }] })
  const sent = { method: 'GET', url: `/api/v1/citizens/${simulator.population.citizenAt(5).personalId}` }
  const res = await exchange(app, { ...sent, headers: { ...await headers(), 'accept-signature': 'sig1=("@status" "content-digest" "x-message-id" "date");keyid="test-es256-gateway"' } })
  t.equal(res.statusCode, 200)
  t.match(await verifyResponse(res, sent, jwks), [{ label: 'sig1', params: { alg: 'ecdsa-p256-sha256', keyid: 'test-es256-gateway' }, digestOk: true, signatureOk: true }])
})
