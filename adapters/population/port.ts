import type { WithResilience } from '../shared/resilience.js'
import type { CallContext as SharedCallContext } from '../shared/call.js'
import type { Gender } from '../../domain/personal-id.js'
import type { IdentityField } from '../../domain/identity.js'

/** What the gateway needs from the national population database, in the gateway's own terms. */

/**
 * An address as the population database records it: in the units in force when it was recorded. One recorded
 * before 1 July 2025 (a place of origin from a birth registration) names a district, which the current units no
 * longer have: its province and commune are then legacy units.
 */
export interface Address {
  provinceCode: string
  provinceName: string
  /** Legacy addresses only: the district (3-digit code) of the units before 1 July 2025. */
  districtCode?: string
  districtName?: string
  communeCode: string
  communeName: string
  detail?: string
}

export interface Citizen {
  personalId: string
  fullName: string
  /** ISO 8601 date, YYYY-MM-DD. */
  dateOfBirth: string
  gender: Gender
  nationality: string
  ethnicity: string
  religion: string
  placeOfOrigin: Address
  permanentAddress: Address
  currentAddress: Address
  fatherFullName?: string
  motherFullName?: string
}

/** Who asks and why: the upstream logs these with every lookup, as the national database requires. */
export interface CallContext extends SharedCallContext {
  /** Public-service code the lookup serves; the adapter's configured default otherwise. */
  serviceCode?: string
}

export type ChangeKind = 'created' | 'updated'

/** A change of the database, as recorded: the citizen as they are after it. */
export interface CitizenChange {
  /** Position in the feed; strictly increasing along it. */
  seq: number
  kind: ChangeKind
  /** ISO 8601 date-time with the +07:00 offset. */
  changedAt: string
  citizen: Citizen
}

/** A change whose record cannot be read or fails validation: kept, with why, for the dead-letter table. */
export interface InvalidChange {
  seq: number
  invalid: {
    /** For a person to read, e.g. "CongDan.SoDinhDanh is not a valid personal id: 02518912345". */
    reason: string
    /** The record as the database sent it. */
    raw: unknown
  }
}

export type ChangeItem = CitizenChange | InvalidChange

export interface ChangePage {
  /** In feed order; never more than the limit asked for. */
  items: ChangeItem[]
  /** Absent when the feed holds nothing after this page (yet). Opaque: pass it back unchanged. */
  nextCursor?: string
  /**
   * Where to resume once this page is stored, even at the end of the feed (where there is no nextCursor):
   * store it with the page's records as the sync checkpoint and pass it as `since` later to read only what
   * has been added since. Equal to nextCursor when there is one.
   */
  checkpoint: string
  /** Changes the whole feed holds, when the upstream says. */
  total?: number
}

/** One record of a sector database to check against the population database. */
export interface VerificationRecord {
  /** The caller's key of the record (1…64 characters), unique in the batch; comes back with its result. */
  reference: string
  personalId: string
  fullName: string
  /** ISO 8601 date, YYYY-MM-DD. */
  dateOfBirth: string
  /** Compared only when given. */
  gender?: Gender
}

export interface VerificationBatch {
  batchId: string
  /** Records the database accepted. */
  total: number
}

export interface VerificationBatchStatus {
  batchId: string
  state: 'processing' | 'completed' | 'failed'
  total: number
  /** Records whose result can be read; stays below total when the batch failed. */
  processed: number
}

/** What the single lookup and the gateway's comparison (domain/identity.ts) would say of one record. */
export interface VerificationResult {
  reference: string
  found: boolean
  /** True only when found and nothing differs. */
  match: boolean
  /** The fields that differ from the record; empty when not found. */
  mismatches: IdentityField[]
}

export interface VerificationResultPage {
  /** In submission order, only records processed so far. */
  items: VerificationResult[]
  /** Absent at the end of the batch (or of what a failed batch processed). Opaque: pass it back unchanged. */
  nextCursor?: string
}

export interface PopulationPort extends WithResilience {
  /** The citizen with this personal id, or undefined when the database has none. */
  findCitizenByPersonalId (personalId: string, context: CallContext): Promise<Citizen | undefined>
  /**
   * The change feed from `since` (a cursor or checkpoint from an earlier page; undefined for the start), at most
   * `limit` (1…5000) changes. A record that cannot be mapped comes back as an InvalidChange, not as an error;
   * a cursor the feed did not issue is InvalidInputError; an unreadable page an upstream error (shared/errors.ts).
   */
  readChanges (since: string | undefined, limit: number, context: CallContext): Promise<ChangePage>
  /**
   * Submits records for asynchronous verification. `context.requestId` keys the submission: the same id with the
   * same records answers the same batch (so a retried call creates nothing); give each batch its own. A malformed
   * record or more records than the database takes at once is InvalidInputError (nothing personal in its text).
   */
  submitVerificationBatch (records: readonly VerificationRecord[], context: CallContext): Promise<VerificationBatch>
  /** Where a batch is; NoSuchRecordError when the database holds no such batch (for this gateway) or no longer. */
  verificationBatchStatus (batchId: string, context: CallContext): Promise<VerificationBatchStatus>
  /**
   * A page of results from `cursor` (undefined: the first record), at most `limit` (1…1000). While the batch is
   * processing a page may be short or empty; its nextCursor resumes there. NoSuchRecordError for an unknown batch,
   * InvalidInputError for a cursor the batch did not issue or a limit out of range.
   */
  verificationBatchResults (batchId: string, cursor: string | undefined, limit: number, context: CallContext): Promise<VerificationResultPage>
  /** Resolves when the upstream answers; rejects with an upstream error otherwise. */
  checkHealth (): Promise<void>
  close (): Promise<void>
}
