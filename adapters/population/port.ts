import type { CallContext as SharedCallContext } from '../shared/call.js'
import type { Gender } from '../../src/domain/personal-id.js'

/** What the gateway needs from the national population database, in the gateway's own terms. */

export interface Address {
  provinceCode: string
  provinceName: string
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

export interface PopulationPort {
  /** The citizen with this personal id, or undefined when the database has none. */
  findCitizenByPersonalId (personalId: string, context: CallContext): Promise<Citizen | undefined>
  /** Resolves when the upstream answers; rejects with a coded upstream error otherwise. */
  checkHealth (): Promise<void>
  close (): Promise<void>
}
