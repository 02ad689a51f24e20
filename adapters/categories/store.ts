import { foldVietnamese, queryWords } from '../shared/search-text.js'
import type { AdminRegister, Conversion } from '../shared/admin-units.js'
import { InvalidInputError } from '../shared/errors.js'
import type {
  Category, CategoryItem, CategorySummary, ConversionEntry, ConversionQuery, ItemQuery, Page
} from './port.js'

/**
 * The loaded categories, answered from memory: listed, searched (accents, case and đ/d folded), filtered by
 * parent and by the day in force, paged by code (a query word must begin a word of the name, accents aside); and the register's conversion from legacy communes to current
 * ones. Everything is read at boot, so a query is a scan of at most ten thousand folded names.
 */

export interface CategoryStore {
  list (): CategorySummary[]
  get (code: string): Category | undefined
  /** A page of the category's items; an empty page when `asOf` falls outside its period. */
  items (category: Category, query: ItemQuery): Page<CategoryItem>
  /** Whether the category is in force on a day (YYYY-MM-DD). */
  inForce (category: Category, day: string): boolean
  /** Whether `code` is an item of the category and the category is in force that day. */
  holds (categoryCode: string, code: string, day: string): boolean
  /** What became of legacy communes; undefined when no register of administrative units declares `communes`. */
  conversions (query: ConversionQuery): Page<ConversionEntry> | undefined
}

const CURSOR_PREFIX = 'after:'

export function encodeCursor (key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url')
}

export function decodeCursor (cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!text.startsWith(CURSOR_PREFIX) || text.length === CURSOR_PREFIX.length || encodeCursor(text.slice(CURSOR_PREFIX.length)) !== cursor) {
    throw new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor of this list' }])
  }
  return text.slice(CURSOR_PREFIX.length)
}

/** True when every query word begins a word of the item's. */
function startsWords (itemWords: readonly string[], words: readonly string[]): boolean {
  return words.length > 0 && words.every((word) => itemWords.some((itemWord) => itemWord.startsWith(word)))
}

/** The entries after the cursor's key (entries sorted by key), `limit` of them, and the cursor of the next page. */
function pageOf<T> (entries: readonly T[], keyOf: (entry: T) => string, cursor: string | undefined, limit: number): Page<T> {
  let start = 0
  if (cursor !== undefined) {
    const after = decodeCursor(cursor)
    start = entries.findIndex((entry) => keyOf(entry) > after)
    if (start < 0) start = entries.length
  }
  const items = entries.slice(start, start + limit)
  const last = items[items.length - 1]
  return start + limit < entries.length && last !== undefined ? { items, nextCursor: encodeCursor(keyOf(last)) } : { items }
}

function summaryOf ({ declaration, items }: Category): CategorySummary {
  const { code, name, description, owner, legalBasis, version, effectiveFrom, effectiveUntil, parent, supersedes, supersededBy } = declaration
  return Object.fromEntries(Object.entries({ code, name, description, owner, legalBasis, version, effectiveFrom, effectiveUntil, parent, supersedes, supersededBy, itemCount: items.length })
    .filter(([, value]) => value !== undefined)) as unknown as CategorySummary
}

