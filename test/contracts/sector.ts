import type { Test } from 'tap'
import type { CallContext, DatasetDeclaration, FilterDeclaration, Page, SectorPort, SectorRecord } from '../../adapters/sector/port.js'

/**
 * What every source of a declared sector dataset must do through the SectorPort. `records` is everything the
 * source holds when the fixture is made, exactly as the port must return it, ordered by the id field; the suite
 * derives every expectation from it and from the declaration. `countSource` counts straight at the source
 * (SQL: SELECT count(*) on the table), bypassing the port, so the suite can prove nothing was changed or dropped.
 */
export interface SectorFixture {
  port: SectorPort
  dataset: DatasetDeclaration
  records: readonly SectorRecord[]
  countSource (): Promise<number>
  /** A well-formed id the source does not hold. */
  unknownId: string | number
}

const context = (name: string): CallContext => ({ requestId: `contract-${name}`, officialId: 'canbo.contract' })

/** What attackers type into a query string: SQL, LIKE wildcards, escapes, comment and statement terminators. */
export const HOSTILE_VALUES = [
  "' OR 1=1 --",
  "'; DROP TABLE land_parcels; --",
  '1; DELETE FROM enterprise_registrations',
  '%',
  '_',
  '%%',
  '\\',
  '\\%',
  "') OR ('a'='a",
  '" OR ""="',
  '$1',
  '*/ SELECT pg_sleep(5) /*',
  'x\u0000y'
]

const keyOf = (d: DatasetDeclaration): string => `${d.sector}/${d.dataset}`

/** Follows nextCursor to the end, failing on a page larger than the limit or a cursor seen twice. */
async function walk (t: Test, limit: number, page: (cursor: string | undefined) => Promise<Page<SectorRecord>>): Promise<SectorRecord[]> {
  const items: SectorRecord[] = []
  const seen = new Set<string>()
  let cursor: string | undefined
  for (;;) {
    const result = await page(cursor)
    if (result.items.length > limit) t.fail(`page of ${result.items.length} items, limit ${limit}`)
    if (result.nextCursor !== undefined && result.items.length === 0) t.fail('an empty page with a next cursor')
    items.push(...result.items)
    if (result.nextCursor === undefined) return items
    if (seen.has(result.nextCursor)) throw new Error(`cursor ${result.nextCursor} repeated`)
    seen.add(result.nextCursor)
    cursor = result.nextCursor
  }
}

async function listAll (t: Test, port: SectorPort, dataset: DatasetDeclaration, filters: Record<string, string | number>, limit = 500): Promise<SectorRecord[]> {
  return await walk(t, limit, async (cursor) => await port.listRecords(dataset, { filters, limit, ...(cursor === undefined ? {} : { cursor }) }, context('list')))
}

// ---- an oracle written apart from the adapter's own filter code ----

function compare (a: string | number, b: string | number): number {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b)
  return a < b ? -1 : a > b ? 1 : 0
}

function matches (record: SectorRecord, filter: FilterDeclaration, value: string | number): boolean {
  const actual = record[filter.field]
  if (actual === undefined || typeof actual === 'boolean') return false
  switch (filter.operator) {
    case 'eq': return compare(actual, value) === 0
    case 'prefix': return String(actual).startsWith(String(value))
    case 'gte': return compare(actual, value) >= 0
    case 'lte': return compare(actual, value) <= 0
  }
}

/** A value for a filter that some records match and (for ranges) some do not. */
function sampleValue (records: readonly SectorRecord[], filter: FilterDeclaration): string | number {
  const values = records.map((record) => record[filter.field]).filter((value): value is string | number => typeof value === 'string' || typeof value === 'number')
  if (values.length === 0) throw new Error(`the fixture holds no record with ${filter.field}`)
  if (filter.operator === 'gte' || filter.operator === 'lte') return [...values].sort(compare)[Math.floor(values.length / 2)] as string | number
  const value = values[Math.floor(values.length / 3)] as string | number
  if (filter.operator === 'prefix') {
    const text = String(value)
    return text.slice(0, Math.max(3, Math.ceil(text.length / 2)))
  }
  return value
}

const ids = (records: readonly SectorRecord[], idField: string): Array<string | number> => records.map((record) => record[idField] as string | number)
const hasDiacritics = (text: string): boolean => /[^\p{ASCII}]/u.test(text)

