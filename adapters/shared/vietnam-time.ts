/**
 * Time in the one-stop system: `yyyyMMddHHmmss` wall-clock in Asia/Ho_Chi_Minh (UTC+7 all year, no daylight
 * saving, so a fixed offset is exact). The gateway speaks ISO 8601 with the +07:00 offset.
 */

const OFFSET_MS = 7 * 3600_000
const PORTAL_TIME = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/
const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
const ISO_DATE_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/

export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 Sunday … 6 Saturday. */
  weekday: number
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0')

function daysInMonth (year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function validParts (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59
}

const DAY_MS = 86_400_000

/** 0 Sunday … 6 Saturday, in Vietnam; arithmetic, as generators call it in tight loops (1 Jan 1970 was a Thursday). */
export function weekdayOf (ms: number): number {
  return (Math.floor((ms + OFFSET_MS) / DAY_MS) + 4) % 7
}

/** Midnight, Vietnam time, of the day `ms` falls on. */
export function startOfDay (ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS
}

/** Epoch ms of a Vietnam wall-clock time. */
export function vietnamTime (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - OFFSET_MS
}

export function wallClock (ms: number): WallClock {
  const local = new Date(ms + OFFSET_MS)
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay()
  }
}

export function portalTime (ms: number): string {
  const t = wallClock(ms)
  return `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}${pad(t.hour)}${pad(t.minute)}${pad(t.second)}`
}

export function isoTime (ms: number): string {
  const t = wallClock(ms)
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}+07:00`
}

/** Epoch ms of a `yyyyMMddHHmmss` value, or undefined when it is not a real time in that shape. */
export function parsePortalTime (text: string): number | undefined {
  const match = PORTAL_TIME.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number]
  if (!validParts(year, month, day, hour, minute, second)) return undefined
  return vietnamTime(year, month, day, hour, minute, second)
}

/** Epoch ms of an ISO 8601 date-time with an offset (or Z), or undefined. */
export function parseIsoTime (text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number]
  const second = Number(match[6] ?? 0)
  if (!validParts(year, month, day, hour, minute, second)) return undefined
  const offset = match[7] as string
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 14 || Number(offset.slice(4)) > 59)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * A query bound as the upstream wants it (`yyyyMMddHHmmss`, Vietnam time, inclusive): a date-time as given
 * (to the second), a bare date as its first (`start`) or last (`end`) second. Undefined when unreadable.
 */
export function portalBound (text: string, edge: 'start' | 'end'): string | undefined {
  const date = ISO_DATE.exec(text)
  if (date !== null) {
    const [year, month, day] = date.slice(1).map(Number) as [number, number, number]
    if (!validParts(year, month, day)) return undefined
    return `${pad(year, 4)}${pad(month)}${pad(day)}${edge === 'start' ? '000000' : '235959'}`
  }
  const ms = parseIsoTime(text)
  if (ms === undefined) return undefined
  // The upstream counts whole seconds: round inward so a fractional bound never admits a record outside it.
  return portalTime(edge === 'start' ? Math.ceil(ms / 1000) * 1000 : Math.floor(ms / 1000) * 1000)
}
