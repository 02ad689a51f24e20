import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_CATEGORIES_DIR } from '../../src/paths.js'
import { buildTestGateway } from '../support/gateway.js'

/**
 * The shared categories against the official register's own file (categories/data/admin-units-2025.json): counts,
 * conversions, search, parent, asOf, paging, conditional GETs, and a list a province declares by a file.
 */

interface RawConversion { communeCode: string, legacyCommuneCode: string | null, legacyCommuneName: string | null, legacyDistrictCode: string, note: string }
interface RawRegister {
  provinces: Array<{ code: string, name: string }>
  communes: Array<{ code: string, name: string, kind: string, provinceCode: string }>
  legacyProvinces: Array<{ code: string, becamePartOf: string[] }>
  conversions: RawConversion[]
}
const data = JSON.parse(await readFile(join(DEFAULT_CATEGORIES_DIR, 'data', 'admin-units-2025.json'), 'utf8')) as RawRegister

// the shipped declarations and data, and one list of the province's own, declared by a file
const dir = await mkdtemp(join(tmpdir(), 'categories-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
for (const name of await readdir(DEFAULT_CATEGORIES_DIR)) {
  if (name.endsWith('.json') || name === 'data') await symlink(join(DEFAULT_CATEGORIES_DIR, name), join(dir, name))
}
const AGENCIES = {
  code: 'provincial-agencies',
  name: 'Cơ quan chuyên môn thuộc UBND tỉnh',
  owner: 'Văn phòng UBND tỉnh Phú Thọ',
  version: '2025.1',
  effectiveFrom: '2025-07-01',
  maxAgeSeconds: 600,
  items: [{ code: 'SNV', name: 'Sở Nội vụ' }, { code: 'STC', name: 'Sở Tài chính' }, { code: 'SYT', name: 'Sở Y tế' }]
}
await writeFile(join(dir, 'provincial-agencies.json'), JSON.stringify(AGENCIES))

const { app, headers, simulator } = await buildTestGateway(t, { env: { CATEGORIES_DIR: dir } })
const auth = await headers({ clientId: 'VN.TEST.VERIFY', purpose: null }) // a client granted nothing of this
const get = async (url: string, query: Record<string, string> = {}, extra: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof app.inject>>> =>
  await app.inject({ method: 'GET', url, query, headers: { ...auth, ...extra } })

/** Every item of a list, page by page. */
async function all (url: string, query: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = []
  let cursor: string | undefined
  do {
    const res = await get(url, { ...query, limit: '100', ...(cursor === undefined ? {} : { cursor }) })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    items.push(...res.json().items)
    cursor = res.json().nextCursor
  } while (cursor !== undefined)
  return items
}

t.test('the categories and their counts, as the register file gives them; any valid token reads, none is refused', async (t) => {
  const res = await get('/api/v1/categories')
  t.equal(res.statusCode, 200)
  const counts = Object.fromEntries(res.json().items.map((c: { code: string, itemCount: number }) => [c.code, c.itemCount]))
  const legacyCommunes = new Set(data.conversions.flatMap((row) => row.legacyCommuneCode ?? []))
  const legacyDistricts = new Set(data.conversions.map((row) => row.legacyDistrictCode))
  t.same(counts, {
    'commune-kinds': 3,
    communes: 3321,
    'legacy-communes': legacyCommunes.size,
    'legacy-districts': legacyDistricts.size,
    'legacy-provinces': 63,
    provinces: 34,
    'provincial-agencies': 3
  })
  t.equal(data.provinces.length, 34)
  t.equal(data.communes.length, 3321)
  t.equal(data.legacyProvinces.length, 63)
  t.match(res.json().items.find((c: { code: string }) => c.code === 'communes'), { owner: String, version: '2025.07.01', effectiveFrom: '2025-07-01', parent: 'provinces', supersedes: 'legacy-communes' })
  t.match(res.json().items.find((c: { code: string }) => c.code === 'legacy-communes'), { effectiveUntil: '2025-06-30', supersededBy: 'communes' })

  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/categories' })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.headers['content-type'], /^application\/problem\+json/)
})

t.test('the catalogue lists the categories: an open service, with its operations, for every client', async (t) => {
  t.match(app.services.get('categories.read'), { open: true, personalData: false })
  const res = await get('/api/v1/services')
  const listed = res.json().services.find((s: { service: string }) => s.service === 'categories.read')
  t.match(listed, { personalData: false, purposes: [] })
  t.same(listed.operations.map((o: { path: string }) => o.path).sort(),
    ['/api/v1/categories', '/api/v1/categories/communes/conversions', '/api/v1/categories/{category}/items'])
})

t.test('every province and commune of the register, with its parent and kind', async (t) => {
  const provinces = await all('/api/v1/categories/provinces/items')
  t.same(provinces, data.provinces.map(({ code, name }) => ({ code, name })).sort((a, b) => a.code.localeCompare(b.code)))
  const haTinh = await all('/api/v1/categories/communes/items', { parent: '42' })
  const expected = data.communes.filter((c) => c.provinceCode === '42').map(({ code, name, kind }) => ({ code, name, parent: '42', kind }))
  t.ok(expected.length > 50, `${expected.length} communes in Hà Tĩnh`)
  t.same(haTinh, expected.sort((a, b) => a.code.localeCompare(b.code)), 'paged by cursor, each once, in code order')
})

t.test('search ignores accents, case and đ/d; a code prefix finds too', async (t) => {
  const haTinh = await get('/api/v1/categories/provinces/items', { q: 'ha tinh' })
  t.same(haTinh.json().items, [{ code: '42', name: 'Tỉnh Hà Tĩnh' }])
  t.same((await get('/api/v1/categories/provinces/items', { q: 'DA NANG' })).json().items, [{ code: '48', name: 'Thành phố Đà Nẵng' }])
  t.same((await get('/api/v1/categories/provinces/items', { q: 'Đà  nẵng' })).json().items.map((i: { code: string }) => i.code), ['48'])
  const wards = await get('/api/v1/categories/communes/items', { q: 'phuong ba dinh' })
  t.same(wards.json().items.map((i: { code: string }) => i.code), ['00004'])
  t.same((await get('/api/v1/categories/legacy-provinces/items', { q: '4' })).json().items.map((i: { code: string }) => i.code), ['40', '42', '44', '45', '46', '48', '49'])
})

t.test('asOf: the current units are in force from 2025-07-01, the legacy ones until 2025-06-30', async (t) => {
  t.same((await get('/api/v1/categories/communes/items', { asOf: '2025-06-30' })).json(), { items: [] })
  t.equal((await get('/api/v1/categories/communes/items', { asOf: '2025-07-01', limit: '5' })).json().items.length, 5)
  t.equal((await get('/api/v1/categories/legacy-communes/items', { asOf: '2024-01-15', limit: '5' })).json().items.length, 5)
  t.same((await get('/api/v1/categories/legacy-provinces/items', { asOf: '2025-07-01' })).json(), { items: [] })
  t.equal((await get('/api/v1/categories/legacy-provinces/items')).json().items.length, 20, 'without asOf, the list as declared')

  const bad = await get('/api/v1/categories/communes/items', { asOf: '2025-02-30' })
  t.equal(bad.statusCode, 400)
  t.match(bad.headers['content-type'], /^application\/problem\+json/)
  t.equal(bad.json().errors[0].pointer, '/asOf')
})

t.test('an unknown category is a 404, a foreign cursor a 400', async (t) => {
  const unknown = await get('/api/v1/categories/planets/items')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().type, 'https://errors.gateway.local/not-found')
  const cursor = await get('/api/v1/categories/provinces/items', { cursor: 'not-a-cursor' })
  t.equal(cursor.statusCode, 400)
  t.equal(cursor.json().errors[0].pointer, '/cursor')
})

t.test('a list a province declares by a file is served like the others', async (t) => {
  const res = await get('/api/v1/categories/provincial-agencies/items', { q: 'so y te' })
  t.same(res.json(), { items: [{ code: 'SYT', name: 'Sở Y tế' }] })
  t.equal(res.headers['cache-control'], 'private, max-age=600', 'its own max-age')
})

t.test('conversions: a whole merge, a split commune and a renamed one, as the table says', async (t) => {
  const rowsOf = new Map<string, RawConversion[]>()
  for (const row of data.conversions) if (row.legacyCommuneCode !== null) rowsOf.set(row.legacyCommuneCode, [...(rowsOf.get(row.legacyCommuneCode) ?? []), row])
  const communeName = new Map(data.communes.map((c) => [c.code, c.name]))
  const convert = async (code: string): Promise<{ split: boolean, legacyCommune: { code: string }, current: Array<{ commune: { code: string, name: string }, change: string, note: string }> }> => {
    const res = await get('/api/v1/categories/communes/conversions', { legacyCommuneCode: code })
    t.equal(res.statusCode, 200)
    t.equal(res.json().items.length, 1, `one entry for ${code}`)
    return res.json().items[0]
  }

  const [wholeCode, [whole] = []] = [...rowsOf].find(([, rows]) => rows.length === 1 && rows[0]?.note === 'Nhập toàn bộ') ?? []
  const merged = await convert(wholeCode as string)
  t.match(merged, { legacyCommune: { code: wholeCode }, split: false, current: [{ commune: { code: whole?.communeCode, name: communeName.get(whole?.communeCode ?? '') }, change: 'merged-whole', note: 'Nhập toàn bộ' }] })

  const [splitCode, splitRows = []] = [...rowsOf].find(([, rows]) => new Set(rows.map((row) => row.communeCode)).size > 2) ?? []
  const split = await convert(splitCode as string)
  t.equal(split.split, true)
  t.same(split.current.map((c) => c.commune.code), splitRows.map((row) => row.communeCode))
  t.ok(split.current.every((c) => c.change === 'merged-part' || c.note === splitRows.find((row) => row.communeCode === c.commune.code)?.note))

  const renamedRow = data.conversions.find((row) => row.note === 'Đổi tên') as RawConversion
  const renamed = await convert(renamedRow.legacyCommuneCode as string)
  t.match(renamed.current, [{ commune: { code: renamedRow.communeCode, name: communeName.get(renamedRow.communeCode) }, change: 'renamed', note: 'Đổi tên' }])
  t.not(renamed.current[0]?.commune.name, renamedRow.legacyCommuneName, 'the name changed')

  const district = await all('/api/v1/categories/communes/conversions', { legacyDistrictCode: '001' })
  t.equal(district.length, new Set(data.conversions.filter((row) => row.legacyDistrictCode === '001').map((row) => row.legacyCommuneCode)).size)
  t.match(district[0], { legacyDistrict: { code: '001', name: 'Quận Ba Đình' }, legacyProvince: { code: '01' } })
  const intoBaDinh = await all('/api/v1/categories/communes/conversions', { communeCode: '00004' })
  t.same(intoBaDinh.map((entry) => (entry.legacyCommune as { code: string }).code).sort(), data.conversions.filter((row) => row.communeCode === '00004').map((row) => row.legacyCommuneCode).sort())

  t.same((await get('/api/v1/categories/communes/conversions', { legacyCommuneCode: '99999' })).json(), { items: [] })
  t.equal((await get('/api/v1/categories/communes/conversions')).statusCode, 400, 'a filter is needed')
  t.equal((await get('/api/v1/categories/communes/conversions', { legacyCommuneCode: '123' })).statusCode, 400)
})

t.test('conditional GETs: ETag and Cache-Control, 304 for If-None-Match, the response cache behind', async (t) => {
  const first = await get('/api/v1/categories/communes/items', { parent: '25', limit: '7' })
  const etag = first.headers.etag as string
  t.match(etag, /^"[A-Za-z0-9_-]+"$/)
  t.equal(first.headers['cache-control'], 'private, max-age=3600')
  const again = await get('/api/v1/categories/communes/items', { parent: '25', limit: '7' }, { 'if-none-match': etag })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  t.equal(again.headers['x-cache'], 'hit', 'the page came from the response cache')
  t.equal((await get('/api/v1/categories/communes/items', { parent: '25', limit: '7' }, { 'if-none-match': `W/${etag}, "other"` })).statusCode, 304, 'weak comparison, in a list')
  t.equal((await get('/api/v1/categories/communes/items', { parent: '25', limit: '8' }, { 'if-none-match': etag })).statusCode, 200, 'another page, another ETag')

  const list = await get('/api/v1/categories')
  t.equal((await get('/api/v1/categories', {}, { 'if-none-match': list.headers.etag as string })).statusCode, 304)
})

t.test('reads are not audited unless the configuration says so (refusals are)', async (t) => {
  await get('/api/v1/categories', {}, { 'x-request-id': 'categories-read-0001' })
  t.same(await app.store.query("SELECT request_id FROM audit_records WHERE request_id = 'categories-read-0001'"), [])
})

t.test('an address the population database recorded in legacy units comes with the current unit(s) beside it', async (t) => {
  const born = Array.from({ length: 50 }, (_, i) => simulator.population.citizenAt(i)).find((c) => c.placeOfOrigin.districtCode !== undefined)
  if (born === undefined) throw new Error('no citizen born before the reform among the first 50')
  const origin = born.placeOfOrigin
  const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${born.personalId}`, headers: await headers() })
  t.equal(res.statusCode, 200)
  const expected = data.conversions.filter((row) => row.legacyCommuneCode === origin.communeCode).map((row) => row.communeCode)
  t.match(res.json().placeOfOrigin, { communeCode: origin.communeCode, districtCode: origin.districtCode, districtName: origin.districtName })
  t.same(res.json().placeOfOrigin.current.map((unit: { communeCode: string }) => unit.communeCode), [...new Set(expected)])
  t.equal(res.json().permanentAddress.current, undefined, 'current addresses are in current units already')
  t.ok(data.communes.some((c) => c.code === born.permanentAddress.communeCode && c.provinceCode === born.permanentAddress.provinceCode), 'the citizen lives in a real current commune')
})
