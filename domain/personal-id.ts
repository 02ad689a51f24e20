/**
 * The 12-digit personal identification number (số định danh cá nhân, Decree 137/2015 as amended):
 * digits 1–3 the province of birth registration, digit 4 century and gender, digits 5–6 the birth year,
 * digits 7–12 random. Checked here so malformed ids never reach an upstream.
 */

/** Province codes of birth registration (the 63 pre-2025 provinces; ids issued before the merger keep them). */
export const BIRTH_PROVINCE_CODES: ReadonlySet<string> = new Set([
  '001', '002', '004', '006', '008', '010', '011', '012', '014', '015', '017', '019', '020', '022', '024', '025',
  '026', '027', '030', '031', '033', '034', '035', '036', '037', '038', '040', '042', '044', '045', '046', '048',
  '049', '051', '052', '054', '056', '058', '060', '062', '064', '066', '067', '068', '070', '072', '074', '075',
  '077', '079', '080', '082', '083', '084', '086', '087', '089', '091', '092', '093', '094', '095', '096'
])

export type Gender = 'male' | 'female'

export interface PersonalIdParts {
  provinceCode: string
  birthYear: number
  gender: Gender
}

const SHAPE = /^[0-9]{12}$/
// digit 4: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s; even male, odd female
const CENTURY_BASE = [1900, 2000, 2100, 2200, 2300]

/** Decodes a personal id, or returns undefined when it cannot be a real one (born in the future, unknown province…). */
export function parsePersonalId (personalId: string, now: Date = new Date()): PersonalIdParts | undefined {
  if (!SHAPE.test(personalId)) return undefined
  const provinceCode = personalId.slice(0, 3)
  if (!BIRTH_PROVINCE_CODES.has(provinceCode)) return undefined
  const centuryDigit = Number(personalId[3])
  const birthYear = (CENTURY_BASE[Math.floor(centuryDigit / 2)] ?? NaN) + Number(personalId.slice(4, 6))
  if (!(birthYear <= now.getUTCFullYear())) return undefined
  return { provinceCode, birthYear, gender: centuryDigit % 2 === 0 ? 'male' : 'female' }
}

export function isPersonalId (value: string): boolean {
  return parsePersonalId(value) !== undefined
}

/** Digits 4–6 of an id for a person born in `birthYear` with `gender`. */
export function centuryAndYearDigits (birthYear: number, gender: Gender): string {
  const century = Math.floor(birthYear / 100) - 19
  return `${century * 2 + (gender === 'female' ? 1 : 0)}${String(birthYear % 100).padStart(2, '0')}`
}
