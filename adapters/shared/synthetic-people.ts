import { BIRTH_PROVINCE_CODES, centuryAndYearDigits, type Gender } from '../../domain/personal-id.js'
import { HOME_LEGACY_PLACES, HOME_PROVINCE, OTHER_LEGACY_PLACES, OTHER_PROVINCES, type ProvinceSample } from './demo-units.js'
import { random, type Random } from './random.js'
import { familyName, fullName } from './vietnamese-names.js'
import type { Address, Citizen } from '../population/port.js'

/**
 * A deterministic synthetic population: citizen N is made from (seed, N) alone, and the last six digits of
 * a personal id encode N, so any id is looked up in O(1) without holding the population in memory. The
 * population registry's simulator serves them as its citizens; the other simulators and seeds draw their
 * applicants, land owners and legal representatives from the same people, so personal ids agree across systems.
 */

const ID_SPACE = 1_000_000
const MULTIPLIER = 7919 // coprime with 10^6, so index → digits is a bijection
const OFFSET = 104_729

function modularInverse (a: number, m: number): number {
  let [oldR, r, oldS, s] = [a, m, 1, 0]
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s]
  }
  return ((oldS % m) + m) % m
}
const INVERSE = modularInverse(MULTIPLIER, ID_SPACE)

const HOME_BIRTH_CODES = ['025', '026', '017'] // Phú Thọ, Vĩnh Phúc, Hòa Bình before the merger
const ALL_BIRTH_CODES = [...BIRTH_PROVINCE_CODES]
const ETHNICITIES = [['Kinh', 82], ['Mường', 9], ['Tày', 2], ['Dao', 2], ['Thái', 1.5], ['Nùng', 1], ['H\'Mông', 1], ['Sán Dìu', 1.5]] as const
const RELIGIONS = [['Không', 84], ['Phật giáo', 9], ['Công giáo', 6], ['Tin lành', 1]] as const
const STREETS = ['Hùng Vương', 'Nguyễn Tất Thành', 'Trần Phú', 'Lê Hồng Phong', 'Hai Bà Trưng', 'Quang Trung', 'Nguyễn Du',
  'Lý Thường Kiệt', 'Châu Phong', 'Kim Ngọc', 'Mê Linh', 'Cù Chính Lan']

function lastSixDigits (index: number): string {
  return String((index * MULTIPLIER + OFFSET) % ID_SPACE).padStart(6, '0')
}

function indexFromId (personalId: string): number {
  const digits = Number(personalId.slice(6))
  return Number((BigInt(digits - OFFSET + ID_SPACE) * BigInt(INVERSE)) % BigInt(ID_SPACE))
}

function address (rng: Random, province: ProvinceSample, withDetail: boolean): Address {
  const commune = rng.pick(province.communes)
  const base = { provinceCode: province.code, provinceName: province.name, communeCode: commune.code, communeName: commune.name }
  if (!withDetail) return base
  const detail = commune.name.startsWith('Phường')
    ? `Số ${rng.int(1, 250)}, đường ${rng.pick(STREETS)}, tổ ${rng.int(1, 30)}`
    : `Thôn ${rng.int(1, 15)}`
  return { ...base, detail }
}

function someProvince (rng: Random, homeShare: number): ProvinceSample {
  return rng.next() < homeShare ? HOME_PROVINCE : rng.pick(OTHER_PROVINCES)
}

/** The day the 2-level units came into force: what was recorded before names the legacy units. */
const REFORM_DAY = '2025-07-01'

/**
 * A place of origin as the birth registration recorded it: in the legacy units (province, district, commune)
 * for a birth before the reform, else in the current ones.
 */
function placeOfOrigin (rng: Random, born: string): Address {
  if (born >= REFORM_DAY) return address(rng, someProvince(rng, 0.7), false)
  const place = rng.pick(rng.next() < 0.7 ? HOME_LEGACY_PLACES : OTHER_LEGACY_PLACES)
  return {
    provinceCode: place.commune.provinceCode,
    provinceName: place.provinceName,
    districtCode: place.commune.districtCode,
    districtName: place.districtName,
    communeCode: place.commune.code,
    communeName: place.commune.name
  }
}

function dateOfBirth (rng: Random): string {
  const year = rng.int(1945, 2024)
  const month = rng.int(1, 12)
  const day = rng.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate())
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

export interface SyntheticPopulation {
  readonly seed: number
  readonly size: number
  /**
   * Citizen `index` as first registered (revision 0), or after `revision` recorded changes: each revision
   * moves the current residence (and sometimes the permanent one); identity and birth data never change.
   */
  citizenAt (index: number, revision?: number): Citizen
  findByPersonalId (personalId: string): Citizen | undefined
  /** The index of the citizen holding this personal id, or undefined when nobody does. */
  indexOf (personalId: string): number | undefined
}

export function syntheticPopulation ({ seed = 2025, size = 5000 }: { seed?: number, size?: number } = {}): SyntheticPopulation {
  if (!Number.isInteger(size) || size < 1 || size > ID_SPACE) throw new RangeError(`population size must be 1…${ID_SPACE}`)

  function citizenAt (index: number): Citizen {
    const rng = random(seed, index)
    const gender: Gender = rng.next() < 0.5 ? 'male' : 'female'
    const born = dateOfBirth(rng)
    const birthCode = rng.next() < 0.7 ? rng.pick(HOME_BIRTH_CODES) : rng.pick(ALL_BIRTH_CODES)
    const family = familyName(rng)
    const permanentAddress = address(rng, someProvince(rng, 0.85), true)
    return {
      personalId: birthCode + centuryAndYearDigits(Number(born.slice(0, 4)), gender) + lastSixDigits(index),
      fullName: fullName(rng, gender, family),
      dateOfBirth: born,
      gender,
      nationality: 'VN',
      ethnicity: rng.weighted(ETHNICITIES),
      religion: rng.weighted(RELIGIONS),
      placeOfOrigin: placeOfOrigin(rng, born),
      permanentAddress,
      currentAddress: rng.next() < 0.85 ? permanentAddress : address(rng, someProvince(rng, 0.6), true),
      fatherFullName: fullName(rng, 'male', family),
      motherFullName: fullName(rng, 'female')
    }
  }

  // Revision r of citizen i draws from stream i + r·10^6: apart from every citizen's own stream (0…10^6 − 1).
  function revised (citizen: Citizen, index: number, revision: number): Citizen {
    const rng = random(seed, index + revision * ID_SPACE)
    const currentAddress = address(rng, someProvince(rng, 0.8), true)
    const permanentAddress = rng.next() < 0.4 ? currentAddress : citizen.permanentAddress
    return { ...citizen, permanentAddress, currentAddress }
  }

  function find (personalId: string): { index: number, citizen: Citizen } | undefined {
    if (!/^[0-9]{12}$/.test(personalId)) return undefined
    const index = indexFromId(personalId)
    if (index >= size) return undefined
    const citizen = citizenAt(index)
    return citizen.personalId === personalId ? { index, citizen } : undefined
  }

  return {
    seed,
    size,
    citizenAt (index: number, revision = 0): Citizen {
      if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`no citizen #${index}`)
      if (!Number.isInteger(revision) || revision < 0) throw new RangeError(`no revision ${revision}`)
      const citizen = citizenAt(index)
      return revision === 0 ? citizen : revised(citizen, index, revision)
    },
    findByPersonalId (personalId: string): Citizen | undefined {
      return find(personalId)?.citizen
    },
    indexOf (personalId: string): number | undefined {
      return find(personalId)?.index
    }
  }
}
