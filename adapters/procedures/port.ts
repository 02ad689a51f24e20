import type { WithResilience } from '../shared/resilience.js'
import type { CallContext, Page } from '../shared/call.js'
import type { DossierStatus } from './statuses.js'

export type { DossierStatus } from './statuses.js'
export { ALLOWED_TRANSITIONS, allowedNextStatuses, DOSSIER_STATUSES } from './statuses.js'
export { IllegalTransitionError, SequenceMismatchError } from './errors.js'
export { DOSSIER_CODE, PROCEDURE_CODE } from './identifiers.js'

/**
 * What the gateway needs from the provincial administrative-procedure (one-stop, TTHC) system, in the gateway's
 * own terms. Timestamps are ISO 8601 in Vietnam time with an explicit offset, `2025-03-04T08:15:00+07:00`:
 * the upstream keeps local wall-clock times, and keeping the offset shows callers the same hour the applicant's
 * receipt shows. Cursors are opaque strings: pass back `nextCursor` unchanged.
 */

export type ApplicantKind = 'citizen' | 'business'

/** Level of government that settles a procedure (two levels since the 1 July 2025 reform). */
export type ProcedureLevel = 'province' | 'commune'

export interface Fee {
  description: string
  /** Whole đồng; 0 when the procedure is free in that case. */
  amountVnd: number
}

export interface RequiredDocument {
  name: string
  /** Number of copies the applicant hands in, when the catalogue says. */
  copies?: number
}

export interface Procedure {
  /** National catalogue code, `^[0-9]\.[0-9]{6}$`. */
  procedureCode: string
  name: string
  fieldCode: string
  fieldName: string
  level: ProcedureLevel
  /** The competent agency that decides. */
  agency: string
  /** Statutory processing time in working days; 0 means settled on the day it is received. */
  processingTimeDays: number
  applicantKinds: ApplicantKind[]
  fees: Fee[]
  requiredDocuments: RequiredDocument[]
}

export interface Applicant {
  kind: ApplicantKind
  /** The 12-digit personal id of a citizen, or the 10-digit enterprise code of a business. */
  id: string
  name: string
}

export interface Agency {
  /** Electronic agency code, e.g. `000.00.20.H23`. */
  code: string
  name: string
}

export interface StatusChange {
  /** 1 for the reception, then +1 per change of this dossier. */
  sequence: number
  status: DossierStatus
  at: string
  officialId?: string
  note?: string
}

export interface Dossier {
  /** `<receiving-agency-code>-<YYMMDD>-<4-digit sequence>`. */
  dossierCode: string
  procedureCode: string
  procedureName: string
  applicant: Applicant
  receivingAgency: Agency
  /** The unit handling the dossier now. */
  handlingUnit: string
  receivedAt: string
  /** When the result is promised (NgayHenTra). */
  dueAt: string
  /** When the dossier reached a final status: result handed back, rejected or withdrawn. */
  finishedAt?: string
  status: DossierStatus
  /** The sequence of the latest change; pass it as `expectedSequence` to change the status safely. */
  sequence: number
  /** Oldest first; the last entry is the current status. */
  statusHistory: StatusChange[]
}

export type { CallContext, Page } from '../shared/call.js'

export interface ProcedureSearch {
  /** Words that must all appear in the name, field or code; case- and accent-insensitive ("ho tich" finds "Hộ tịch"). */
  q?: string
  /** Part of the competent agency's name, case- and accent-insensitive. */
  agency?: string
  cursor?: string
  /** 1…1000. */
  limit: number
}

export interface DossierQuery {
  /** The citizen applicant's personal id. */
  personalId?: string
  status?: DossierStatus
  /** Only dossiers received by this agency (electronic code, e.g. `000.00.20.H23`). */
  receivingAgencyCode?: string
  /** Earliest receivedAt, inclusive: ISO 8601 date-time with offset, or a date (its first second, Vietnam time). */
  from?: string
  /** Latest receivedAt, inclusive: ISO 8601 date-time with offset, or a date (its last second, Vietnam time). */
  to?: string
  cursor?: string
  /** 1…1000. */
  limit: number
}

export interface StatusChangeRequest {
  status: DossierStatus
  /** The official making the change; the context's officialId otherwise. */
  officialId?: string
  note?: string
  /** Refuse the change (SequenceMismatchError) unless the dossier's latest sequence is this one. */
  expectedSequence?: number
}

/** One status change in the upstream's global change feed, with what a national-portal progress push needs. */
export interface DossierChange {
  /** Position in the feed: global, strictly increasing. */
  sequence: number
  dossierCode: string
  /** The change's sequence within its dossier (StatusChange.sequence), for idempotent upserts. */
  dossierSequence: number
  procedureCode: string
  status: DossierStatus
  at: string
  officialId?: string
  note?: string
  handlingUnit: string
  receivedAt: string
  dueAt: string
}

export interface ChangeFeedQuery {
  /** A cursor from a previous page; absent to read from the start of the feed. */
  since?: string
  /** 1…1000. */
  limit: number
}

export interface ChangeFeedPage {
  changes: DossierChange[]
  /** Where to continue from; equal to `since` when nothing new happened. Store it as the sync checkpoint. */
  nextCursor: string
  /** True when the upstream already holds more changes after this page. */
  hasMore: boolean
}

export interface ProceduresPort extends WithResilience {
  /** The catalogue entry, or undefined when the system has no such procedure (a malformed code is not looked up). */
  getProcedure (procedureCode: string, context: CallContext): Promise<Procedure | undefined>
  /** Ordered by procedure code. */
  searchProcedures (search: ProcedureSearch, context: CallContext): Promise<Page<Procedure>>
  /** The dossier, or undefined when the system has none with this code (a malformed code is not looked up). */
  getDossier (dossierCode: string, context: CallContext): Promise<Dossier | undefined>
  /** Ordered by receivedAt, then dossierCode. */
  listDossiers (query: DossierQuery, context: CallContext): Promise<Page<Dossier>>
  /**
   * Applies a status change and answers the updated dossier, or undefined when there is no such dossier.
   * Rejects with IllegalTransitionError when the workflow forbids the move and SequenceMismatchError when
   * `expectedSequence` is stale.
   */
  changeDossierStatus (dossierCode: string, change: StatusChangeRequest, context: CallContext): Promise<Dossier | undefined>
  /** Status changes of every dossier in the order the system recorded them. */
  dossierChanges (query: ChangeFeedQuery, context: CallContext): Promise<ChangeFeedPage>
  /** Resolves when the upstream answers with these credentials; rejects with an upstream error otherwise. */
  checkHealth (): Promise<void>
  close (): Promise<void>
}
