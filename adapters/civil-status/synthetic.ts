import type { Address, Citizen } from '../population/port.js'
import { HOME_PROVINCE } from '../shared/demo-units.js'
import { random, type Random } from '../shared/random.js'
import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'

/**
 * Deterministic synthetic civil-status registrations (hộ tịch) of the demo province, in the registry's own shape
 * (the simulator serves these objects as they are). People are the population simulator's citizens, so personal
 * ids agree across upstreams:
 *
 * - marriages pair men and women of the population (registered in the province when one spouse lives there);
 * - a birth is registered for each citizen born from 1970 whose personal id says the birth was registered in
 *   the province (codes 025, 026, 017: Phú Thọ, Vĩnh Phúc, Hòa Bình before the 2025 merger), with a married
 *   couple of the population as parents — the father's family name where one fits. The population record's free
 *   text fatherFullName / motherFullName is not aligned with them;
 * - the deceased are citizens of the same seeded population beyond its size (index ≥ size): their ids are well
 *   formed but the population register, which holds the living, does not know them. The declarant is a citizen.
 *
 * Registering bodies are the communes of the current units (a simplification: records made before 1 July 2025
 * name the units of their day). Dates are ISO `YYYY-MM-DD`; nothing is registered after LAST_DAY.
 */

export type Sex = 'NAM' | 'NU'

export interface RegisteringBody { ma: string, ten: string }

export interface Parent { hoTen: string, soDinhDanh: string, namSinh: number, danToc: string, quocTich: string }

export interface BirthRegistration {
  soDangKy: string
  quyenSo: string
  ngayDangKy: string
  loaiDangKy: 'DUNG_HAN' | 'QUA_HAN' | 'DANG_KY_LAI'
  coQuanDangKy: RegisteringBody
  hoTen: string
  gioiTinh: Sex
  ngaySinh: string
  noiSinh: string
  quocTich: string
  danToc: string
  soDinhDanh: string
  cha: Parent
  me: Parent
}

export interface Spouse { hoTen: string, ngaySinh: string, soDinhDanh: string, danToc: string, quocTich: string, noiCuTru: string }

export interface MarriageRegistration {
  soDangKy: string
  quyenSo: string
  ngayDangKy: string
  coQuanDangKy: RegisteringBody
  chong: Spouse
  vo: Spouse
  tinhTrang: 'CON_HIEU_LUC' | 'DA_LY_HON'
  ngayLyHon: string | null
}

export interface DeathRegistration {
  soDangKy: string
  quyenSo: string
  ngayDangKy: string
  coQuanDangKy: RegisteringBody
  hoTen: string
  gioiTinh: Sex
  ngaySinh: string
  soDinhDanh: string
  danToc: string
  quocTich: string
  ngayChet: string
  noiChet: string
  nguyenNhan: string
  nguoiDiKhai: { hoTen: string, soDinhDanh: string, quanHe: string }
}

export interface SyntheticCivilStatus {
  readonly seed: number
  /** Ordered by ngayDangKy, then soDangKy. */
  readonly births: readonly BirthRegistration[]
  readonly marriages: readonly MarriageRegistration[]
  readonly deaths: readonly DeathRegistration[]
}

/** The last day anything is registered: the data do not depend on today. */
export const LAST_DAY = '2025-06-30'
/** Personal-id codes of birth registration in the demo province's area (before the 2025 merger). */
const HOME_REGISTRATION_CODES = new Set(['025', '026', '017'])
const FIRST_BIRTH_YEAR = 1970
const DAY_MS = 86_400_000

const BOOK_SIZE = 500
const CAUSES = [['Bệnh già', 30], ['Bệnh lý tim mạch', 20], ['Đột quỵ', 15], ['Ung thư', 15], ['Bệnh đường hô hấp', 10], ['Tai nạn giao thông', 6], ['Tai nạn lao động', 2], ['Đuối nước', 2]] as const

const dayNumber = (iso: string): number => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS)
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)
const addDays = (iso: string, days: number): string => isoDay(dayNumber(iso) + days)
const year = (iso: string): number => Number(iso.slice(0, 4))
const sex = (citizen: Citizen): Sex => citizen.gender === 'male' ? 'NAM' : 'NU'
const familyOf = (name: string): string => name.split(' ')[0] ?? ''
const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1)

export function addressText (address: Address): string {
  return [address.detail, address.communeName, address.provinceName].filter((part) => part !== undefined).join(', ')
}

function inHome (address: Address): boolean {
  return address.provinceCode === HOME_PROVINCE.code
}

function registeringBody (rng: Random, address: Address): RegisteringBody {
  const commune: { code: string, name: string } = inHome(address)
    ? { code: address.communeCode, name: address.communeName }
    : rng.pick(HOME_PROVINCE.communes)
  return { ma: commune.code, ten: `Ủy ban nhân dân ${commune.name}` }
}

interface Couple { husband: Citizen, wife: Citizen, married: string, children: number }

