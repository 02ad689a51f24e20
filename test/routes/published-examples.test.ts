import { Validator } from '@seriousme/openapi-schema-validator'
import { test } from 'tap'
import { startCivilStatusSimulator } from '../../adapters/civil-status/simulator.js'
import { startDigitalAddressSimulator } from '../../adapters/digital-address/simulator.js'
import { buildTestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'

/**
 * The two published example services against their simulators, through a test gateway: the civil-status register
 * with OAuth 2.0 client credentials (one token for many calls, renewed when the provider stops taking it) and the
 * digital-address register with an API key; and the catalogue that lists them beside the built-in services.
 */

test('the published examples and the catalogue', async (t) => {
  let clock = Date.now()
  const civil = await startCivilStatusSimulator({ credentials: { clientId: 'lgsp-test', clientSecret: 'civil-secret' }, now: () => clock })
  t.teardown(() => civil.close())
  const address = await startDigitalAddressSimulator({ apiKey: 'address-key' })
  t.teardown(() => address.close())
  const clients = [...TEST_CLIENTS, {
    clientId: 'VN.TEST.PUBLISHED',
    name: 'Consumer of the published examples',
    status: 'active' as const,
    grants: [
      { service: 'tuphap.ho-tich', purposes: ['TTHC'], fields: ['soDangKy', 'hoTen', 'cha.hoTen', 'me.hoTen'] },
      { service: 'khcn.dia-chi-so', purposes: ['TTHC'] }
    ]
  }]
  const gateway = await buildTestGateway(t, {
    clients,
    env: {
      PUBLISHED_TUPHAP_HO_TICH_URL: civil.url,
      PUBLISHED_TUPHAP_HO_TICH_TOKEN_URL: civil.tokenUrl,
      PUBLISHED_TUPHAP_HO_TICH_CLIENT_ID: 'lgsp-test',
      PUBLISHED_TUPHAP_HO_TICH_CLIENT_SECRET: 'civil-secret',
      PUBLISHED_KHCN_DIA_CHI_SO_URL: address.url,
      PUBLISHED_KHCN_DIA_CHI_SO_API_KEY: 'address-key'
    }
  })
  const { app } = gateway
  const headers = async (purpose: string | null = 'TTHC'): Promise<Record<string, string>> =>
    await gateway.headers({ clientId: 'VN.TEST.PUBLISHED', scopes: ['tuphap.ho-tich', 'khcn.dia-chi-so'], purpose })

  await t.test('civil status over OAuth 2.0: one token for many calls, a new one once the provider refuses it', async (t) => {
    const url = `/api/v1/services/tuphap.ho-tich/khai-sinh/${civil.examples.birth}`
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ url, headers: await headers() })
      t.equal(response.statusCode, 200, response.body)
      t.same(Object.keys(response.json()).sort(), ['cha', 'hoTen', 'me', 'soDangKy'], 'only the granted fields')
      t.same(Object.keys(response.json().cha), ['hoTen'], 'the father\'s name without his personal id')
    }
    t.equal(civil.tokensIssued, 1, 'the token is kept while it lives')
    clock += 3600_000 // the provider's clock passes the token's lifetime; the gateway's cache does not know yet
    const after = await app.inject({ url, headers: await headers() })
    t.equal(after.statusCode, 200, after.body)
    t.equal(civil.tokensIssued, 2, 'refused once, renewed, answered')
    const list = await app.inject({ url: `/api/v1/services/tuphap.ho-tich/khai-sinh?soDinhDanh=${civil.examples.parent}`, headers: await headers() })
    t.equal(list.statusCode, 200, list.body)
    t.ok(list.json().items.length >= 2)
    t.ok(list.json().items.every((item: Record<string, unknown>) => item.soDinhDanh === undefined), 'each record minimised')
  })

  await t.test('digital addresses over an API key; statistics need no purpose', async (t) => {
    const one = await app.inject({ url: `/api/v1/services/khcn.dia-chi-so/dia-chi/${address.examples.address}`, headers: await headers() })
    t.equal(one.statusCode, 200, one.body)
    t.equal(one.json().chuHo.soDinhDanh, address.examples.head, 'a grant without fields discloses the household head')
    const stats = await app.inject({ url: `/api/v1/services/khcn.dia-chi-so/xa-phuong/${address.examples.commune}/thong-ke`, headers: await headers(null) })
    t.equal(stats.statusCode, 200, stats.body)
    const unknown = await app.inject({ url: `/api/v1/services/khcn.dia-chi-so/dia-chi/${address.examples.unknownAddress}`, headers: await headers() })
    t.equal(unknown.statusCode, 404)
  })

  await t.test('the catalogue lists every kind of service, each with its own OpenAPI document', async (t) => {
    const catalogue = await app.inject({ url: '/api/v1/catalogue', headers: await headers(null) })
    t.equal(catalogue.statusCode, 200, catalogue.body)
    const services = catalogue.json().services as Array<Record<string, any>>
    const byId = new Map(services.map((service) => [service.service, service]))
    t.match(byId.get('tuphap.ho-tich'), {
      kind: 'published',
      owner: { agencyCode: String },
      classification: 'confidential',
      lifecycle: { status: 'active' },
      personalData: true,
      access: { grant: 'tuphap.ho-tich', purposeRequired: true, granted: true }
    })
    t.match(byId.get('citizens.read'), { kind: 'built-in', access: { granted: false } })
    t.match(byId.get('sector.land.parcels.read'), { kind: 'dataset' })
    t.ok((byId.get('khcn.dia-chi-so')?.operations as unknown[]).length === 3)

    const document = await app.inject({ url: '/api/v1/catalogue/tuphap.ho-tich/openapi.json', headers: await headers(null) })
    t.equal(document.statusCode, 200)
    const result = await new Validator().validate(document.json())
    t.ok(result.valid, JSON.stringify(result.errors))
    t.ok(Object.keys(document.json().paths).every((path) => path.startsWith('/api/v1/services/tuphap.ho-tich/')), 'its own paths only')
    t.ok(document.json().components.schemas.TuphapHoTichKhaiSinh, 'with the components they use')
    t.notOk(document.json().components.schemas.Citizen, 'and no others')
    const builtIn = await app.inject({ url: '/api/v1/catalogue/citizens.read/openapi.json', headers: await headers(null) })
    t.same(Object.keys(builtIn.json().paths), ['/api/v1/citizens/{personalId}'])
    const missing = await app.inject({ url: '/api/v1/catalogue/khong.co/openapi.json', headers: await headers(null) })
    t.equal(missing.statusCode, 404)
    t.equal((await app.inject({ url: '/api/v1/catalogue' })).statusCode, 401)
  })
})
