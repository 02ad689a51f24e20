import t from 'tap'
import { foldVietnamese } from '../../adapters/shared/search-text.js'
import { buildTestGateway } from '../support/gateway.js'

const MOTCUA = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read', 'dossiers.read', 'dossiers.write'], purpose: null }

t.test('a procedure by its national code; unknown is 404, malformed is 400 before any upstream call', async (t) => {
  const { app, procedures, headers } = await buildTestGateway(t)
  const known = procedures.data.procedures[0]
  if (known === undefined) throw new Error('empty catalogue')
  let res = await app.inject({ method: 'GET', url: `/api/v1/procedures/${known.procedureCode}`, headers: await headers(MOTCUA) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), known)
  res = await app.inject({ method: 'GET', url: '/api/v1/procedures/9.999999', headers: await headers(MOTCUA) })
  t.equal(res.statusCode, 404)
  t.equal(res.json().type, 'https://errors.gateway.local/not-found')
  const hits = procedures.hits
  res = await app.inject({ method: 'GET', url: '/api/v1/procedures/1.0016', headers: await headers(MOTCUA) })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'params', pointer: '/procedureCode' }])
  t.equal(procedures.hits, hits, 'the malformed code never reached the one-stop system')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/procedures/${known.procedureCode}`, headers: await headers() })).statusCode, 403, 'not granted')
})

t.test('search ignores accents and case, filters by agency and pages without repeats', async (t) => {
  const { app, procedures, headers } = await buildTestGateway(t)
  const civil = procedures.data.procedures.filter((procedure) => foldVietnamese(procedure.fieldName) === 'ho tich')
  t.ok(civil.length > 1, 'the catalogue has civil-status procedures')
  const seen: string[] = []
  let cursor: string | undefined
  do {
    const res = await app.inject({ method: 'GET', url: '/api/v1/procedures', query: { q: 'ho tich', limit: '2', ...(cursor === undefined ? {} : { cursor }) }, headers: await headers(MOTCUA) })
    t.equal(res.statusCode, 200)
    seen.push(...res.json().items.map((procedure: { procedureCode: string }) => procedure.procedureCode))
    cursor = res.json().nextCursor
  } while (cursor !== undefined)
  t.same(new Set(seen), new Set(civil.map((procedure) => procedure.procedureCode)), '"ho tich" finds every Hộ tịch procedure')
  t.equal(seen.length, new Set(seen).size, 'no procedure twice')

  const birth = await app.inject({ method: 'GET', url: '/api/v1/procedures', query: { q: 'DANG KY KHAI SINH' }, headers: await headers(MOTCUA) })
  t.ok(birth.json().items.some((procedure: { name: string }) => procedure.name === 'Đăng ký khai sinh'))
  const agency = await app.inject({ method: 'GET', url: '/api/v1/procedures', query: { agency: 'ubnd cap xa', limit: '100' }, headers: await headers(MOTCUA) })
  t.ok(agency.json().items.length > 0)
  t.ok(agency.json().items.every((procedure: { agency: string }) => foldVietnamese(procedure.agency).includes('ubnd cap xa')))
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/procedures', query: { limit: '1000' }, headers: await headers(MOTCUA) })).statusCode, 400, 'limit ≤ 100')
})

t.test('reference data stays available when Redis is down (rate limits fail open for non-personal services)', async (t) => {
  const { app, procedures, headers } = await buildTestGateway(t, { env: { REDIS_URL: 'redis://127.0.0.1:1' } })
  const known = procedures.data.procedures[1]
  const res = await app.inject({ method: 'GET', url: `/api/v1/procedures/${known?.procedureCode ?? ''}`, headers: await headers(MOTCUA) })
  t.equal(res.statusCode, 200)
})
