import type { Citizen } from '../population/port.js'
import { businessAt } from '../procedures/businesses.js'
import type { Commune } from '../shared/admin-units.js'
import { HOME_PROVINCE } from '../shared/demo-units.js'
import { random, type Random } from '../shared/random.js'
import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'
import {
  ENTERPRISE_TYPES, LAND_USE_TYPES, MAIN_BUSINESS_LINES,
  type EnterpriseStatus, type EnterpriseTypeCode, type FacilityLevel, type LandUseType
} from './codes.js'
import { compareIds } from './declaration.js'

/**
 * Deterministic synthetic sector data, in the shape the gateway serves (camelCase records): record N is made
 * from (seed, N), so the same seed always gives the same rows. Owners and legal representatives are the
 * population simulator's citizens (its default seed), and the first enterprises are the one-stop system's
 * business applicants, so a person or a company found in one upstream turns up in the others.
 */

export interface LandParcel {
  /** `25-<communeCode>-<map sheet>-<parcel no>`. */
  parcelId: string
  provinceCode: string
  provinceName: string
  communeCode: string
  communeName: string
  /** Số tờ bản đồ. */
  mapSheetNo: number
  /** Số thửa. */
  parcelNo: number
  areaM2: number
  landUseType: LandUseType
  landUseTypeName: string
  ownerPersonalId: string
  ownerName: string
  /** Số phát hành of the land-use right certificate (GCN); absent while none has been issued. */
  certificateNo?: string
  registeredDate: string
}

export interface EnterpriseRegistration {
  /** 10-digit enterprise (tax) code. */
  enterpriseCode: string
  name: string
  enterpriseType: EnterpriseTypeCode
  enterpriseTypeName: string
  legalRepresentativeName: string
  legalRepresentativePersonalId: string
  headOfficeAddress: string
  communeCode: string
  communeName: string
  provinceCode: string
  provinceName: string
  registeredCapitalVnd: number
  status: EnterpriseStatus
  registrationDate: string
  vsicCode: string
  vsicName: string
}

export interface HealthFacility {
  /** 5-digit facility code (mã cơ sở khám chữa bệnh): province code, then a number. */
  facilityCode: string
  name: string
  level: FacilityLevel
  facilityType: string
  ownership: 'public' | 'private'
  provinceCode: string
  communeCode: string
  communeName: string
  address: string
  beds: number
  phone?: string
  licensedDate: string
}

const PARCEL_STREAM = 4_000_000
const ENTERPRISE_STREAM = 5_000_000
const FACILITY_STREAM = 6_000_000
const DAY = 86_400_000

const STREETS = ['Hùng Vương', 'Nguyễn Tất Thành', 'Trần Phú', 'Lê Hồng Phong', 'Hai Bà Trưng', 'Quang Trung', 'Nguyễn Du',
  'Lý Thường Kiệt', 'Châu Phong', 'Kim Ngọc', 'Mê Linh', 'Cù Chính Lan', 'Phù Đổng', 'Âu Cơ', 'Lạc Long Quân']

const isWard = (commune: Commune): boolean => commune.name.startsWith('Phường')

/** An ISO date drawn uniformly between two years, inclusive. */
function dateBetween (rng: Random, fromYear: number, toYear: number): string {
  const start = Date.UTC(fromYear, 0, 1)
  const days = Math.round((Date.UTC(toYear + 1, 0, 1) - start) / DAY)
  return new Date(start + rng.int(0, days - 1) * DAY).toISOString().slice(0, 10)
}

function streetAddress (rng: Random, commune: Commune): string {
  return isWard(commune) ? `Số ${rng.int(1, 350)}, đường ${rng.pick(STREETS)}` : `Thôn ${rng.int(1, 18)}`
}

