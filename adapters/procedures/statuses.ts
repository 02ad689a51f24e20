/**
 * Dossier statuses in the gateway's terms and the one-stop workflow between them. The table is the rule the
 * upstream enforces; the gateway exports it so callers (and the routes' documentation) can offer only the
 * moves that can succeed, and tests can check the upstream's refusals against it.
 */

export const DOSSIER_STATUSES = [
  'received',
  'processing',
  'additional-documents-requested',
  'resolved',
  'returned',
  'rejected',
  'withdrawn'
] as const

export type DossierStatus = typeof DOSSIER_STATUSES[number]

/**
 * received → processing (handed to the handling unit), rejected (refused after checking), withdrawn (applicant's
 * request); processing → additional-documents-requested, resolved, rejected, withdrawn;
 * additional-documents-requested → processing (documents supplied), rejected (not supplied in time), withdrawn;
 * resolved → returned (result handed to the applicant). returned, rejected and withdrawn are final.
 * Procedures settled on the spot (e.g. chứng thực) still pass through processing, within minutes.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<DossierStatus, readonly DossierStatus[]>> = {
  received: ['processing', 'rejected', 'withdrawn'],
  processing: ['additional-documents-requested', 'resolved', 'rejected', 'withdrawn'],
  'additional-documents-requested': ['processing', 'rejected', 'withdrawn'],
  resolved: ['returned'],
  returned: [],
  rejected: [],
  withdrawn: []
}

export function isDossierStatus (value: unknown): value is DossierStatus {
  return typeof value === 'string' && (DOSSIER_STATUSES as readonly string[]).includes(value)
}

export function allowedNextStatuses (status: DossierStatus): readonly DossierStatus[] {
  return ALLOWED_TRANSITIONS[status]
}

export function canTransition (from: DossierStatus, to: DossierStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to)
}

export function isFinalStatus (status: DossierStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0
}
