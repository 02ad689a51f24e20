import { DOSSIER_CODE } from '../procedures/identifiers.js'
import { InvalidInputError, type FieldError } from '../shared/errors.js'
import { parseIsoTime, portalTime } from '../shared/vietnam-time.js'
import { mapValue, type PortalMappings } from './mappings.js'
import type { DossierStatusPush } from './port.js'
import { NATIONAL_STATUS_LABELS, SEQUENCE_FIELD, type PortalRecord } from './protocol.js'

/** One status change as the portal's two items, with the national codes that went into them. */
export interface PortalItems {
  /** DongBoHoSoMC item: the dossier's state after the change. */
  dossier: PortalRecord
  /** CapNhatTienDoHoSoMC item: the progress entry of the change. */
  progress: PortalRecord
  nationalStatus: string
  nationalProcedureCode: string
}

const APPLICANT_KINDS = { citizen: 1, business: 2 } as const
const MAX_TEXT = 500

/**
 * Translates a change into the portal's items. Throws UnmappedValueError when a table lacks the status or the
 * procedure, and InvalidInputError (pointers into the change, prefixed by `at`) when the change is malformed:
 * both before anything is sent, and both permanent, so the sync dead-letters the change.
 */
export function portalItems (update: DossierStatusPush, mappings: PortalMappings, at = ''): PortalItems {
  const problems: FieldError[] = []
  const problem = (pointer: string, detail: string): void => { problems.push({ in: 'body', pointer: `${at}${pointer}`, detail }) }

  const time = (pointer: string, value: string | undefined): string => {
    const ms = typeof value === 'string' ? parseIsoTime(value) : undefined
    if (ms === undefined) {
      problem(pointer, 'must be an ISO 8601 date-time with offset')
      return ''
    }
    return portalTime(ms)
  }
  const text = (pointer: string, value: unknown): string => {
    if (typeof value !== 'string' || value.trim() === '') problem(pointer, 'must be non-empty text')
    else if (value.length > MAX_TEXT) problem(pointer, `must be at most ${MAX_TEXT} characters`)
    else return value.normalize('NFC')
    return ''
  }

  if (typeof update.dossierCode !== 'string' || !DOSSIER_CODE.test(update.dossierCode)) problem('/dossierCode', 'must be a dossier code')
  if (!Number.isSafeInteger(update.sequence) || update.sequence < 1) problem('/sequence', 'must be an integer ≥ 1')
  const kind = APPLICANT_KINDS[update.applicant?.kind]
  if (kind === undefined) problem('/applicant/kind', 'must be citizen or business')
  const applicantId = text('/applicant/id', update.applicant?.id)
  const applicantName = text('/applicant/name', update.applicant?.name)
  const officialName = text('/official/name', update.official?.name)
  const officialTitle = text('/official/title', update.official?.title)
  const department = text('/official/department', update.official?.department)
  const received = time('/receivedAt', update.receivedAt)
  const due = time('/dueAt', update.dueAt)
  const changed = time('/changedAt', update.changedAt)
  const finished = update.finishedAt === undefined ? '' : time('/finishedAt', update.finishedAt)
  if (update.note !== undefined && (typeof update.note !== 'string' || update.note.length > 2000)) problem('/note', 'must be text of at most 2000 characters')
  if (problems.length > 0) throw new InvalidInputError(problems)

  const nationalStatus = mapValue(mappings, 'status', update.status, update.dossierCode, update.sequence)
  const nationalProcedureCode = mapValue(mappings, 'procedure', update.procedureCode, update.dossierCode, update.sequence)
  const note = update.note === undefined || update.note.trim() === '' ? NATIONAL_STATUS_LABELS[nationalStatus] as string : update.note.normalize('NFC')

  return {
    dossier: {
      MaHoSo: update.dossierCode,
      MaTTHC: nationalProcedureCode,
      ChuHoSo: applicantName,
      LoaiDoiTuong: kind,
      MaDoiTuong: applicantId,
      NgayTiepNhan: received,
      NgayHenTra: due,
      NgayTra: finished,
      TrangThaiHoSo: nationalStatus,
      [SEQUENCE_FIELD]: update.sequence
    },
    progress: {
      MaHoSo: update.dossierCode,
      [SEQUENCE_FIELD]: update.sequence,
      NguoiXuLy: officialName,
      ChucDanh: officialTitle,
      PhongBanXuLy: department,
      ThoiDiemXuLy: changed,
      NoiDungXuLy: note,
      TrangThai: nationalStatus,
      NgayBatDau: changed,
      NgayKetThucTheoQuyDinh: due
    },
    nationalStatus,
    nationalProcedureCode
  }
}
