import type { FieldError } from './field-error.js'
import { parsePersonalId, type Gender } from './personal-id.js'

export interface IdentityClaim {
  personalId: string
  fullName: string
  dateOfBirth: string
  gender?: Gender
}

export type IdentityField = 'fullName' | 'dateOfBirth' | 'gender'

/**
 * Fields of a claim that contradict its own personal id (digits 4–6 carry century, gender and birth year):
 * such a claim cannot be true, so it is refused before the population database is asked.
 */
export function contradictionsWithPersonalId (claim: IdentityClaim): FieldError[] {
  const parts = parsePersonalId(claim.personalId)
  if (parts === undefined) return [{ in: 'body', pointer: '/personalId', detail: 'is not a valid personal id' }]
  const errors: FieldError[] = []
  if (Number(claim.dateOfBirth.slice(0, 4)) !== parts.birthYear) {
    errors.push({ in: 'body', pointer: '/dateOfBirth', detail: `birth year contradicts personalId (digits 4–6 say ${parts.birthYear})` })
  }
  if (claim.gender !== undefined && claim.gender !== parts.gender) {
    errors.push({ in: 'body', pointer: '/gender', detail: `contradicts personalId (digit 4 says ${parts.gender})` })
  }
  return errors
}

// Names compare as the same Unicode text, ignoring case and spacing, but never diacritics: "Hà" is not "Ha".
function normaliseName (name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleUpperCase('vi')
}

/** Which claimed fields differ from the record. */
export function identityMismatches (record: { fullName: string, dateOfBirth: string, gender: Gender }, claim: IdentityClaim): IdentityField[] {
  const mismatches: IdentityField[] = []
  if (normaliseName(record.fullName) !== normaliseName(claim.fullName)) mismatches.push('fullName')
  if (record.dateOfBirth !== claim.dateOfBirth) mismatches.push('dateOfBirth')
  if (claim.gender !== undefined && record.gender !== claim.gender) mismatches.push('gender')
  return mismatches
}
