import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The official register of administrative units (categories/data/admin-units-2025.json, a verbatim copy of the
 * national register's facts: see categories/README.md): the 34 provinces and 3,321 communes in force since
 * 1 July 2025 (Decision 19/2025/QĐ-TTg codes), the 63 provinces before, and the official conversion table from
 * the legacy communes (with their districts) to the current ones. The legacy districts and communes are not
 * listed in the file: they are derived here from the conversion table, so the repository holds each fact once.
 *
 * Part of the shared kernel: the simulators place their synthetic people in these units, and the gateway's
 * categories serve them.
 */

export type CommuneKind = 'commune' | 'ward' | 'special-zone'

/** What the conversion table's note says happened to a legacy commune (the note itself is kept verbatim). */
export type ChangeKind = 'merged-whole' | 'merged-part' | 'unchanged' | 'renamed' | 'reclassified' | 'other'

export interface Province { code: string, name: string }
export interface Commune { code: string, name: string, kind: CommuneKind, provinceCode: string }
export interface LegacyProvince { code: string, name?: string, becamePartOf: string[] }
export interface LegacyDistrict { code: string, name: string, provinceCode: string }
export interface LegacyCommune {
  code: string
  name: string
  /** Other spellings or names the conversion table gives the same code (a few codes carry two names). */
  otherNames: string[]
  districtCode: string
  provinceCode: string
  /** The current communes that took in all or part of it, in the table's order; more than one: it was split. */
  becamePartOf: string[]
}

/** One row of the official conversion table. */
export interface Conversion {
  communeCode: string
  /** null for a whole district without communes (an island district that became a special zone) or an unnamed area. */
  legacyCommuneCode: string | null
  legacyCommuneName: string | null
  legacyDistrictCode: string
  legacyDistrictName: string
  legacyProvinceCode: string
  note: string
  change: ChangeKind
}

export interface AdminRegister {
  /** The day the current units came into force (2025-07-01). */
  effectiveFrom: string
  provinces: readonly Province[]
  communes: readonly Commune[]
  legacyProvinces: readonly LegacyProvince[]
  legacyDistricts: readonly LegacyDistrict[]
  legacyCommunes: readonly LegacyCommune[]
  conversions: readonly Conversion[]
  province (code: string): Province | undefined
  commune (code: string): Commune | undefined
  legacyCommune (code: string): LegacyCommune | undefined
  legacyDistrict (code: string): LegacyDistrict | undefined
}

/** Malformed register data; `path` is a JSON pointer into the file. */
export class AdminUnitsError extends Error {
  override name = 'AdminUnitsError'
  constructor (readonly path: string, detail: string) {
    super(`${path === '' ? '(file)' : path} ${detail}`)
  }
}

/** The note's kind: "một phần" (in part) wins over a rename, as the commune's territory was divided. */
export function changeOf (note: string): ChangeKind {
  const text = note.normalize('NFC').trim()
  if (/một phần|^Phần còn lại/iu.test(text)) return 'merged-part'
  if (/^(Nhập|Sắp xếp) toàn bộ/iu.test(text)) return 'merged-whole'
  if (/^Giữ nguyên/iu.test(text)) return 'unchanged'
  if (/^Đổi tên/iu.test(text)) return 'renamed'
  if (/^Đổi loại hình/iu.test(text)) return 'reclassified'
  return 'other'
}

const KINDS: ReadonlySet<string> = new Set(['commune', 'ward', 'special-zone'])
// a few names in the table carry a doubled space ("Phường  6")
const tidy = (name: string): string => name.normalize('NFC').replace(/\s+/g, ' ').trim()

function text (value: unknown, path: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.trim() === '' || (pattern !== undefined && !pattern.test(value))) {
    throw new AdminUnitsError(path, pattern === undefined ? 'must be a non-empty string' : `must match ${String(pattern)}`)
  }
  return value
}

function list (value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new AdminUnitsError(path, 'must be an array')
  return value
}

const rowAt = (value: unknown, path: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) throw new AdminUnitsError(path, 'must be an object')
  return value as Record<string, unknown>
}

