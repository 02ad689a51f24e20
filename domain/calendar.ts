import type { Ajv, FormatDefinition } from 'ajv'
import { fullFormats } from 'ajv-formats/dist/formats.js'

/**
 * Dates a caller may give the gateway: years 1900 to 2100, inclusive. Nothing the gateway serves is dated outside
 * them (the oldest living citizens were born after 1900; registers were kept long after), while a year 0 or 9999
 * reaches databases and upstreams that cannot represent it (PostgreSQL has no year 0) and came back as a 500 or a
 * 502. Outside the range, a date is refused as ordinary validation (400), at its field.
 */
export const EARLIEST_YEAR = 1900
export const LATEST_YEAR = 2100

/** The year a date or date-time is written in (its first four digits; the offset is not applied). */
function yearWithinRange (text: string): boolean {
  const year = Number(text.slice(0, 4))
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR
}

const DATE_OR_DATE_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(Z|[+-]([0-9]{2}):([0-9]{2})))?$/

function daysInMonth (year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * A calendar date (`2025-07-01`: a whole day) or a date-time with an offset, seconds optional
 * (`2025-12-31T17:00+07:00`), real and within the years above: the period bounds the dossier search takes.
 */
export function isDateOrDateTime (text: string): boolean {
  const match = DATE_OR_DATE_TIME.exec(text)
  if (match === null) return false
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[] as [number, number, number, number?, number?, number?]
  const [offsetHours = 0, offsetMinutes = 0] = match.slice(8, 10).map((part) => Number(part ?? 0))
  return yearWithinRange(text) && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 14 && offsetMinutes <= 59
}

function bounded (standard: FormatDefinition<string>): FormatDefinition<string> {
  const validate = standard.validate as (text: string) => boolean
  return { ...standard, validate: (text: string) => validate(text) && yearWithinRange(text) }
}

/**
 * Ajv plugin: the standard `date` and `date-time` formats (RFC 3339, as ajv-formats checks them) narrowed to the
 * years above, and `date-or-date-time`. It replaces ajv-formats' own `date` and `date-time`, so it must run after
 * ajv-formats is added. Every JSON Schema of a request (routes, schemas/, sector dataset filters) gets the bound
 * without saying so; records read from upstreams are checked by the sector adapter's own Ajv, unbounded.
 */
export function calendarFormats (ajv: Ajv): Ajv {
  return ajv
    .addFormat('date', bounded(fullFormats.date as FormatDefinition<string>))
    .addFormat('date-time', bounded(fullFormats['date-time'] as FormatDefinition<string>))
    .addFormat('date-or-date-time', { type: 'string', validate: isDateOrDateTime })
}