/** Numbers registrations per (kind, year, registering commune) in date order: KS-2015-07900-00042, book 01/2015. */
function numbered<T extends { ngayDangKy: string, coQuanDangKy: RegisteringBody }> (kind: 'KS' | 'KH' | 'KT', drafts: Array<Omit<T, 'soDangKy' | 'quyenSo'> & { order: number }>): T[] {
  drafts.sort((a, b) => a.ngayDangKy.localeCompare(b.ngayDangKy) || a.order - b.order)
  const counters = new Map<string, number>()
  return drafts.map(({ order: _order, ...draft }) => {
    const key = `${draft.ngayDangKy.slice(0, 4)}-${draft.coQuanDangKy.ma}`
    const seq = (counters.get(key) ?? 0) + 1
    counters.set(key, seq)
    const book = String(Math.floor((seq - 1) / BOOK_SIZE) + 1).padStart(2, '0')
    return { soDangKy: `${kind}-${key}-${String(seq).padStart(5, '0')}`, quyenSo: `${book}/${draft.ngayDangKy.slice(0, 4)}`, ...draft } as unknown as T
  })
}

function spouse (citizen: Citizen): Spouse {
  return {
    hoTen: citizen.fullName,
    ngaySinh: citizen.dateOfBirth,
    soDinhDanh: citizen.personalId,
    danToc: citizen.ethnicity,
    quocTich: citizen.nationality,
    noiCuTru: addressText(citizen.permanentAddress)
  }
}

function parent (citizen: Citizen): Parent {
  return { hoTen: citizen.fullName, soDinhDanh: citizen.personalId, namSinh: year(citizen.dateOfBirth), danToc: citizen.ethnicity, quocTich: citizen.nationality }
}

function couples (rng: Random, citizens: readonly Citizen[]): Couple[] {
  const womenByYear = new Map<number, Citizen[]>()
  for (const citizen of citizens) {
    if (citizen.gender !== 'female') continue
    const list = womenByYear.get(year(citizen.dateOfBirth)) ?? []
    list.push(citizen)
    womenByYear.set(year(citizen.dateOfBirth), list)
  }
  const taken = new Set<string>()
  const result: Couple[] = []
  for (const husband of citizens) {
    if (husband.gender !== 'male' || rng.next() >= 0.8) continue
    for (let attempt = 0; attempt < 8; attempt++) {
      const candidates = womenByYear.get(year(husband.dateOfBirth) + rng.int(-3, 10))
      if (candidates === undefined || candidates.length === 0) continue
      const wife = rng.pick(candidates)
      if (taken.has(wife.personalId)) continue
      const adult = Math.max(dayNumber(husband.dateOfBirth) + 20 * 366, dayNumber(wife.dateOfBirth) + 18 * 366)
      const married = isoDay(adult + rng.int(0, 8 * 365))
      if (married > LAST_DAY) break
      taken.add(wife.personalId)
      result.push({ husband, wife, married, children: 0 })
      break
    }
  }
  return result
}

function marriageRegistrations (rng: Random, all: readonly Couple[]): MarriageRegistration[] {
  const drafts = all.flatMap((couple, order) => {
    const home = [couple.wife, couple.husband].find((person) => inHome(person.permanentAddress))
    if (home === undefined) return [] // registered elsewhere: not in this province's registry
    const divorced = rng.next() < 0.08 ? addDays(couple.married, rng.int(2 * 365, 15 * 365)) : undefined
    const ngayLyHon = divorced !== undefined && divorced <= LAST_DAY ? divorced : null
    return [{
      order,
      ngayDangKy: couple.married,
      coQuanDangKy: registeringBody(rng, home.permanentAddress),
      chong: spouse(couple.husband),
      vo: spouse(couple.wife),
      tinhTrang: ngayLyHon === null ? 'CON_HIEU_LUC' as const : 'DA_LY_HON' as const,
      ngayLyHon
    }]
  })
  return numbered<MarriageRegistration>('KH', drafts)
}

function birthPlace (rng: Random, registered: RegisteringBody, born: string): string {
  const province = lowerFirst(HOME_PROVINCE.name)
  const communeName = registered.ten.replace('Ủy ban nhân dân ', '')
  if (year(born) < 1990) return rng.next() < 0.5 ? `Trạm y tế ${communeName}, ${HOME_PROVINCE.name}` : `Tại nhà, ${communeName}, ${HOME_PROVINCE.name}`
  return rng.weighted([
    [`Bệnh viện Đa khoa ${province}`, 40],
    [`Bệnh viện Sản Nhi ${province}`, 35],
    [`Trạm y tế ${communeName}, ${HOME_PROVINCE.name}`, 25]
  ])
}