/** The most frequent of a code's spellings (first seen on a tie), and the others. */
function usualName (names: readonly string[]): { name: string, otherNames: string[] } {
  const counts = new Map<string, number>()
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  const name = [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0]
  return { name, otherNames: [...counts.keys()].filter((other) => other !== name) }
}

const PROVINCE = /^[0-9]{2}$/
const DISTRICT = /^[0-9]{3}$/
const COMMUNE = /^[0-9]{5}$/

/**
 * The register from the file's parsed JSON, checked (codes of the official shapes, every conversion pointing at
 * a current commune, every legacy province at current provinces). `legacyProvinceNames` names the 63 legacy
 * provinces, which the register file lists by code only.
 */
export function parseAdminUnits (data: unknown, legacyProvinceNames: ReadonlyMap<string, string> = new Map()): AdminRegister {
  const root = rowAt(data, '')
  const effectiveFrom = text(root.effectiveFrom, '/effectiveFrom', /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/)
  const provinces = list(root.provinces, '/provinces').map((value, i): Province => {
    const row = rowAt(value, `/provinces/${i}`)
    return { code: text(row.code, `/provinces/${i}/code`, PROVINCE), name: tidy(text(row.name, `/provinces/${i}/name`)) }
  })
  const provinceByCode = new Map(provinces.map((province) => [province.code, province]))
  const communes = list(root.communes, '/communes').map((value, i): Commune => {
    const at = `/communes/${i}`
    const row = rowAt(value, at)
    const provinceCode = text(row.provinceCode, `${at}/provinceCode`, PROVINCE)
    if (!provinceByCode.has(provinceCode)) throw new AdminUnitsError(`${at}/provinceCode`, `names no current province (${provinceCode})`)
    const kind = text(row.kind, `${at}/kind`)
    if (!KINDS.has(kind)) throw new AdminUnitsError(`${at}/kind`, `must be one of ${[...KINDS].join(', ')}`)
    return { code: text(row.code, `${at}/code`, COMMUNE), name: tidy(text(row.name, `${at}/name`)), kind: kind as CommuneKind, provinceCode }
  })
  const communeByCode = new Map(communes.map((commune) => [commune.code, commune]))
  const legacyProvinces = list(root.legacyProvinces, '/legacyProvinces').map((value, i): LegacyProvince => {
    const at = `/legacyProvinces/${i}`
    const row = rowAt(value, at)
    const code = text(row.code, `${at}/code`, PROVINCE)
    const becamePartOf = list(row.becamePartOf, `${at}/becamePartOf`).map((part, j) => {
      const current = text(part, `${at}/becamePartOf/${j}`, PROVINCE)
      if (!provinceByCode.has(current)) throw new AdminUnitsError(`${at}/becamePartOf/${j}`, `names no current province (${current})`)
      return current
    })
    const name = typeof row.name === 'string' ? row.name : legacyProvinceNames.get(code)
    return { code, ...(name === undefined ? {} : { name: tidy(name) }), becamePartOf }
  })
  const legacyProvinceCodes = new Set(legacyProvinces.map((province) => province.code))
  const conversions = list(root.conversions, '/conversions').map((value, i): Conversion => {
    const at = `/conversions/${i}`
    const row = rowAt(value, at)
    const communeCode = text(row.communeCode, `${at}/communeCode`, COMMUNE)
    if (!communeByCode.has(communeCode)) throw new AdminUnitsError(`${at}/communeCode`, `names no current commune (${communeCode})`)
    const legacyProvinceCode = text(row.legacyProvinceCode, `${at}/legacyProvinceCode`, PROVINCE)
    if (!legacyProvinceCodes.has(legacyProvinceCode)) throw new AdminUnitsError(`${at}/legacyProvinceCode`, `names no legacy province (${legacyProvinceCode})`)
    const note = text(row.note, `${at}/note`)
    return {
      communeCode,
      legacyCommuneCode: row.legacyCommuneCode === null ? null : text(row.legacyCommuneCode, `${at}/legacyCommuneCode`, COMMUNE),
      legacyCommuneName: row.legacyCommuneName === null ? null : tidy(text(row.legacyCommuneName, `${at}/legacyCommuneName`)),
      legacyDistrictCode: text(row.legacyDistrictCode, `${at}/legacyDistrictCode`, DISTRICT),
      legacyDistrictName: tidy(text(row.legacyDistrictName, `${at}/legacyDistrictName`)),
      legacyProvinceCode,
      note,
      change: changeOf(note)
    }
  })
  const { legacyDistricts, legacyCommunes } = derivedLegacyUnits(conversions)
  const legacyCommuneByCode = new Map(legacyCommunes.map((commune) => [commune.code, commune]))
  const legacyDistrictByCode = new Map(legacyDistricts.map((district) => [district.code, district]))
  return {
    effectiveFrom,
    provinces,
    communes,
    legacyProvinces,
    legacyDistricts,
    legacyCommunes,
    conversions,
    province: (code) => provinceByCode.get(code),
    commune: (code) => communeByCode.get(code),
    legacyCommune: (code) => legacyCommuneByCode.get(code),
    legacyDistrict: (code) => legacyDistrictByCode.get(code)
  }
}

