import type { ValidateFunction } from 'ajv'
import { InvalidInputError, type FieldError } from '../shared/errors.js'
import { calendarFormats } from '../../domain/calendar.js'
import { pointerSegment, strictAjv } from '../shared/ajv.js'
import type { DatasetDeclaration, FilterDeclaration, FilterOperator, Scalar } from './declaration.js'

/**
 * The filters of one list call, checked against the declaration before any source sees them: only declared
 * filters, each value valid against its schema (text normalised to NFC first, numbers accepted as text). What
 * comes out is data: the sources pass it as SQL parameters or URL query values, never as code.
 */

export interface AppliedFilter {
  name: string
  field: string
  operator: FilterOperator
  value: string | number
}

/** Bound on free text a declaration leaves unbounded. */
const DEFAULT_MAX_LENGTH = 200

/**
 * Why a number the schema accepted cannot be compared, or undefined. Ajv's coercion makes "Infinity" or "1e999"
 * a number that skips minimum/maximum, and a whole number past 2^53 has lost its digits and prints as `1e+23`,
 * which no bigint column takes: integer filters are safe integers, number filters finite.
 */
function unboundedNumber (type: FilterDeclaration['schema']['type'], value: number): string | undefined {
  if (type === 'integer' && !Number.isSafeInteger(value)) return `must be a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`
  if (!Number.isFinite(value)) return 'must be a finite number'
  return undefined
}

export interface FilterChecker {
  /** Absent (undefined) entries are ignored: a route may pass its optional query parameters as they come. */
  check (given: Readonly<Record<string, string | number | undefined>> | undefined): AppliedFilter[]
}

export function filterChecker (declaration: DatasetDeclaration): FilterChecker {
  // a caller's dates are bounded like every request's (domain/calendar.ts); records are not
  const ajv = calendarFormats(strictAjv({ coerceTypes: true }))
  const validators = new Map<string, { filter: FilterDeclaration, validate: ValidateFunction }>()
  for (const filter of declaration.filters) {
    const schema = filter.schema.type === 'string' && filter.schema.maxLength === undefined && filter.schema.enum === undefined
      ? { ...filter.schema, maxLength: DEFAULT_MAX_LENGTH }
      : filter.schema
    // wrapped in an object: Ajv coerces properties, not a bare root value
    validators.set(filter.name, { filter, validate: ajv.compile({ type: 'object', required: ['value'], properties: { value: schema } }) })
  }
  const declared = declaration.filters.map((filter) => filter.name).join(', ')

  return {
    check (given) {
      const applied: AppliedFilter[] = []
      const errors: FieldError[] = []
      for (const [name, raw] of Object.entries(given ?? {})) {
        if (raw === undefined) continue
        const pointer = `/${pointerSegment(name)}`
        const entry = validators.get(name)
        if (entry === undefined) {
          errors.push({ in: 'query', pointer, detail: declared === '' ? 'is not a filter: this dataset has none' : `is not a filter of this dataset (filters: ${declared})` })
          continue
        }
        if (typeof raw !== 'string' && typeof raw !== 'number') {
          errors.push({ in: 'query', pointer, detail: 'must be text or a number' })
          continue
        }
        const text = typeof raw === 'string' ? raw.normalize('NFC') : raw
        if (typeof text === 'string' && text.includes('\u0000')) {
          errors.push({ in: 'query', pointer, detail: 'must not contain NUL characters' })
          continue
        }
        const holder: { value: unknown } = { value: text }
        if (!entry.validate(holder)) {
          const first = entry.validate.errors?.[0]
          errors.push({ in: 'query', pointer, detail: first?.message ?? 'is not valid' })
          continue
        }
        const value = holder.value
        if (typeof value !== 'string' && typeof value !== 'number') {
          errors.push({ in: 'query', pointer, detail: 'is not valid' })
          continue
        }
        const unbounded = typeof value === 'number' ? unboundedNumber(entry.filter.schema.type, value) : undefined
        if (unbounded !== undefined) {
          errors.push({ in: 'query', pointer, detail: unbounded })
          continue
        }
        applied.push({ name, field: entry.filter.field, operator: entry.filter.operator, value })
      }
      if (errors.length > 0) throw new InvalidInputError(errors)
      return applied
    }
  }
}

/** Whether a record satisfies a filter, by the operator's meaning (text by code unit, numbers by value). */
export function satisfies (record: Readonly<Record<string, Scalar>>, filter: AppliedFilter): boolean {
  const actual = record[filter.field]
  if (actual === undefined || typeof actual === 'boolean') return false
  const wanted = filter.value
  switch (filter.operator) {
    case 'eq': return typeof actual === 'number' ? actual === Number(wanted) : actual === String(wanted)
    case 'prefix': return typeof actual === 'string' && actual.startsWith(String(wanted))
    case 'gte': return compare(actual, wanted) >= 0
    case 'lte': return compare(actual, wanted) <= 0
  }
}

/** Numbers by value; date-times by instant (offsets differ); dates and other text by code unit. */
function compare (actual: string | number, wanted: string | number): number {
  if (typeof actual === 'number') return actual - Number(wanted)
  const text = String(wanted)
  if (actual.includes('T') && text.includes('T')) return Date.parse(actual) - Date.parse(text)
  return actual < text ? -1 : actual > text ? 1 : 0
}