function birthRegistrations (rng: Random, citizens: readonly Citizen[], all: Couple[]): BirthRegistration[] {
  const byWifeYear = new Map<number, Couple[]>()
  for (const couple of all) {
    const list = byWifeYear.get(year(couple.wife.dateOfBirth)) ?? []
    list.push(couple)
    byWifeYear.set(year(couple.wife.dateOfBirth), list)
  }
  const drafts: Array<Omit<BirthRegistration, 'soDangKy' | 'quyenSo'> & { order: number }> = []
  citizens.forEach((child, order) => {
    const born = child.dateOfBirth
    if (year(born) < FIRST_BIRTH_YEAR || !HOME_REGISTRATION_CODES.has(child.personalId.slice(0, 3))) return
    const fits: Couple[] = []
    for (let wifeYear = year(born) - 42; wifeYear <= year(born) - 19; wifeYear++) {
      for (const couple of byWifeYear.get(wifeYear) ?? []) {
        if (couple.married < born && couple.children < 4 && couple.husband !== child && couple.wife !== child) fits.push(couple)
      }
    }
    if (fits.length === 0) return
    const sameFamily = fits.filter((couple) => familyOf(couple.husband.fullName) === familyOf(child.fullName))
    const couple = rng.pick(sameFamily.length > 0 ? sameFamily : fits)
    couple.children++

    const kind = rng.weighted([['DUNG_HAN', 85], ['QUA_HAN', 10], ['DANG_KY_LAI', 5]] as const)
    const delay = kind === 'DUNG_HAN' ? rng.int(1, 60) : kind === 'QUA_HAN' ? rng.int(61, 10 * 365) : rng.int(5 * 365, 30 * 365)
    const late = addDays(born, delay)
    const ngayDangKy = late <= LAST_DAY ? late : addDays(born, Math.min(60, Math.max(0, dayNumber(LAST_DAY) - dayNumber(born))))
    const coQuanDangKy = registeringBody(rng, couple.wife.permanentAddress)
    drafts.push({
      order,
      ngayDangKy,
      loaiDangKy: ngayDangKy === late ? kind : 'DUNG_HAN',
      coQuanDangKy,
      hoTen: child.fullName,
      gioiTinh: sex(child),
      ngaySinh: born,
      noiSinh: birthPlace(rng, coQuanDangKy, born),
      quocTich: child.nationality,
      danToc: child.ethnicity,
      soDinhDanh: child.personalId,
      cha: parent(couple.husband),
      me: parent(couple.wife)
    })
  })
  return numbered<BirthRegistration>('KS', drafts)
}

function deathRegistrations (rng: Random, population: SyntheticPopulation, citizens: readonly Citizen[], count: number): DeathRegistration[] {
  // The same seed with room beyond the living: citizen N is made from (seed, N) alone, so 0…size−1 are unchanged.
  const beyond = syntheticPopulation({ seed: population.seed, size: Math.min(1_000_000, population.size + count * 20) })
  const adults = citizens.filter((citizen) => citizen.dateOfBirth < '2000-01-01')
  const drafts: Array<Omit<DeathRegistration, 'soDangKy' | 'quyenSo'> & { order: number }> = []
  for (let index = population.size; index < beyond.size && drafts.length < count; index++) {
    const person = beyond.citizenAt(index)
    if (person.dateOfBirth > '1970-12-31' && rng.next() >= 0.1) continue // the old die first
    const from = Math.max(dayNumber(person.dateOfBirth) + 30, dayNumber('2010-01-01'))
    const died = isoDay(rng.int(from, dayNumber(LAST_DAY) - 20))
    const child = adults.filter((adult) => familyOf(adult.fullName) === familyOf(person.fullName) &&
      year(adult.dateOfBirth) >= year(person.dateOfBirth) + 18 && year(adult.dateOfBirth) <= year(person.dateOfBirth) + 45)
    const declarant = child.length > 0 ? rng.pick(child) : rng.pick(adults)
    drafts.push({
      order: index,
      ngayDangKy: addDays(died, rng.int(1, 15)),
      coQuanDangKy: registeringBody(rng, person.permanentAddress),
      hoTen: person.fullName,
      gioiTinh: sex(person),
      ngaySinh: person.dateOfBirth,
      soDinhDanh: person.personalId,
      danToc: person.ethnicity,
      quocTich: person.nationality,
      ngayChet: died,
      noiChet: rng.next() < 0.6 ? `Tại nhà, ${addressText(person.permanentAddress)}` : `Bệnh viện Đa khoa ${lowerFirst(HOME_PROVINCE.name)}`,
      nguyenNhan: rng.weighted(CAUSES),
      nguoiDiKhai: { hoTen: declarant.fullName, soDinhDanh: declarant.personalId, quanHe: child.length > 0 ? 'Con' : 'Người thân' }
    })
  }
  return numbered<DeathRegistration>('KT', drafts)
}

export interface SyntheticCivilStatusOptions {
  seed?: number
  /** The people; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
  /** How many deaths the registry holds (default 150). */
  deaths?: number
}

export function syntheticCivilStatus ({ seed = 2025, population = syntheticPopulation(), deaths = 150 }: SyntheticCivilStatusOptions = {}): SyntheticCivilStatus {
  const citizens = Array.from({ length: population.size }, (_, index) => population.citizenAt(index))
  // one stream per kind of record, so adding deaths never reshuffles births
  const all = couples(random(seed, 1), citizens)
  const births = birthRegistrations(random(seed, 2), citizens, all)
  const marriages = marriageRegistrations(random(seed, 3), all)
  return { seed, births, marriages, deaths: deathRegistrations(random(seed, 4), population, citizens, deaths) }
}
