import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CategoryDeclarationError, loadCategories } from '../../adapters/categories/loader.js'
import { changeOf } from '../../adapters/shared/admin-units.js'
import { DEFAULT_CATEGORIES_DIR, schemasDir } from '../../src/paths.js'

/** A category file is checked at boot: a bad one is refused with its file and the field at fault. */

const GOOD = { code: 'agencies', name: 'Cơ quan', owner: 'UBND tỉnh', version: '1', items: [{ code: 'A', name: 'Sở A' }] }

async function folder (t: Test, files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'category-files-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return dir
}

t.test('a declared list loads, in code order', async (t) => {
  const dir = await folder(t, { 'agencies.json': { ...GOOD, items: [{ code: 'B', name: 'Sở B' }, { code: 'A', name: 'Sở A' }] } })
  const [category] = await loadCategories(dir, schemasDir)
  t.same(category?.items.map((item) => item.code), ['A', 'B'])
})

const OTHER = { ...GOOD, code: 'other-list' }
const BAD: Array<[string, unknown, string, RegExp]> = [
  ['no owner', { ...OTHER, owner: undefined }, '/owner', /is required/],
  ['a bad code', { ...OTHER, code: 'Agencies!' }, '/code', /must match pattern/],
  ['a bad date', { ...OTHER, effectiveFrom: '2025-02-30' }, '/effectiveFrom', /must match format "date"/],
  ['dates out of order', { ...OTHER, effectiveFrom: '2025-07-01', effectiveUntil: '2025-06-30' }, '/effectiveUntil', /before effectiveFrom/],
  ['a code twice', { ...OTHER, items: [{ code: 'A', name: 'x' }, { code: 'A', name: 'y' }] }, '/items/1/code', /listed twice/],
  ['an unknown property', { ...OTHER, colour: 'red' }, '/colour', /not a property/],
  ['neither items nor source', { ...OTHER, items: undefined }, '/items', /is required/],
  ['a parent not in the parent category', { ...OTHER, code: 'desks', parent: 'agencies', items: [{ code: 'D1', name: 'Bàn 1', parent: 'Z' }] }, '/items/0/parent', /not an item of agencies/],
  ['a register outside the folder', { ...OTHER, items: undefined, source: { kind: 'admin-units', file: '../../etc/units.json', list: 'communes' } }, '/source/file', /inside the categories folder/]
]

for (const [name, declaration, field, detail] of BAD) {
  t.test(`refused at load, naming file and field: ${name}`, async (t) => {
    const dir = await folder(t, { 'agencies.json': GOOD, 'zz-bad.json': JSON.parse(JSON.stringify(declaration)) })
    const err = await loadCategories(dir, schemasDir).catch((error: unknown) => error)
    t.type(err, CategoryDeclarationError)
    t.match(err, { file: join(dir, 'zz-bad.json'), field, message: detail })
  })
}

t.test('the same category twice, or a file that is not JSON, is refused', async (t) => {
  const twice = await folder(t, { 'a.json': GOOD, 'b.json': GOOD })
  await t.rejects(loadCategories(twice, schemasDir), { field: '/code', message: /already declared in .*a\.json/ })
  const broken = await folder(t, { 'a.json': '{ "code": ' })
  await t.rejects(loadCategories(broken, schemasDir), { field: '', message: /not valid JSON/ })
})

t.test('the shipped declarations load, and a register read once serves them all', async (t) => {
  const categories = await loadCategories(DEFAULT_CATEGORIES_DIR, schemasDir)
  const communes = categories.find((category) => category.declaration.code === 'communes')
  t.equal(communes?.register, categories.find((category) => category.declaration.code === 'provinces')?.register)
  const kinds = new Set(categories.find((category) => category.declaration.code === 'commune-kinds')?.items.map((item) => item.code))
  t.ok(communes?.items.every((item) => kinds.has(item.kind ?? '')), 'every commune\'s kind is in commune-kinds')
})

t.test('a register file that breaks its own rules is refused on the declaration naming it', async (t) => {
  const dir = await folder(t, { 'units.json': { about: '', effectiveFrom: '2025-07-01', provinces: [{ code: '01', name: 'X' }], communes: [{ code: '00004', name: 'Y', kind: 'ward', provinceCode: '99' }], legacyProvinces: [], conversions: [] } })
  await symlink(join(DEFAULT_CATEGORIES_DIR, 'data'), join(dir, 'data'))
  await writeFile(join(dir, 'communes.json'), JSON.stringify({ ...GOOD, code: 'communes', items: undefined, source: { kind: 'admin-units', file: 'units.json', list: 'communes' } }))
  await t.rejects(loadCategories(dir, schemasDir), { field: '/source/file', message: /\/communes\/0\/provinceCode names no current province/ })
})

t.test('the kind of change, from the conversion table\'s notes', async (t) => {
  t.equal(changeOf('Nhập toàn bộ'), 'merged-whole')
  t.equal(changeOf('Sắp xếp toàn bộ huyện Côn Đảo thành đặc khu Côn Đảo'), 'merged-whole')
  t.equal(changeOf('Nhập một phần diện tích, toàn bộ dân số'), 'merged-part')
  t.equal(changeOf('Nhâp một phần diện tích'), 'merged-part')
  t.equal(changeOf('Phần còn lại sau khi tách một phần vào xã Canh Vinh'), 'merged-part')
  t.equal(changeOf('Giữ nguyên'), 'unchanged')
  t.equal(changeOf('Đổi tên'), 'renamed')
  t.equal(changeOf('Đổi loại hình'), 'reclassified')
})
