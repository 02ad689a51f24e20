import { isoTime, parseIsoTime, parsePortalTime, portalTime } from '../shared/vietnam-time.js'
import { DOSSIER_CODE, ENTERPRISE_CODE, PERSONAL_ID, PROCEDURE_CODE, AGENCY_CODE } from './identifiers.js'
import type {
  ApplicantKind, ChangeFeedPage, Dossier, DossierChange, Page, Procedure, ProcedureLevel, StatusChange
} from './port.js'
import { DOSSIER_STATUSES, type DossierStatus } from './statuses.js'

/**
 * The one-stop system's JSON (national-portal field names, `yyyyMMddHHmmss` times, numeric codes) and the
 * gateway's types, both ways: the client reads records and checks every field it promises its callers; the
 * simulator writes them.
 */

export type PortalRecord = Record<string, unknown>

/**
 * TrangThaiHoSo, numbered as the national public-service portal numbers dossier statuses:
 * 1 mới đăng ký, 2 được tiếp nhận, 3 không được tiếp nhận, 4 đang xử lý, 5 yêu cầu bổ sung giấy tờ, 6 yêu cầu
 * thực hiện nghĩa vụ tài chính, 7 rút hồ sơ theo yêu cầu, 8 dừng xử lý, 9 đã xử lý xong, 10 đã trả kết quả.
 * The one-stop register holds a dossier from its reception on, so 1 and 3 (online submissions before or
 * refused at reception) never appear; 6 is not used by this system; a refusal after reception is 8.
 */
export const STATUS_CODES: Readonly<Record<DossierStatus, number>> = {
  received: 2,
  processing: 4,
  'additional-documents-requested': 5,
  resolved: 9,
  returned: 10,
  rejected: 8,
  withdrawn: 7
}

export const STATUS_LABELS: Readonly<Record<DossierStatus, string>> = {
  received: 'Được tiếp nhận',
  processing: 'Đang xử lý',
  'additional-documents-requested': 'Yêu cầu bổ sung giấy tờ',
  resolved: 'Đã xử lý xong',
  returned: 'Đã trả kết quả',
  rejected: 'Dừng xử lý',
  withdrawn: 'Rút hồ sơ theo yêu cầu'
}

const STATUS_BY_CODE = new Map<number, DossierStatus>(DOSSIER_STATUSES.map((status) => [STATUS_CODES[status], status]))

export function statusFromCode (code: unknown): DossierStatus | undefined {
  return typeof code === 'number' ? STATUS_BY_CODE.get(code) : undefined
}

const LEVELS: Readonly<Record<ProcedureLevel, string>> = { province: 'Cấp Tỉnh', commune: 'Cấp Xã' }
// LoaiDoiTuong / DoiTuongThucHien
const APPLICANT_CODES: Readonly<Record<ApplicantKind, number>> = { citizen: 1, business: 2 }

export class MappingError extends Error {}

// ---- reading, with a path in every message so an upstream defect can be found in its logs ----

function object (value: unknown, where: string): PortalRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError(`${where} is not an object`)
  return value as PortalRecord
}

function text (record: PortalRecord, name: string, where: string): string {
  const value = record[name]
  if (typeof value !== 'string' || value.trim() === '') throw new MappingError(`${where}.${name} missing`)
  return value
}

