import { createHash } from 'node:crypto'
import { identityMismatches, type IdentityField } from '../../domain/identity.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import {
  BATCH_FAULTS, BATCH_OPERATIONS, BATCH_RESULT_CODES, decodeResultsCursor, encodeResultsCursor, MAX_RESULTS_PAGE, type WireBatchState
} from './batch.js'
import { MappingError, verificationRecordFromXml, verificationResultToXml, xmlList } from './mapping.js'
import type { VerificationRecord, VerificationResult } from './port.js'
import { isXmlObject, type SoapFault, type XmlObject } from './soap.js'

/**
 * The population simulator's batch verification (protocol in batch.ts). Like the real service it works through
 * the submitted batches one at a time, in order, at a fixed rate: a batch's progress is a function of the clock
 * alone, so a test that drives the clock sees the same states every run. Each record's result is what the lookup
 * and the gateway's comparison (domain/identity.ts) say; it is worked out at submission and kept as one byte.
 */

export interface BatchOptions {
  /** Most records one GuiLoXacThuc may carry; more is a soap:Client.VuotQuaGioiHan fault. Default 1000. */
  maxRecords?: number
  /** Records verified per second, all batches together (one queue). Default 50 000: a million in 20 s. */
  ratePerSecond?: number
  /** How long a finished (or failed) batch stays readable. Default one hour. */
  retentionMs?: number
  /** Batches held at most; the oldest finished one goes first, and when none has finished a submission is refused 503. Default 1200. */
  maxBatches?: number
  /** Milliseconds since the epoch; tests pass their own to step through a batch. */
  clock?: () => number
}

export interface BatchFaults {
  /** Answer the next N batch calls (any of the three operations) 503 soap:Server, then recover. */
  failNextBatchCalls?: number
  /** The next N submitted batches stop halfway in state LOI. */
  failNextBatches?: number
}

export type BatchAnswer = { result: XmlObject } | { status: number, fault: SoapFault }

export interface VerificationCounts {
  matched: number
  mismatched: number
  notFound: number
  /** Records where each field differs. */
  byField: Record<IdentityField, number>
}

export interface VerificationBatches {
  /** Whether `element` is one of the batch operations. */
  handles (element: string): boolean
  answer (element: string, input: XmlObject, faults: BatchFaults): BatchAnswer
  /** What the database says of each record, from the same population as the lookup (for tests). */
  verify (record: VerificationRecord): VerificationResult
  /** Batches held now. */
  readonly size: number
}

const FOUND = 1
const FIELD_BITS: Record<IdentityField, number> = { fullName: 2, dateOfBirth: 4, gender: 8 }
const FIELDS = Object.keys(FIELD_BITS) as IdentityField[]

interface Batch {
  id: string
  owner: string
  /** The submission's key, to forget it with the batch. */
  submission: string
  digest: string
  references: string[]
  outcomes: Uint8Array
  startsAt: number
  endsAt: number
  /** Records processed when it stops: all, or half for a batch made to fail. */
  stopsAt: number
  fails: boolean
}

const OPERATIONS = new Set<string>(Object.values(BATCH_OPERATIONS))

function refuse (faultstring: string, faultcode = 'Client'): BatchAnswer {
  return { status: 500, fault: { faultcode, faultstring } }
}

