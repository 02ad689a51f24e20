import { parsePersonalId } from '../../domain/personal-id.js'
import { isoTime, parsePortalTime } from '../shared/vietnam-time.js'
import { CHANGE_KINDS, decodeCursor, encodeCursor } from './feed.js'
import { citizenFromXml, MappingError } from './mapping.js'
import type { ChangeItem, ChangeKind, ChangePage, Citizen } from './port.js'
import type { XmlObject } from './soap.js'

/**
 * Reading a page of the change feed (protocol in feed.ts). A record the gateway cannot vouch for becomes an
 * InvalidChange with the reason; only what makes the page itself unusable (no SoThuTu to place a record, feed
 * order broken, a cursor that does not advance) throws MappingError, and the client fails the call.
 */

type Json = Record<string, unknown>

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/
const VIETNAM_OFFSET_MS = 7 * 3600_000 // birth dates are Vietnamese calendar days

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON record in the SOAP record's shape (text and nested records; null is absent), for citizenFromXml. */
function recordOf (value: unknown, where: string): XmlObject {
  if (!isObject(value)) throw new MappingError(`${where} is not an object`)
  const record: XmlObject = {}
  for (const [name, field] of Object.entries(value)) {
    if (!FIELD_NAME.test(name) || field === null) continue // not a field of the record (nor `__proto__`)
    if (typeof field === 'string') record[name] = field
    else if (isObject(field)) record[name] = recordOf(field, `${where}.${name}`)
    else throw new MappingError(`${where}.${name} is ${Array.isArray(field) ? 'a list' : `a ${typeof field}`}, not text or a record`)
  }
  return record
}

function daysInMonth (year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** What the record says must agree with itself: a real personal id, a real past birth date it encodes. */
function checked (citizen: Citizen, now: Date): Citizen {
  const parts = parsePersonalId(citizen.personalId, now)
  if (parts === undefined) throw new MappingError(`CongDan.SoDinhDanh is not a valid personal id: ${citizen.personalId}`)
  const [year, month, day] = citizen.dateOfBirth.split('-').map(Number) as [number, number, number]
  const written = citizen.dateOfBirth.replaceAll('-', '')
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new MappingError(`CongDan.NgayThangNamSinh is not a real date: ${written}`)
  }
  if (Date.UTC(year, month - 1, day) > now.getTime() + VIETNAM_OFFSET_MS) throw new MappingError(`CongDan.NgayThangNamSinh is in the future: ${written}`)
  if (year !== parts.birthYear) {
    throw new MappingError(`CongDan.NgayThangNamSinh ${written} contradicts SoDinhDanh ${citizen.personalId} (born ${parts.birthYear})`)
  }
  if (citizen.gender !== parts.gender) {
    throw new MappingError(`CongDan.GioiTinh ${citizen.gender} contradicts SoDinhDanh ${citizen.personalId} (${parts.gender})`)
  }
  return citizen
}

function kindOf (record: Json): ChangeKind {
  const code = record.LoaiThayDoi
  if (typeof code !== 'string' || !Object.hasOwn(CHANGE_KINDS, code)) throw new MappingError(`LoaiThayDoi unknown: ${String(code)}`)
  return CHANGE_KINDS[code as keyof typeof CHANGE_KINDS]
}

function timeOf (record: Json): string {
  const text = record.ThoiDiem
  const ms = typeof text === 'string' ? parsePortalTime(text) : undefined
  if (ms === undefined) throw new MappingError(`ThoiDiem is not a yyyyMMddHHmmss time: ${String(text)}`)
  return isoTime(ms)
}

/** One record of `DuLieu`: the change, or why it cannot be taken. Throws only when it has no SoThuTu. */
export function changeFromFeed (value: unknown, where: string, now = new Date()): ChangeItem {
  if (!isObject(value)) throw new MappingError(`${where} is not an object`)
  const seq = value.SoThuTu
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new MappingError(`${where}.SoThuTu is not a positive integer`)
  try {
    return {
      seq,
      kind: kindOf(value),
      changedAt: timeOf(value),
      citizen: checked(citizenFromXml(recordOf(value.CongDan, 'CongDan')), now)
    }
  } catch (err) {
    if (err instanceof MappingError) return { seq, invalid: { reason: err.message, raw: value } }
    throw err
  }
}

/**
 * `{DuLieu, ConTro, TongSo}` read from the cursor starting at SoThuTu `start` with `limit`: records in feed
 * order from `start` on, no more than asked, and a ConTro (if any) past the last of them.
 */
export function changePageFromFeed (value: unknown, start: number, limit: number): ChangePage {
  if (!isObject(value)) throw new MappingError('answer is not an object')
  const records = value.DuLieu
  if (!Array.isArray(records)) throw new MappingError('answer.DuLieu is not a list')
  if (records.length > limit) throw new MappingError(`answer.DuLieu holds ${records.length} changes, ${limit} asked`)
  const now = new Date()
  const items = records.map((record, i) => changeFromFeed(record, `answer.DuLieu[${i}]`, now))
  let previous = start - 1
  for (const item of items) {
    if (item.seq <= previous) throw new MappingError(`answer.DuLieu is not in feed order at SoThuTu ${item.seq}`)
    previous = item.seq
  }

  const cursor = value.ConTro
  let next: number | undefined
  if (cursor !== null && cursor !== undefined) {
    next = typeof cursor === 'string' ? decodeCursor(cursor) : undefined
    if (next === undefined) throw new MappingError('answer.ConTro is not a cursor')
    if (items.length === 0 || next <= previous) throw new MappingError('answer.ConTro does not advance past the page')
  }
  const total = value.TongSo
  if (total !== undefined && total !== null && (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0)) {
    throw new MappingError('answer.TongSo is not a count')
  }

  return {
    items,
    ...(next === undefined ? {} : { nextCursor: cursor as string }),
    // At the end, the cursor of the change after the last one read: the feed serves it once it exists.
    checkpoint: next === undefined ? encodeCursor(previous + 1) : cursor as string,
    ...(typeof total === 'number' ? { total } : {})
  }
}