/** The legacy districts and communes as the conversion table names them, in code order. */
function derivedLegacyUnits (conversions: readonly Conversion[]): { legacyDistricts: LegacyDistrict[], legacyCommunes: LegacyCommune[] } {
  const districts = new Map<string, { names: string[], provinceCode: string }>()
  const communes = new Map<string, { names: string[], districtCode: string, provinceCode: string, becamePartOf: string[] }>()
  for (const row of conversions) {
    const district = districts.get(row.legacyDistrictCode) ?? { names: [], provinceCode: row.legacyProvinceCode }
    district.names.push(row.legacyDistrictName)
    districts.set(row.legacyDistrictCode, district)
    if (row.legacyCommuneCode === null) continue
    const commune = communes.get(row.legacyCommuneCode) ?? { names: [], districtCode: row.legacyDistrictCode, provinceCode: row.legacyProvinceCode, becamePartOf: [] }
    if (row.legacyCommuneName !== null) commune.names.push(row.legacyCommuneName)
    if (!commune.becamePartOf.includes(row.communeCode)) commune.becamePartOf.push(row.communeCode)
    communes.set(row.legacyCommuneCode, commune)
  }
  const byCode = <T extends { code: string }>(a: T, b: T): number => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  return {
    legacyDistricts: [...districts].map(([code, { names, provinceCode }]) => ({ code, name: usualName(names).name, provinceCode })).sort(byCode),
    legacyCommunes: [...communes].map(([code, { names, districtCode, provinceCode, becamePartOf }]) =>
      ({ code, ...usualName(names.length > 0 ? names : [code]), districtCode, provinceCode, becamePartOf })).sort(byCode)
  }
}

// Compiled code runs from dist/, sources from the tree: the data sits beside package.json either way.
function projectRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above adapters/shared')
    dir = parent
  }
  return dir
}

/** The register file and the legacy province names, as shipped in categories/data/. */
export const ADMIN_UNITS_FILE = 'admin-units-2025.json'
export const LEGACY_PROVINCE_NAMES_FILE = 'legacy-province-names.json'

/** Reads a register file (and the legacy province names beside it when given). */
export function readAdminUnits (file: string, namesFile?: string): AdminRegister {
  const names = namesFile === undefined
    ? new Map<string, string>()
    : new Map((JSON.parse(readFileSync(namesFile, 'utf8')) as Array<{ code: string, name: string }>).map(({ code, name }) => [code, name]))
  return parseAdminUnits(JSON.parse(readFileSync(file, 'utf8')), names)
}

let shipped: AdminRegister | undefined

/** The register shipped with the repository (read once: the simulators draw every synthetic address from it). */
export function shippedAdminUnits (): AdminRegister {
  if (shipped === undefined) {
    const dir = join(projectRoot(), 'categories', 'data')
    shipped = readAdminUnits(join(dir, ADMIN_UNITS_FILE), join(dir, LEGACY_PROVINCE_NAMES_FILE))
  }
  return shipped
}