/** Skewed towards the first citizens, so the demo's people (citizens 0, 1, 2…) own something; adults only. */
function adultCitizen (rng: Random, population: SyntheticPopulation): Citizen {
  for (let tries = 0; ; tries++) {
    const citizen = population.citizenAt(Math.floor(population.size * rng.next() ** 1.5))
    if (Number(citizen.dateOfBirth.slice(0, 4)) <= 2006 || tries >= 20) return citizen
  }
}

const communeWeights = (urbanWeight: number): ReadonlyArray<readonly [Commune, number]> =>
  HOME_PROVINCE.communes.map((commune) => [commune, isWard(commune) ? urbanWeight : 1] as const)

// ---- land parcels ----

const URBAN_USES: ReadonlyArray<readonly [LandUseType, number]> = [['ODT', 55], ['TMD', 8], ['SKC', 4], ['CLN', 8], ['BHK', 10], ['LUC', 10], ['NTS', 5]]
const RURAL_USES: ReadonlyArray<readonly [LandUseType, number]> = [['ONT', 25], ['LUC', 25], ['CLN', 18], ['BHK', 12], ['RSX', 10], ['NTS', 7], ['SKC', 3]]
const AREA_RANGE: Readonly<Record<LandUseType, readonly [number, number]>> = {
  ODT: [40, 300], ONT: [100, 800], LUC: [300, 5000], BHK: [200, 3000], CLN: [500, 10_000],
  RSX: [5000, 50_000], NTS: [500, 8000], TMD: [100, 5000], SKC: [1000, 20_000]
}
const CERTIFICATE_SERIES = ['AK', 'BX', 'CS', 'CT', 'DA', 'DB', 'DC', 'DD']

export function syntheticLandParcels ({ seed = 2025, count = 3000, population = syntheticPopulation() }: { seed?: number, count?: number, population?: SyntheticPopulation } = {}): LandParcel[] {
  const communes = communeWeights(1.5)
  const taken = new Set<string>()
  const parcels: LandParcel[] = []
  for (let i = 0; i < count; i++) {
    const rng = random(seed, PARCEL_STREAM + i)
    const commune = rng.weighted(communes)
    const mapSheetNo = rng.int(1, 45)
    let parcelNo = rng.int(1, 600)
    while (taken.has(`${commune.code}-${mapSheetNo}-${parcelNo}`)) parcelNo++
    taken.add(`${commune.code}-${mapSheetNo}-${parcelNo}`)
    const landUseType = rng.weighted(isWard(commune) ? URBAN_USES : RURAL_USES)
    const [low, high] = AREA_RANGE[landUseType]
    const owner = adultCitizen(rng, population)
    const certified = rng.next() < 0.92
    parcels.push({
      parcelId: `${HOME_PROVINCE.code}-${commune.code}-${mapSheetNo}-${parcelNo}`,
      provinceCode: HOME_PROVINCE.code,
      provinceName: HOME_PROVINCE.name,
      communeCode: commune.code,
      communeName: commune.name,
      mapSheetNo,
      parcelNo,
      areaM2: Math.round((low + (high - low) * rng.next() ** 2) * 10) / 10,
      landUseType,
      landUseTypeName: LAND_USE_TYPES[landUseType],
      ownerPersonalId: owner.personalId,
      ownerName: owner.fullName,
      ...(certified ? { certificateNo: `${rng.pick(CERTIFICATE_SERIES)} ${String(rng.int(0, 999_999)).padStart(6, '0')}` } : {}),
      registeredDate: dateBetween(rng, 1995, 2026)
    })
  }
  return parcels.sort((a, b) => compareIds(a.parcelId, b.parcelId))
}

// ---- enterprises ----

const NAME_SUFFIXES = ['Phú Thọ', 'Miền Bắc', 'Việt Nam', 'Toàn Cầu', 'Trung Du', 'Sông Hồng']
const STATUSES: ReadonlyArray<readonly [EnterpriseStatus, number]> = [['active', 84], ['suspended', 9], ['dissolved', 7]]
const CAPITAL_RANGE: Readonly<Record<EnterpriseTypeCode, readonly [number, number]>> = {
  'sole-proprietorship': [100, 5000],
  cooperative: [50, 3000],
  'llc-single-member': [500, 30_000],
  llc: [500, 50_000],
  'joint-stock': [2000, 500_000]
}