export function createCategoryStore (categories: readonly Category[]): CategoryStore {
  const byCode = new Map(categories.map((category) => [category.declaration.code, category]))
  const codeSets = new Map(categories.map((category) => [category.declaration.code, new Set(category.items.map((item) => item.code))]))
  // each item's folded words: a query word must begin one of them ("ha tinh" finds Hà Tĩnh, not Thanh Hóa)
  const folded = new Map(categories.map((category) => [category, category.items.map((item) => foldVietnamese([item.name, ...(item.otherNames ?? [])].join(' ')).split(' '))]))
  const communes = byCode.get('communes')
  const conversions = communes?.register === undefined ? undefined : conversionEntries(communes.register)
  // every citizen lookup asks for its legacy addresses' communes: a scan of ~10,000 entries each cost ~1 ms
  const byLegacyCommune = indexBy(conversions ?? [], ({ entry }) => entry.legacyCommune === undefined ? [] : [entry.legacyCommune.code])
  const byCurrentCommune = indexBy(conversions ?? [], ({ entry }) => entry.current.map((current) => current.commune.code))

  function inForce ({ declaration: { effectiveFrom, effectiveUntil } }: Category, day: string): boolean {
    return (effectiveFrom === undefined || effectiveFrom <= day) && (effectiveUntil === undefined || day <= effectiveUntil)
  }

  return {
    list: () => categories.map(summaryOf),
    get: (code) => byCode.get(code),
    inForce,
    holds (categoryCode, code, day) {
      const category = byCode.get(categoryCode)
      return category !== undefined && inForce(category, day) && (codeSets.get(categoryCode)?.has(code) ?? false)
    },
    items (category, { q, parent, asOf, cursor, limit }) {
      if (cursor !== undefined) decodeCursor(cursor) // a bad cursor is refused even when nothing is in force
      if (asOf !== undefined && !inForce(category, asOf)) return { items: [] }
      const words = q === undefined ? [] : queryWords(q)
      const texts = folded.get(category) ?? []
      const codePrefix = q?.trim()
      const matching = category.items.filter((item, i) =>
        (parent === undefined || item.parent === parent) &&
        (q === undefined || startsWords(texts[i] ?? [], words) || (codePrefix !== undefined && codePrefix !== '' && item.code.startsWith(codePrefix))))
      return pageOf(matching, (item) => item.code, cursor, limit)
    },
    conversions (query) {
      if (conversions === undefined) return undefined
      const { legacyCommuneCode, legacyDistrictCode, legacyProvinceCode, communeCode, cursor, limit } = query
      const candidates = legacyCommuneCode !== undefined
        ? byLegacyCommune.get(legacyCommuneCode) ?? []
        : communeCode !== undefined ? byCurrentCommune.get(communeCode) ?? [] : conversions
      const matching = candidates.filter(({ entry }) =>
        (legacyCommuneCode === undefined || entry.legacyCommune?.code === legacyCommuneCode) &&
        (legacyDistrictCode === undefined || entry.legacyDistrict.code === legacyDistrictCode) &&
        (legacyProvinceCode === undefined || entry.legacyProvince.code === legacyProvinceCode) &&
        (communeCode === undefined || entry.current.some((current) => current.commune.code === communeCode)))
      const page = pageOf(matching, ({ key }) => key, cursor, limit)
      return { ...page, items: page.items.map(({ entry }) => entry) }
    }
  }
}

/** The entries under each of their keys, in the entries' order. */
function indexBy<T> (entries: readonly T[], keysOf: (entry: T) => string[]): Map<string, T[]> {
  const index = new Map<string, T[]>()
  for (const entry of entries) {
    for (const key of new Set(keysOf(entry))) {
      const list = index.get(key)
      if (list === undefined) index.set(key, [entry])
      else list.push(entry)
    }
  }
  return index
}

/**
 * The conversion table grouped by legacy commune (a whole district without communes is one entry of its own), in
 * code order: a commune's rows become one entry listing every current commune that took in all or part of it.
 */
function conversionEntries (register: AdminRegister): Array<{ key: string, entry: ConversionEntry }> {
  const groups = new Map<string, Conversion[]>()
  for (const row of register.conversions) {
    // district-wide rows sort after every commune code (digits): `d<district>:<current commune>`
    const key = row.legacyCommuneCode ?? `d${row.legacyDistrictCode}:${row.communeCode}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  const legacyProvinceNames = new Map(register.legacyProvinces.map((province) => [province.code, province.name ?? province.code]))
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, rows]) => {
    const first = rows[0] as Conversion
    const legacyCommune = first.legacyCommuneCode === null ? undefined : register.legacyCommune(first.legacyCommuneCode)
    const district = register.legacyDistrict(first.legacyDistrictCode)
    const current = rows.map((row) => {
      const commune = register.commune(row.communeCode)
      const province = commune === undefined ? undefined : register.province(commune.provinceCode)
      return {
        commune: { code: row.communeCode, name: commune?.name ?? row.communeCode, kind: commune?.kind ?? 'commune' },
        province: { code: province?.code ?? '', name: province?.name ?? '' },
        change: row.change,
        note: row.note
      }
    })
    const entry: ConversionEntry = {
      ...(legacyCommune === undefined ? {} : { legacyCommune: { code: legacyCommune.code, name: legacyCommune.name } }),
      ...(first.legacyCommuneCode === null && first.legacyCommuneName !== null ? { legacyArea: first.legacyCommuneName } : {}),
      legacyDistrict: { code: first.legacyDistrictCode, name: district?.name ?? first.legacyDistrictName },
      legacyProvince: { code: first.legacyProvinceCode, name: legacyProvinceNames.get(first.legacyProvinceCode) ?? first.legacyProvinceCode },
      split: new Set(rows.map((row) => row.communeCode)).size > 1,
      current
    }
    return { key, entry }
  })
}
