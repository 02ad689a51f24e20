import type { RestFieldMapping, RestSource } from './declaration.js'
import type { AppliedFilter } from './filters.js'

/**
 * Translation between a REST upstream's own JSON and the gateway's records, as the declaration's
 * `source.fields` states it: a field is renamed, or read through a table of codes (`values`) or a date
 * format. The reverse direction turns a filter's value into the upstream's query value.
 */

export class MappingError extends Error {
  override name = 'MappingError'
}

const YYYYMMDD = /^([0-9]{4})([0-9]{2})([0-9]{2})$/
const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/

function realDate (year: string, month: string, day: string): boolean {
  const at = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)))
  return at.getUTCFullYear() === Number(year) && at.getUTCMonth() === Number(month) - 1 && at.getUTCDate() === Number(day)
}

const mappingOf = (mapping: string | RestFieldMapping): RestFieldMapping => typeof mapping === 'string' ? { from: mapping } : mapping

/** One upstream record as a record; a field the upstream leaves out (or sends as null) is left out. */
export function recordFromUpstream (value: unknown, source: RestSource, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError(`${where} is not an object`)
  const upstream = value as Record<string, unknown>
  const record: Record<string, unknown> = {}
  for (const [field, declared] of Object.entries(source.fields)) {
    const { from, values, format } = mappingOf(declared)
    if (!Object.hasOwn(upstream, from)) continue
    const raw = upstream[from]
    if (raw === null || raw === undefined) continue
    let mapped: unknown = raw
    if (values !== undefined) {
      const key = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined
      if (key === undefined || !Object.hasOwn(values, key)) throw new MappingError(`${where}.${from} has an unknown value ${JSON.stringify(raw)}`)
      mapped = values[key]
    }
    if (format === 'yyyyMMdd') {
      const match = typeof mapped === 'string' ? YYYYMMDD.exec(mapped) : null
      if (match === null || !realDate(match[1] as string, match[2] as string, match[3] as string)) throw new MappingError(`${where}.${from} is not a yyyyMMdd date`)
      mapped = `${match[1] as string}-${match[2] as string}-${match[3] as string}`
    }
    record[field] = mapped
  }
  return record
}

/**
 * The upstream's query value for a filter, or undefined when no upstream value can match it (a code the
 * upstream's table does not have): then the answer is empty without asking.
 */
export function upstreamValue (filter: AppliedFilter, source: RestSource): string | undefined {
  const declared = source.fields[filter.field]
  const { values, format } = declared === undefined ? { values: undefined, format: undefined } : mappingOf(declared)
  if (values !== undefined) {
    const found = Object.entries(values).find(([, value]) => value === filter.value || String(value) === String(filter.value))
    return found?.[0]
  }
  if (format === 'yyyyMMdd') {
    const match = ISO_DATE.exec(String(filter.value))
    return match === null ? undefined : `${match[1] as string}${match[2] as string}${match[3] as string}`
  }
  return String(filter.value)
}

/** The id as the upstream knows it (the reverse of the id field's mapping). */
export function upstreamId (id: string | number, idField: string, source: RestSource): string | undefined {
  return upstreamValue({ name: idField, field: idField, operator: 'eq', value: id }, source)
}