function validationOf (t: Test, error: unknown, pointer: string, message: string): void {
  t.match(error, { code: 'INVALID_INPUT', errors: [{ in: 'query', pointer }] }, message)
}

async function failure (pending: Promise<unknown>): Promise<unknown> {
  return await pending.then(() => undefined, (err: unknown) => err)
}

export function sectorContract (t: Test, makeFixture: (t: Test) => Promise<SectorFixture>): void {
  t.test('reads records by id exactly as the source holds them', async (t) => {
    const { port, dataset, records } = await makeFixture(t)
    const optional = Object.keys(dataset.recordSchema.properties).filter((name) => !(dataset.recordSchema.required ?? []).includes(name))
    const sparse = records.find((record) => optional.some((name) => record[name] === undefined))
    const picks = [records[0], records[Math.floor(records.length / 2)], records[records.length - 1], sparse].filter((r): r is SectorRecord => r !== undefined)
    for (const expected of picks) {
      const id = expected[dataset.idField] as string | number
      t.same(await port.getRecord(dataset, id, context('get')), expected, `record ${id}`)
    }
    const first = records[0] as SectorRecord
    t.same(await port.getRecord(keyOf(dataset), first[dataset.idField] as string | number, context('get-by-key')), first, 'by `sector/dataset` too')
    if (sparse !== undefined) t.ok(optional.some((name) => !(name in (sparse))), 'a missing value is a missing field, not null')
  })

  t.test('an unknown id answers undefined', async (t) => {
    const { port, dataset, unknownId } = await makeFixture(t)
    t.equal(await port.getRecord(dataset, unknownId, context('unknown')), undefined)
    t.equal(await port.getRecord(dataset, '', context('empty')), undefined, 'an empty id')
  })

  t.test('pages walk every record exactly once, in id order, whatever the page size', async (t) => {
    const { port, dataset, records, countSource } = await makeFixture(t)
    const expected = ids(records, dataset.idField)
    t.equal(await countSource(), records.length, 'the fixture is the whole source')
    for (const limit of [1000, 97, 13]) {
      const walked = ids(await listAll(t, port, dataset, {}, limit), dataset.idField)
      t.equal(walked.length, expected.length, `limit ${limit}: as many records as the source counts`)
      t.equal(new Set(walked).size, walked.length, `limit ${limit}: none twice`)
      t.same(walked, expected, `limit ${limit}: the same records, ordered by ${dataset.idField}`)
    }
    const first = await port.listRecords(dataset, { limit: 1 }, context('one'))
    t.equal(first.items.length, 1)
    t.type(first.nextCursor, 'string')
    t.same(first.items[0], records[0])
  })

  t.test('each declared filter returns exactly the matching records', async (t) => {
    const { port, dataset, records } = await makeFixture(t)
    t.ok(dataset.filters.length > 0, 'the dataset declares filters')
    for (const filter of dataset.filters) {
      const value = sampleValue(records, filter)
      const expected = ids(records.filter((record) => matches(record, filter, value)), dataset.idField)
      t.ok(expected.length > 0, `${filter.name}=${value} matches some records`)
      const found = ids(await listAll(t, port, dataset, { [filter.name]: value }, 200), dataset.idField)
      t.same(found, expected, `${filter.name} ${filter.operator} ${value}: ${expected.length} records`)
      if (typeof value === 'number') {
        const asText = ids(await listAll(t, port, dataset, { [filter.name]: String(value) }, 200), dataset.idField)
        t.same(asText, expected, `${filter.name}: a number given as query text`)
      }
    }

    // Two filters at once: both apply.
    const [a, b] = dataset.filters
    if (a !== undefined && b !== undefined) {
      const anchor = records.find((record) => record[a.field] !== undefined && record[b.field] !== undefined) as SectorRecord
      const values = { [a.name]: sampleFor(a, anchor), [b.name]: sampleFor(b, anchor) }
      const expected = ids(records.filter((record) => matches(record, a, values[a.name] as string | number) && matches(record, b, values[b.name] as string | number)), dataset.idField)
      t.ok(expected.length > 0)
      t.same(ids(await listAll(t, port, dataset, values, 50), dataset.idField), expected, `${a.name} and ${b.name} together`)
    }
  })

  t.test('a filter that is not declared is refused, naming the parameter', async (t) => {
    const { port, dataset } = await makeFixture(t)
    const column = dataset.source.kind === 'sql' ? 'parcel_id' : 'MaCoSo'
    for (const name of ['notDeclared', column, dataset.idField, 'cursor', 'limit', `${dataset.idField}" OR 1=1 --`, '__proto__', 'a/b~c']) {
      if (dataset.filters.some((filter) => filter.name === name)) continue
      const error = await failure(port.listRecords(dataset, { filters: { [name]: 'x' }, limit: 5 }, context('undeclared')))
      validationOf(t, error, `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, `filter ${JSON.stringify(name)} refused`)
    }
    const error = await failure(port.listRecords(dataset, { filters: Object.fromEntries([['nope', 'x'], ['nada', 1]]), limit: 5 }, context('two')))
    t.equal((error as { errors?: unknown[] }).errors?.length, 2, 'every undeclared parameter is named')
  })

  t.test('a filter value its schema refuses is refused, naming the parameter', async (t) => {
    const { port, dataset } = await makeFixture(t)
    let checked = 0
    for (const filter of dataset.filters) {
      const bad = filter.schema.type !== 'string' ? 'not-a-number' : filter.schema.format === 'date' ? '2025-02-30' : filter.schema.pattern !== undefined || filter.schema.enum !== undefined ? '!!!' : 'x'.repeat(10_000)
      validationOf(t, await failure(port.listRecords(dataset, { filters: { [filter.name]: bad }, limit: 5 }, context('bad-value'))), `/${filter.name}`, `${filter.name}=${bad.slice(0, 20)}`)
      checked++
    }
    t.equal(checked, dataset.filters.length)
  })

  t.test('a number filter value no column holds is refused, naming the parameter', async (t) => {
    const { port, dataset } = await makeFixture(t)
    const numeric = dataset.filters.filter((filter) => filter.schema.type !== 'string')
    for (const filter of numeric) {
      const beyond: Array<string | number> = ['Infinity', '-Infinity', '1e999', Number.POSITIVE_INFINITY, Number.NaN]
      if (filter.schema.type === 'integer') beyond.push('99999999999999999999999', 2 ** 53, -(2 ** 53))
      for (const value of beyond) {
        validationOf(t, await failure(port.listRecords(dataset, { filters: { [filter.name]: value }, limit: 5 }, context('beyond'))), `/${filter.name}`, `${filter.name}=${String(value)}`)
      }
    }
    if (numeric.length === 0) t.pass(`${keyOf(dataset)} has no number filter`)
  })

  t.test('limits outside 1…1000 are refused', async (t) => {
    const { port, dataset } = await makeFixture(t)
    for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
      validationOf(t, await failure(port.listRecords(dataset, { limit }, context('limit'))), '/limit', `limit ${limit}`)
    }
  })

  t.test('a cursor tampered with, forged, or replayed with other filters is refused', async (t) => {
    const { port, dataset, records } = await makeFixture(t)
    const page = await port.listRecords(dataset, { limit: 2 }, context('cursor'))
    const cursor = page.nextCursor as string
    t.type(cursor, 'string')
    t.match(cursor, /^[A-Za-z0-9_.-]+$/, 'base64url text')

    const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
    const tampered = [flip(cursor, 0), flip(cursor, Math.floor(cursor.length / 2)), flip(cursor, cursor.length - 1), cursor.slice(0, -1), `${cursor}A`,
      cursor.split('.')[0] as string, 'bm90LWEtY3Vyc29y', '', '.', 'x'.repeat(5000),
      // a payload of our own making, with a MAC copied from the real cursor
      `${Buffer.from(JSON.stringify({ d: keyOf(dataset), f: '', p: records[0]?.[dataset.idField] })).toString('base64url')}.${cursor.split('.')[1] ?? ''}`]
    for (const bad of tampered) {
      validationOf(t, await failure(port.listRecords(dataset, { cursor: bad, limit: 2 }, context('tampered'))), '/cursor', `cursor ${bad.slice(0, 30)}…`)
    }

    const filter = dataset.filters[0] as FilterDeclaration
    validationOf(t, await failure(port.listRecords(dataset, { cursor, filters: { [filter.name]: sampleValue(records, filter) }, limit: 2 }, context('replayed'))),
      '/cursor', 'a cursor is bound to the filters it was issued with')

    const next = await port.listRecords(dataset, { cursor, limit: 2 }, context('honest'))
    t.same(next.items, records.slice(2, 4), 'the untouched cursor still works')
  })

  t.test('injection attempts in filter values and ids are data: refused or matching nothing, never SQL', async (t) => {
    const { port, dataset, records, countSource } = await makeFixture(t)
    const before = await countSource()
    for (const filter of dataset.filters) {
      for (const value of HOSTILE_VALUES) {
        const outcome = await port.listRecords(dataset, { filters: { [filter.name]: value }, limit: 50 }, context('hostile')).then((page) => page, (err: unknown) => err)
        if (outcome instanceof Error) {
          validationOf(t, outcome, `/${filter.name}`, `${filter.name}=${JSON.stringify(value)}: refused`)
        } else {
          const expected = records.filter((record) => matches(record, filter, value))
          t.same((outcome as Page<SectorRecord>).items, expected.slice(0, 50), `${filter.name}=${JSON.stringify(value)}: only literal matches (${expected.length})`)
        }
      }
    }
    for (const value of HOSTILE_VALUES) t.equal(await port.getRecord(dataset, value, context('hostile-id')), undefined, `id ${JSON.stringify(value)}`)

    // LIKE wildcards in a prefix are literal: a real prefix followed by % or _ matches nothing.
    for (const filter of dataset.filters.filter((f) => f.operator === 'prefix')) {
      const real = String(sampleValue(records, filter))
      for (const value of [`${real}%`, `${real.slice(0, -1)}_`, `%${real.slice(1)}`, `_${real.slice(1)}`]) {
        const expected = records.filter((record) => matches(record, filter, value))
        t.same((await port.listRecords(dataset, { filters: { [filter.name]: value }, limit: 50 }, context('wildcard'))).items, expected, `${filter.name}=${value}: wildcards are literal`)
      }
    }

    t.equal(await countSource(), before, 'the source still exists, with as many records')
    t.equal((await listAll(t, port, dataset, {}, 1000)).length, records.length, 'and the port still reads them all')
  })

  t.test('Vietnamese text round-trips, whichever Unicode form the caller sends', async (t) => {
    const { port, dataset, records } = await makeFixture(t)
    const accented = records.find((record) => Object.values(record).some((value) => typeof value === 'string' && hasDiacritics(value)))
    t.ok(accented !== undefined, 'the data holds Vietnamese text')
    if (accented !== undefined) t.same(await port.getRecord(dataset, accented[dataset.idField] as string | number, context('unicode')), accented)

    const textFilters = dataset.filters.filter((filter) => filter.schema.type === 'string' && filter.schema.pattern === undefined && filter.schema.enum === undefined && filter.schema.format === undefined)
    for (const filter of textFilters) {
      const source = records.map((record) => record[filter.field]).find((value): value is string => typeof value === 'string' && hasDiacritics(value.slice(0, 12)))
      if (source === undefined) continue
      const value = filter.operator === 'prefix' ? source.slice(0, 12) : source
      const expected = ids(records.filter((record) => matches(record, filter, value)), dataset.idField)
      t.ok(expected.length > 0, `${filter.name}=${value} matches`)
      t.same(ids(await listAll(t, port, dataset, { [filter.name]: value }, 500), dataset.idField), expected, `${filter.name}: NFC`)
      t.not(value.normalize('NFD'), value)
      t.same(ids(await listAll(t, port, dataset, { [filter.name]: value.normalize('NFD') }, 500), dataset.idField), expected, `${filter.name}: NFD finds the same`)
    }
  })

  t.test('reports healthy while its source serves', async (t) => {
    const { port } = await makeFixture(t)
    await t.resolves(port.checkHealth())
  })
}

/** A value of filter `f` that `record` satisfies. */
function sampleFor (filter: FilterDeclaration, record: SectorRecord): string | number {
  const value = record[filter.field] as string | number
  return filter.operator === 'prefix' ? String(value).slice(0, 3) : value
}
