import type { WithResilience } from '../shared/resilience.js'
import type { CallContext } from '../shared/call.js'
import type { ApplicantKind } from '../procedures/port.js'
import type { PortalMappings } from './mappings.js'

export type { CallContext } from '../shared/call.js'
export type { ApplicantKind } from '../procedures/port.js'
export { UnmappedValueError, type MappingTableName } from './errors.js'
export { DEFAULT_MAPPINGS, DEFAULT_PROCEDURE_MAPPING, DEFAULT_STATUS_MAPPING, mappingProblems, mappingTableFrom, type MappingTable, type PortalMappings } from './mappings.js'

/**
 * What the `dossier-status` sync needs from the national public-service portal, in the gateway's terms: tell it
 * that a dossier of this province changed status. Timestamps are ISO 8601 with an offset
 * (`2025-03-04T08:15:00+07:00`), as the procedures port gives them; the adapter sends Vietnam wall-clock time.
 */

/** The official who made the change, as the portal shows citizens who handled their dossier. */
export interface HandlingOfficial {
  /** NguoiXuLy: full name. */
  name: string
  /** ChucDanh: position, e.g. `Chuyên viên`. */
  title: string
  /** PhongBanXuLy: the department or office handling the dossier. */
  department: string
}

/** One status change of one dossier, with the dossier's state after it. */
export interface DossierStatusPush {
  /** `<receiving-agency-code>-<YYMMDD>-<4-digit sequence>`. */
  dossierCode: string
  /** The one-stop system's procedure code; sent as the national code the procedure table maps it to. */
  procedureCode: string
  applicant: { kind: ApplicantKind, id: string, name: string }
  receivedAt: string
  /** When the result is promised (NgayHenTra); also the step's statutory end (NgayKetThucTheoQuyDinh). */
  dueAt: string
  /** When the dossier reached a final status; absent until then. */
  finishedAt?: string
  /** The one-stop status after the change; sent as the national code the status table maps it to. */
  status: string
  /** The change's sequence within its dossier: 1 for the reception, then +1 per change. With dossierCode, its identity. */
  sequence: number
  official: HandlingOfficial
  /** NoiDungXuLy; the national status's name when absent. */
  note?: string
  /** When the change happened (ThoiDiemXuLy, NgayBatDau). */
  changedAt: string
}

/** What the caller passes with each push: who asks, and the mapping tables in force. */
export interface PushContext extends CallContext {
  mappings: PortalMappings
}

export interface PushResult {
  dossierCode: string
  sequence: number
  /** `recorded`: the portal took the change now; `already-recorded`: it held this (dossier, sequence) before. */
  outcome: 'recorded' | 'already-recorded'
  /** The national codes sent, and the table versions that gave them, for the sync's run record. */
  nationalStatus: string
  nationalProcedureCode: string
  mappingVersions: { status: string, procedure: string }
}

export interface NationalPortalPort extends WithResilience {
  /**
   * Sends one status change: the dossier's state (DongBoHoSoMC) and the progress entry (CapNhatTienDoHoSoMC).
   * Safe to repeat: the portal keys changes by (dossierCode, sequence). Rejects with UnmappedValueError (before any
   * call) when a mapping table lacks the status or procedure, InvalidInputError when the
   * change is malformed, and upstream errors (shared/errors.ts) when the portal refuses or fails.
   */
  pushDossierStatus (update: DossierStatusPush, context: PushContext): Promise<PushResult>
  /**
   * Sends several changes in as few calls as the portal allows, oldest first; results in the order given.
   * Every change is mapped and checked before the first call, so one unmapped value sends nothing.
   */
  pushDossierStatuses (batch: readonly DossierStatusPush[], context: PushContext): Promise<PushResult[]>
  /** Logs in afresh: resolves when the portal accepts the credentials, rejects with an upstream error otherwise. */
  checkHealth (): Promise<void>
  close (): Promise<void>
}
