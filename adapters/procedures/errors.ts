import { StateConflictError } from '../shared/errors.js'
import type { DossierStatus } from './statuses.js'

/**
 * The two refusals of a status change, as typed errors callers can branch on. Both are conflicts with the
 * dossier's current state (StateConflictError), which the gateway answers as such.
 */

export class IllegalTransitionError extends StateConflictError {
  readonly dossierCode: string
  readonly from: DossierStatus
  readonly to: DossierStatus
  /** The statuses the dossier may move to from `from`, as the upstream reported them. */
  readonly allowed: DossierStatus[]

  constructor (dossierCode: string, from: DossierStatus, to: DossierStatus, allowed: DossierStatus[]) {
    const next = allowed.length === 0 ? 'none, the status is final' : allowed.join(', ')
    super(`Dossier ${dossierCode} cannot go from ${from} to ${to}; allowed next statuses: ${next}`)
    this.name = 'IllegalTransitionError'
    this.dossierCode = dossierCode
    this.from = from
    this.to = to
    this.allowed = allowed
  }
}

export class SequenceMismatchError extends StateConflictError {
  readonly dossierCode: string
  readonly expected: number
  readonly actual: number

  constructor (dossierCode: string, expected: number, actual: number) {
    super(`Dossier ${dossierCode} has changed: expected sequence ${expected}, it is at ${actual}`)
    this.name = 'SequenceMismatchError'
    this.dossierCode = dossierCode
    this.expected = expected
    this.actual = actual
  }
}