function positive (value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number`)
  return value
}

export function countResults (results: Iterable<VerificationResult>): VerificationCounts {
  const counts: VerificationCounts = { matched: 0, mismatched: 0, notFound: 0, byField: { fullName: 0, dateOfBirth: 0, gender: 0 } }
  for (const result of results) {
    if (!result.found) counts.notFound++
    else if (result.match) counts.matched++
    else counts.mismatched++
    for (const field of result.mismatches) counts.byField[field]++
  }
  return counts
}

export function serveVerificationBatches (population: SyntheticPopulation, revisionOf: (index: number) => number, options: BatchOptions = {}): VerificationBatches {
  const maxRecords = positive(options.maxRecords ?? 1000, 'maxRecords')
  const rate = positive(options.ratePerSecond ?? 50_000, 'ratePerSecond')
  const retentionMs = options.retentionMs ?? 3_600_000
  const maxBatches = positive(options.maxBatches ?? 1200, 'maxBatches')
  const clock = options.clock ?? Date.now
  const batches = new Map<string, Batch>() // in submission order, which is also the order they end in
  const submissions = new Map<string, Batch>()
  let sequence = 0
  let queueFreeAt = 0

  function outcome (record: VerificationRecord): number {
    const index = population.indexOf(record.personalId)
    if (index === undefined) return 0
    const mismatches = identityMismatches(population.citizenAt(index, revisionOf(index)), record)
    return mismatches.reduce((bits, field) => bits | FIELD_BITS[field], FOUND)
  }

  function resultOf (reference: string, bits: number): VerificationResult {
    const mismatches = FIELDS.filter((field) => (bits & FIELD_BITS[field]) !== 0)
    const found = (bits & FOUND) !== 0
    return { reference, found, match: found && mismatches.length === 0, mismatches }
  }

  function forget (batch: Batch): void {
    batches.delete(batch.id)
    submissions.delete(batch.submission)
  }

  function sweep (now: number): void {
    for (const batch of batches.values()) {
      if (batch.endsAt + retentionMs > now) break
      forget(batch)
    }
  }

  function progress (batch: Batch, now: number): { state: WireBatchState, processed: number } {
    if (now >= batch.endsAt) return { state: batch.fails ? 'LOI' : 'HOAN_THANH', processed: batch.stopsAt }
    const processed = Math.max(0, Math.min(batch.stopsAt, Math.floor((now - batch.startsAt) * rate / 1000)))
    return { state: 'DANG_XU_LY', processed }
  }

  function submit (input: XmlObject, faults: BatchFaults): BatchAnswer {
    const now = clock()
    sweep(now)
    const list = input.DanhSachBanGhi
    let items
    try {
      items = isXmlObject(list) ? xmlList(list, 'BanGhi') : []
    } catch {
      return refuse('DanhSachBanGhi không đúng định dạng')
    }
    if (items.length === 0) return refuse('Lô không có bản ghi nào')
    if (items.length > maxRecords) return refuse(`Lô có ${items.length} bản ghi, vượt quá giới hạn ${maxRecords} bản ghi`, BATCH_FAULTS.tooLarge)

    const records: VerificationRecord[] = []
    const references = new Set<string>()
    for (const [i, item] of items.entries()) {
      // Faults name the record's position and field, never a value: they are logged at both ends.
      if (!isXmlObject(item)) return refuse(`Bản ghi thứ ${i + 1} không đúng định dạng`)
      let record
      try {
        record = verificationRecordFromXml(item)
      } catch (err) {
        if (err instanceof MappingError) return refuse(`Bản ghi thứ ${i + 1}: ${err.message}`)
        throw err
      }
      if (references.has(record.reference)) return refuse(`Bản ghi thứ ${i + 1}: MaBanGhi trùng với một bản ghi trước`)
      references.add(record.reference)
      records.push(record)
    }

    const owner = input.MaTichHop as string
    const submission = `${owner}\u0000${input.MaYeuCau as string}`
    const digest = createHash('sha256').update(JSON.stringify(records)).digest('base64url')
    const earlier = submissions.get(submission)
    if (earlier !== undefined) {
      if (earlier.digest !== digest) return refuse('MaYeuCau đã được dùng cho một lô khác')
      return { result: { MaYeuCau: input.MaYeuCau as string, MaLo: earlier.id, TongSo: String(earlier.references.length) } }
    }
    if (batches.size >= maxBatches) {
      const oldest = batches.values().next().value
      if (oldest === undefined || oldest.endsAt > now) return { status: 503, fault: { faultcode: 'Server', faultstring: 'Hệ thống đang xử lý quá nhiều lô, vui lòng gửi lại sau' } }
      forget(oldest)
    }

    const fails = (faults.failNextBatches ?? 0) > 0
    if (fails) faults.failNextBatches = (faults.failNextBatches ?? 0) - 1
    const stopsAt = fails ? Math.floor(records.length / 2) : records.length
    const startsAt = Math.max(now, queueFreeAt)
    const endsAt = startsAt + Math.ceil(stopsAt * 1000 / rate)
    queueFreeAt = endsAt
    const batch: Batch = {
      id: `LO${String(++sequence).padStart(10, '0')}`,
      owner,
      submission,
      digest,
      references: records.map((record) => record.reference),
      outcomes: Uint8Array.from(records, outcome),
      startsAt,
      endsAt,
      stopsAt,
      fails
    }
    batches.set(batch.id, batch)
    submissions.set(submission, batch)
    return { result: { MaYeuCau: input.MaYeuCau as string, MaLo: batch.id, TongSo: String(records.length) } }
  }

  /** The batch's head fields, or the "no such batch" result; a batch is only its submitter's. */
  function head (input: XmlObject): { batch: Batch, now: number, fields: XmlObject, state: WireBatchState, processed: number } | { result: XmlObject } {
    const now = clock()
    sweep(now)
    const batchId = input.MaLo
    const batch = typeof batchId === 'string' ? batches.get(batchId) : undefined
    if (batch === undefined || batch.owner !== input.MaTichHop) {
      return { result: { MaYeuCau: input.MaYeuCau as string, MaKetQua: BATCH_RESULT_CODES.noSuchBatch, MoTaKetQua: 'Không tìm thấy lô hoặc lô đã hết thời hạn lưu' } }
    }
    const { state, processed } = progress(batch, now)
    const description = state === 'LOI' ? 'Lô xử lý lỗi, chỉ có kết quả của các bản ghi đã xử lý' : state === 'HOAN_THANH' ? 'Lô đã xử lý xong' : 'Lô đang được xử lý'
    const fields = {
      MaYeuCau: input.MaYeuCau as string,
      MaKetQua: BATCH_RESULT_CODES.found,
      MoTaKetQua: description,
      MaLo: batch.id,
      TrangThai: state,
      TongSo: String(batch.references.length),
      DaXuLy: String(processed)
    }
    return { batch, now, fields, state, processed }
  }

  function results (input: XmlObject): BatchAnswer {
    const limitText = input.SoLuong
    const limit = typeof limitText === 'string' && /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : 0
    if (limit < 1 || limit > MAX_RESULTS_PAGE) return refuse(`SoLuong phải là số nguyên từ 1 đến ${MAX_RESULTS_PAGE}`)
    const found = head(input)
    if ('result' in found) return found
    const { batch, fields, state, processed } = found
    const cursor = input.ConTro
    const from = cursor === undefined || cursor === '' ? 0 : typeof cursor === 'string' ? decodeResultsCursor(batch.id, cursor) : undefined
    if (from === undefined || from > batch.references.length) return refuse('ConTro không hợp lệ hoặc không do hệ thống cấp cho lô này', BATCH_FAULTS.badCursor)
    const to = Math.max(from, Math.min(from + limit, processed))
    const end = state === 'LOI' ? processed : batch.references.length
    const items: XmlObject[] = []
    for (let i = from; i < to; i++) items.push(verificationResultToXml(resultOf(batch.references[i] as string, batch.outcomes[i] as number)))
    return {
      result: {
        ...fields,
        DanhSachKetQua: { KetQuaBanGhi: items },
        ...(to < end ? { ConTro: encodeResultsCursor(batch.id, to) } : {})
      }
    }
  }

  return {
    handles: (element) => OPERATIONS.has(element),
    answer (element, input, faults) {
      if ((faults.failNextBatchCalls ?? 0) > 0) {
        faults.failNextBatchCalls = (faults.failNextBatchCalls ?? 0) - 1
        return { status: 503, fault: { faultcode: 'Server', faultstring: 'Hệ thống đang bận, vui lòng thử lại sau' } }
      }
      for (const required of ['MaYeuCau', 'MaTichHop', 'MaDonVi', ...(element === BATCH_OPERATIONS.submit ? [] : ['MaLo'])]) {
        if (typeof input[required] !== 'string' || input[required] === '') return refuse(`Thiếu trường bắt buộc ${required}`)
      }
      if (element === BATCH_OPERATIONS.submit) return submit(input, faults)
      if (element === BATCH_OPERATIONS.results) return results(input)
      const found = head(input)
      return 'result' in found ? found : { result: found.fields }
    },
    verify: (record) => resultOf(record.reference, outcome(record)),
    get size () { return batches.size }
  }
}