export function syntheticEnterprises ({ seed = 2025, count = 2000, population = syntheticPopulation() }: { seed?: number, count?: number, population?: SyntheticPopulation } = {}): EnterpriseRegistration[] {
  const communes = communeWeights(3)
  const names = new Set<string>()
  const enterprises: EnterpriseRegistration[] = []
  for (let i = 0; i < count; i++) {
    const business = businessAt(seed, i)
    const rng = random(seed, ENTERPRISE_STREAM + i)
    const type = ENTERPRISE_TYPES.find((candidate) => business.name.startsWith(`${candidate.prefix} `)) ?? ENTERPRISE_TYPES[1]
    const trade = business.name.slice(type.prefix.length + 1)
    const line = MAIN_BUSINESS_LINES.find((candidate) => trade.startsWith(`${candidate.trade} `)) ?? MAIN_BUSINESS_LINES[0] as typeof MAIN_BUSINESS_LINES[number]
    // Two enterprises may not share a name (Enterprise Law, art. 41): a later one distinguishes itself.
    let name = business.name
    for (let n = 0; names.has(name); n++) name = `${business.name} ${NAME_SUFFIXES[n % NAME_SUFFIXES.length] ?? ''}${n >= NAME_SUFFIXES.length ? ` ${Math.floor(n / NAME_SUFFIXES.length) + 1}` : ''}`
    names.add(name)
    const commune = rng.weighted(communes)
    const representative = adultCitizen(rng, population)
    const [low, high] = CAPITAL_RANGE[type.code]
    enterprises.push({
      enterpriseCode: business.enterpriseCode,
      name,
      enterpriseType: type.code,
      enterpriseTypeName: type.name,
      legalRepresentativeName: representative.fullName,
      legalRepresentativePersonalId: representative.personalId,
      headOfficeAddress: `${streetAddress(rng, commune)}, ${commune.name}, ${HOME_PROVINCE.name}`,
      communeCode: commune.code,
      communeName: commune.name,
      provinceCode: HOME_PROVINCE.code,
      provinceName: HOME_PROVINCE.name,
      registeredCapitalVnd: Math.round(low + (high - low) * rng.next() ** 3) * 1_000_000,
      status: rng.weighted(STATUSES),
      registrationDate: dateBetween(rng, 2000, 2026),
      vsicCode: line.vsicCode,
      vsicName: line.vsicName
    })
  }
  return enterprises.sort((a, b) => compareIds(a.enterpriseCode, b.enterpriseCode))
}

// ---- health facilities ----

const CLINIC_BRANDS = ['Hùng Vương', 'Việt Trì', 'Đất Tổ', 'An Phát', 'Minh Phú', 'Phúc An', 'Hồng Đức', 'Thiên Đức', 'Tâm An', 'Medlatec',
  'Bình An', 'Hòa Bình', 'Sông Lô', 'Thanh Bình', 'Phú Hưng', 'Việt Đức', 'Hà Nội', 'Sao Mai', 'Trường Sinh', 'Hạnh Phúc']
const SPECIALTIES = ['Nội', 'Nhi', 'Sản phụ khoa', 'Răng Hàm Mặt', 'Tai Mũi Họng', 'Mắt', 'Da liễu', 'Chẩn đoán hình ảnh', 'Y học cổ truyền']

interface FacilityDraft { name: string, level: FacilityLevel, facilityType: string, ownership: HealthFacility['ownership'], commune: Commune, beds: [number, number] }