/** Portal systems send "" or null for an absent value; both mean absent. */
function optionalText (record: PortalRecord, name: string, where: string): string | undefined {
  const value = record[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') throw new MappingError(`${where}.${name} is not text`)
  return value
}

function shaped (record: PortalRecord, name: string, where: string, pattern: RegExp): string {
  const value = text(record, name, where)
  if (!pattern.test(value)) throw new MappingError(`${where}.${name} malformed: ${value}`)
  return value
}

function integer (record: PortalRecord, name: string, where: string, min = 0): number {
  const value = record[name]
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new MappingError(`${where}.${name} is not an integer ≥ ${min}`)
  return value
}

function time (record: PortalRecord, name: string, where: string): string {
  const value = text(record, name, where)
  const ms = parsePortalTime(value)
  if (ms === undefined) throw new MappingError(`${where}.${name} not yyyyMMddHHmmss: ${value}`)
  return isoTime(ms)
}

function optionalTime (record: PortalRecord, name: string, where: string): string | undefined {
  return optionalText(record, name, where) === undefined ? undefined : time(record, name, where)
}

function list (record: PortalRecord, name: string, where: string): unknown[] {
  const value = record[name]
  if (!Array.isArray(value)) throw new MappingError(`${where}.${name} is not a list`)
  return value
}

function status (record: PortalRecord, name: string, where: string): DossierStatus {
  const found = statusFromCode(record[name])
  if (found === undefined) throw new MappingError(`${where}.${name} unknown: ${String(record[name])}`)
  return found
}

function applicantKind (code: unknown, where: string): ApplicantKind {
  if (code === APPLICANT_CODES.citizen) return 'citizen'
  if (code === APPLICANT_CODES.business) return 'business'
  throw new MappingError(`${where} unknown applicant kind: ${String(code)}`)
}

// ---- writing ----

function portalFromIso (iso: string): string {
  const ms = parseIsoTime(iso)
  if (ms === undefined) throw new TypeError(`not an ISO 8601 date-time: ${iso}`)
  return portalTime(ms)
}

const optional = <T>(name: string, value: T | undefined): Record<string, T> => value === undefined ? {} : { [name]: value }

// ---- procedures (ThuTuc) ----

export function procedureToPortal (procedure: Procedure): PortalRecord {
  return {
    MaTTHC: procedure.procedureCode,
    TenTTHC: procedure.name,
    MaLinhVuc: procedure.fieldCode,
    TenLinhVuc: procedure.fieldName,
    CapThucHien: LEVELS[procedure.level],
    CoQuanThucHien: procedure.agency,
    ThoiHanGiaiQuyet: procedure.processingTimeDays,
    DoiTuongThucHien: procedure.applicantKinds.map((kind) => APPLICANT_CODES[kind]),
    PhiLePhi: procedure.fees.map((fee) => ({ MoTa: fee.description, MucPhi: fee.amountVnd })),
    ThanhPhanHoSo: procedure.requiredDocuments.map((document) => ({ TenGiayTo: document.name, ...optional('SoBan', document.copies) }))
  }
}

/** Throws MappingError when the record lacks what the gateway promises its callers. */
export function procedureFromPortal (value: unknown): Procedure {
  const record = object(value, 'ThuTuc')
  const where = `ThuTuc ${String(record.MaTTHC)}`
  const levelText = text(record, 'CapThucHien', where)
  const level = (Object.keys(LEVELS) as ProcedureLevel[]).find((key) => LEVELS[key] === levelText)
  if (level === undefined) throw new MappingError(`${where}.CapThucHien unknown: ${levelText}`)
  const applicantKinds = list(record, 'DoiTuongThucHien', where).map((code, i) => applicantKind(code, `${where}.DoiTuongThucHien[${i}]`))
  if (applicantKinds.length === 0) throw new MappingError(`${where}.DoiTuongThucHien is empty`)
  return {
    procedureCode: shaped(record, 'MaTTHC', where, PROCEDURE_CODE),
    name: text(record, 'TenTTHC', where),
    fieldCode: text(record, 'MaLinhVuc', where),
    fieldName: text(record, 'TenLinhVuc', where),
    level,
    agency: text(record, 'CoQuanThucHien', where),
    processingTimeDays: integer(record, 'ThoiHanGiaiQuyet', where),
    applicantKinds,
    fees: list(record, 'PhiLePhi', where).map((item, i) => {
      const fee = object(item, `${where}.PhiLePhi[${i}]`)
      return { description: text(fee, 'MoTa', `${where}.PhiLePhi[${i}]`), amountVnd: integer(fee, 'MucPhi', `${where}.PhiLePhi[${i}]`) }
    }),
    requiredDocuments: list(record, 'ThanhPhanHoSo', where).map((item, i) => {
      const at = `${where}.ThanhPhanHoSo[${i}]`
      const document = object(item, at)
      const copies = document.SoBan === undefined || document.SoBan === null ? undefined : integer(document, 'SoBan', at, 1)
      return { name: text(document, 'TenGiayTo', at), ...optional('copies', copies) }
    })
  }
}

// ---- dossiers (HoSo) and their history (QuaTrinhXuLy) ----

function changeToPortal (change: StatusChange): PortalRecord {
  return {
    SoThuTu: change.sequence,
    TrangThaiHoSo: STATUS_CODES[change.status],
    ThoiDiemXuLy: portalFromIso(change.at),
    ...optional('MaCanBo', change.officialId),
    ...optional('NoiDungXuLy', change.note)
  }
}

export function dossierToPortal (dossier: Dossier): PortalRecord {
  return {
    MaHoSo: dossier.dossierCode,
    MaTTHC: dossier.procedureCode,
    TenTTHC: dossier.procedureName,
    ChuHoSo: dossier.applicant.name,
    LoaiDoiTuong: APPLICANT_CODES[dossier.applicant.kind],
    MaDoiTuong: dossier.applicant.id,
    MaCoQuanTiepNhan: dossier.receivingAgency.code,
    TenCoQuanTiepNhan: dossier.receivingAgency.name,
    DonViXuLy: dossier.handlingUnit,
    NgayTiepNhan: portalFromIso(dossier.receivedAt),
    NgayHenTra: portalFromIso(dossier.dueAt),
    NgayTra: dossier.finishedAt === undefined ? '' : portalFromIso(dossier.finishedAt),
    TrangThaiHoSo: STATUS_CODES[dossier.status],
    QuaTrinhXuLy: dossier.statusHistory.map(changeToPortal)
  }
}

function historyFromPortal (record: PortalRecord, where: string): StatusChange[] {
  const history = list(record, 'QuaTrinhXuLy', where).map((item, i): StatusChange => {
    const at = `${where}.QuaTrinhXuLy[${i}]`
    const entry = object(item, at)
    const sequence = integer(entry, 'SoThuTu', at, 1)
    // A gap or a repeat means a half-written history: refuse it rather than show a wrong sequence.
    if (sequence !== i + 1) throw new MappingError(`${at}.SoThuTu is ${sequence}, expected ${i + 1}`)
    const officialId = optionalText(entry, 'MaCanBo', at)
    const note = optionalText(entry, 'NoiDungXuLy', at)
    return {
      sequence,
      status: status(entry, 'TrangThaiHoSo', at),
      at: time(entry, 'ThoiDiemXuLy', at),
      ...optional('officialId', officialId),
      ...optional('note', note)
    }
  })
  if (history.length === 0) throw new MappingError(`${where}.QuaTrinhXuLy is empty`)
  return history
}

/** Throws MappingError when the record lacks what the gateway promises its callers. */
export function dossierFromPortal (value: unknown): Dossier {
  const record = object(value, 'HoSo')
  const where = `HoSo ${String(record.MaHoSo)}`
  const kind = applicantKind(record.LoaiDoiTuong, `${where}.LoaiDoiTuong`)
  const statusNow = status(record, 'TrangThaiHoSo', where)
  const statusHistory = historyFromPortal(record, where)
  const latest = statusHistory[statusHistory.length - 1] as StatusChange
  if (latest.status !== statusNow) throw new MappingError(`${where}.TrangThaiHoSo disagrees with the last QuaTrinhXuLy entry`)
  const finishedAt = optionalTime(record, 'NgayTra', where)
  return {
    dossierCode: shaped(record, 'MaHoSo', where, DOSSIER_CODE),
    procedureCode: shaped(record, 'MaTTHC', where, PROCEDURE_CODE),
    procedureName: text(record, 'TenTTHC', where),
    applicant: {
      kind,
      id: shaped(record, 'MaDoiTuong', where, kind === 'citizen' ? PERSONAL_ID : ENTERPRISE_CODE),
      name: text(record, 'ChuHoSo', where)
    },
    receivingAgency: { code: shaped(record, 'MaCoQuanTiepNhan', where, AGENCY_CODE), name: text(record, 'TenCoQuanTiepNhan', where) },
    handlingUnit: text(record, 'DonViXuLy', where),
    receivedAt: time(record, 'NgayTiepNhan', where),
    dueAt: time(record, 'NgayHenTra', where),
    ...optional('finishedAt', finishedAt),
    status: statusNow,
    sequence: latest.sequence,
    statusHistory
  }
}

// ---- the change feed (ThayDoi) ----

export function dossierChangeToPortal (change: DossierChange): PortalRecord {
  return {
    SoThuTuThayDoi: change.sequence,
    MaHoSo: change.dossierCode,
    SoThuTu: change.dossierSequence,
    MaTTHC: change.procedureCode,
    TrangThaiHoSo: STATUS_CODES[change.status],
    ThoiDiemXuLy: portalFromIso(change.at),
    ...optional('MaCanBo', change.officialId),
    ...optional('NoiDungXuLy', change.note),
    DonViXuLy: change.handlingUnit,
    NgayTiepNhan: portalFromIso(change.receivedAt),
    NgayHenTra: portalFromIso(change.dueAt)
  }
}

export function dossierChangeFromPortal (value: unknown): DossierChange {
  const record = object(value, 'ThayDoi')
  const where = `ThayDoi ${String(record.SoThuTuThayDoi)}`
  const officialId = optionalText(record, 'MaCanBo', where)
  const note = optionalText(record, 'NoiDungXuLy', where)
  return {
    sequence: integer(record, 'SoThuTuThayDoi', where, 1),
    dossierCode: shaped(record, 'MaHoSo', where, DOSSIER_CODE),
    dossierSequence: integer(record, 'SoThuTu', where, 1),
    procedureCode: shaped(record, 'MaTTHC', where, PROCEDURE_CODE),
    status: status(record, 'TrangThaiHoSo', where),
    at: time(record, 'ThoiDiemXuLy', where),
    ...optional('officialId', officialId),
    ...optional('note', note),
    handlingUnit: text(record, 'DonViXuLy', where),
    receivedAt: time(record, 'NgayTiepNhan', where),
    dueAt: time(record, 'NgayHenTra', where)
  }
}

// ---- envelopes ----

/** `{DuLieu: [...], ConTro?}`: a page of a list. */
export function pageFromPortal<T> (value: unknown, item: (value: unknown) => T): Page<T> {
  const body = object(value, 'answer')
  const items = list(body, 'DuLieu', 'answer').map(item)
  const cursor = optionalText(body, 'ConTro', 'answer')
  return cursor === undefined ? { items } : { items, nextCursor: cursor }
}

/** `{DuLieu: [...], ConTro, ConThem}`: a page of the change feed, whose sequences must strictly increase. */
export function changeFeedFromPortal (value: unknown): ChangeFeedPage {
  const body = object(value, 'answer')
  const changes = list(body, 'DuLieu', 'answer').map(dossierChangeFromPortal)
  changes.forEach((change, i) => {
    const previous = changes[i - 1]
    if (previous !== undefined && change.sequence <= previous.sequence) throw new MappingError('answer.DuLieu is not in feed order')
  })
  const hasMore = body.ConThem
  if (typeof hasMore !== 'boolean') throw new MappingError('answer.ConThem is not a boolean')
  return { changes, nextCursor: text(body, 'ConTro', 'answer'), hasMore }
}

// ---- refusals ----

export const ERROR_CODES = {
  unauthorized: 'KHONG_XAC_THUC',
  notFound: 'KHONG_TIM_THAY',
  noSuchPath: 'DUONG_DAN_KHONG_TON_TAI',
  badParameter: 'THAM_SO_KHONG_HOP_LE',
  badCursor: 'CON_TRO_KHONG_HOP_LE',
  illegalTransition: 'CHUYEN_TRANG_THAI_KHONG_HOP_LE',
  sequenceMismatch: 'SAI_SO_THU_TU',
  busy: 'HE_THONG_BAN'
} as const

/** `{MaLoi, MoTaLoi, …}`, the body of every refusal; undefined when the answer is not one. */
export function portalError (value: unknown): { code: string, description: string, body: PortalRecord } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const body = value as PortalRecord
  if (typeof body.MaLoi !== 'string') return undefined
  return { code: body.MaLoi, description: typeof body.MoTaLoi === 'string' ? body.MoTaLoi : '', body }
}

/** The current and allowed statuses of an illegal-transition refusal. */
export function transitionRefusalFromPortal (body: PortalRecord): { from: DossierStatus, allowed: DossierStatus[] } {
  const where = 'refusal'
  return {
    from: status(body, 'TrangThaiHienTai', where),
    allowed: list(body, 'TrangThaiHopLe', where).map((code, i) => {
      const found = statusFromCode(code)
      if (found === undefined) throw new MappingError(`${where}.TrangThaiHopLe[${i}] unknown: ${String(code)}`)
      return found
    })
  }
}

export function sequenceRefusalFromPortal (body: PortalRecord): number {
  return integer(body, 'SoThuTuHienTai', 'refusal', 1)
}
