import { PROCEDURE_CODE } from '../procedures/identifiers.js'
import type { DossierStatus } from '../procedures/statuses.js'
import { UnmappedValueError, type MappingTableName } from './errors.js'
import procedureMappingFile from './procedure-mapping.json' with { type: 'json' }
import { isNationalStatus } from './protocol.js'

/**
 * The two translation tables of the status push, as versioned data: plain objects the caller passes with each
 * push (the sync keeps them in the store and loads the version in force). The defaults below are the first
 * edition, for the demo, the simulator and as the seed of the store: the status table here, the procedure
 * table in procedure-mapping.json (data an operator edits as the province's catalogue changes).
 */

export interface MappingTable {
  /** This edition of the table, e.g. the date it took effect: `2025-07-01`. Recorded with each push. */
  version: string
  /** Local value → national code. A local value without an own entry is unmapped. */
  entries: Readonly<Record<string, string>>
}

export interface PortalMappings {
  /** Local dossier status (`received`, `processing`, …) → national status code `TrangThai` (`"1"` … `"10"`). */
  status: MappingTable
  /** Local procedure code → national TTHC catalogue code `MaTTHC` (`^[0-9]\.[0-9]{6}$`). */
  procedure: MappingTable
}

export const DEFAULT_MAPPINGS_VERSION = '2025-07-01'

/**
 * The one-stop statuses to the portal's: a refusal after reception is "dừng xử lý" (8), not "không được tiếp
 * nhận" (3), which the portal keeps for online submissions refused at the counter.
 */
const STATUS_ENTRIES = {
  received: '2',
  processing: '4',
  'additional-documents-requested': '5',
  resolved: '9',
  returned: '10',
  rejected: '8',
  withdrawn: '7'
} as const satisfies Record<DossierStatus, string>

export const DEFAULT_STATUS_MAPPING: MappingTable = Object.freeze({
  version: DEFAULT_MAPPINGS_VERSION,
  entries: Object.freeze({ ...STATUS_ENTRIES })
})

const NATIONAL_SHAPES: Readonly<Record<MappingTableName, { test: (code: string) => boolean, what: string }>> = {
  status: { test: isNationalStatus, what: 'a national status code ("1" … "10")' },
  procedure: { test: (code) => PROCEDURE_CODE.test(code), what: 'a national procedure code (d.dddddd)' }
}

/** What is wrong with one table, one line each, each said of the table ("has no version", "maps …"). */
function tableProblems (table: MappingTableName, value: unknown): string[] {
  const { version, entries } = (value ?? {}) as { version?: unknown, entries?: unknown }
  const problems: string[] = []
  if (typeof version !== 'string' || version.trim() === '') problems.push('has no version')
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return [...problems, 'has no entries object']
  for (const [local, national] of Object.entries(entries)) {
    if (typeof national !== 'string' || !NATIONAL_SHAPES[table].test(national)) problems.push(`maps "${local}" to ${JSON.stringify(national)}, not ${NATIONAL_SHAPES[table].what}`)
  }
  return problems
}

/**
 * What is wrong with tables loaded from the store, one line each; empty when they can be used. The sync checks
 * this once per run, before pushing anything.
 */
export function mappingProblems (mappings: PortalMappings): string[] {
  return (['status', 'procedure'] as const).flatMap((table) => tableProblems(table, mappings[table]).map((problem) => `${table} table ${problem}`))
}

/**
 * A mapping table read from a data file, checked as the store's tables are (a version; every entry a national
 * code of the table's shape) and for members it does not know. Throws naming the file and every problem.
 */
export function mappingTableFrom (table: MappingTableName, data: unknown, file: string): MappingTable {
  const problems = typeof data !== 'object' || data === null || Array.isArray(data)
    ? ['is not an object']
    : [...Object.keys(data).filter((key) => key !== 'version' && key !== 'entries').map((key) => `has an unknown member "${key}"`), ...tableProblems(table, data)]
  if (problems.length > 0) throw new Error(`${file}: the ${table} mapping table ${problems.join('; ')}`)
  const { version, entries } = data as MappingTable
  return Object.freeze({ version, entries: Object.freeze({ ...entries }) })
}

/** Local procedure code → national TTHC code: the province's one-stop catalogue already uses national codes. */
export const DEFAULT_PROCEDURE_MAPPING: MappingTable = mappingTableFrom('procedure', procedureMappingFile, 'adapters/national-portal/procedure-mapping.json')

export const DEFAULT_MAPPINGS: PortalMappings = Object.freeze({ status: DEFAULT_STATUS_MAPPING, procedure: DEFAULT_PROCEDURE_MAPPING })

/** The national code for a local value; UnmappedValueError when the table has none (or a malformed one). */
export function mapValue (mappings: PortalMappings, table: MappingTableName, value: string, dossierCode: string, sequence: number): string {
  const { version, entries } = mappings[table]
  // Own entries only: "constructor" or "__proto__" must not find Object.prototype's members.
  const national = Object.hasOwn(entries, value) ? entries[value] : undefined
  if (national === undefined) throw new UnmappedValueError(table, version, value, dossierCode, sequence)
  if (typeof national !== 'string' || !NATIONAL_SHAPES[table].test(national)) {
    throw new UnmappedValueError(table, version, value, dossierCode, sequence, `maps to ${JSON.stringify(national)}, not ${NATIONAL_SHAPES[table].what},`)
  }
  return national
}