function facilityDrafts (rng: Random, count: number): FacilityDraft[] {
  const communes = HOME_PROVINCE.communes
  const centre = communes[0] as Commune
  const drafts: FacilityDraft[] = [
    { name: 'Bệnh viện Đa khoa tỉnh Phú Thọ', level: 'specialised', facilityType: 'Bệnh viện đa khoa', ownership: 'public', commune: centre, beds: [1500, 1500] },
    { name: 'Bệnh viện Sản Nhi tỉnh Phú Thọ', level: 'specialised', facilityType: 'Bệnh viện chuyên khoa', ownership: 'public', commune: centre, beds: [600, 600] },
    { name: 'Bệnh viện Y học cổ truyền tỉnh Phú Thọ', level: 'basic', facilityType: 'Bệnh viện chuyên khoa', ownership: 'public', commune: communes[1] as Commune, beds: [250, 250] },
    { name: 'Bệnh viện Đa khoa khu vực Phúc Yên', level: 'basic', facilityType: 'Bệnh viện đa khoa', ownership: 'public', commune: communes[8] as Commune, beds: [500, 500] },
    { name: 'Bệnh viện Đa khoa Hùng Vương', level: 'basic', facilityType: 'Bệnh viện đa khoa', ownership: 'private', commune: communes[3] as Commune, beds: [150, 150] }
  ]
  for (const commune of communes) {
    if (!isWard(commune)) drafts.push({ name: `Trung tâm Y tế khu vực ${commune.name.slice(3)}`, level: 'basic', facilityType: 'Trung tâm y tế', ownership: 'public', commune, beds: [60, 250] })
    drafts.push({ name: `Trạm Y tế ${commune.name}`, level: 'primary', facilityType: 'Trạm y tế', ownership: 'public', commune, beds: [0, 10] })
  }
  const names = new Set(drafts.map((draft) => draft.name))
  while (drafts.length < count) {
    const commune = rng.weighted(communeWeights(2.5))
    const general = rng.next() < 0.35
    const base = general ? `Phòng khám đa khoa ${rng.pick(CLINIC_BRANDS)}` : `Phòng khám chuyên khoa ${rng.pick(SPECIALTIES)} ${rng.pick(CLINIC_BRANDS)}`
    let name = base
    for (let n = 2; names.has(name); n++) name = `${base} ${n}`
    names.add(name)
    drafts.push({
      name,
      level: general && rng.next() < 0.4 ? 'basic' : 'primary',
      facilityType: general ? 'Phòng khám đa khoa' : 'Phòng khám chuyên khoa',
      ownership: 'private',
      commune,
      beds: general ? [0, 20] : [0, 0]
    })
  }
  return drafts.slice(0, count)
}

export function syntheticHealthFacilities ({ seed = 2025, count = 240 }: { seed?: number, count?: number } = {}): HealthFacility[] {
  const drafts = facilityDrafts(random(seed, FACILITY_STREAM), count)
  return drafts.map((draft, i) => {
    const rng = random(seed, FACILITY_STREAM + 1 + i)
    const hasPhone = draft.ownership === 'public' || rng.next() < 0.7
    return {
      facilityCode: `${HOME_PROVINCE.code}${String(i + 1).padStart(3, '0')}`,
      name: draft.name,
      level: draft.level,
      facilityType: draft.facilityType,
      ownership: draft.ownership,
      provinceCode: HOME_PROVINCE.code,
      communeCode: draft.commune.code,
      communeName: draft.commune.name,
      address: `${streetAddress(rng, draft.commune)}, ${draft.commune.name}, ${HOME_PROVINCE.name}`,
      beds: rng.int(draft.beds[0], draft.beds[1]),
      ...(hasPhone ? { phone: `0210 3${String(rng.int(0, 999_999)).padStart(6, '0')}` } : {}),
      licensedDate: dateBetween(rng, draft.ownership === 'public' ? 1995 : 2010, 2026)
    }
  }).sort((a, b) => compareIds(a.facilityCode, b.facilityCode))
}
