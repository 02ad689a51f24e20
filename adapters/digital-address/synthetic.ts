import type { Citizen } from '../population/port.js'
import { HOME_PROVINCE } from '../shared/demo-units.js'
import { random, type Random } from '../shared/random.js'
import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'
import { isoTime, vietnamTime } from '../shared/vietnam-time.js'

/**
 * Deterministic synthetic digital addresses (địa chỉ số) of the demo province's households, in the registry's own
 * shape. The household heads are the population simulator's adult citizens whose permanent address is in the
 * province, and the address is that permanent address (house number, street and residential group read from it),
 * so a head's personal id, name and commune agree with the population register. Citizens with the same permanent
 * address are households sharing one digital address; some addresses also hold other families (households of
 * people outside the synthetic population), counted in the commune statistics only.
 *
 * A code is 12 characters of the Crockford base-32 alphabet: the 5-digit commune code, 6 random characters and a
 * check character (weighted sum mod 32). Coordinates are WGS 84 near a per-commune centre inside the province's
 * extent (Phú Thọ, Vĩnh Phúc and Hòa Bình: 20.5–21.8 N, 104.9–105.8 E).
 */

export type BuildingType = 'NHA_RIENG' | 'NHA_O_KET_HOP_KINH_DOANH' | 'CAN_HO_CHUNG_CU'

export interface DigitalAddress {
  maDiaChi: string
  soNha: string | null
  duong: string | null
  thonXom?: string
  xaPhuong: { ma: string, ten: string }
  tinhThanh: { ma: string, ten: string }
  toaDo: { viDo: number, kinhDo: number }
  loaiCongTrinh: BuildingType
  chuHo: { hoTen: string, soDinhDanh: string, soDienThoai?: string }
  capNhatLuc: string
}

export interface CommuneStatistics {
  maXa: string
  tenXa: string
  soDiaChi: number
  /** Households: an address can hold several. */
  soHoGiaDinh: number
  capNhatLuc: string
}

export interface SyntheticDigitalAddresses {
  readonly seed: number
  /** Ordered by maDiaChi. */
  readonly addresses: readonly DigitalAddress[]
  /** Every commune of the province, with or without addresses, in the province's order. */
  readonly statistics: readonly CommuneStatistics[]
}

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const ADDRESS_CODE = /^[0-9]{5}[0-9A-HJKMNP-TV-Z]{7}$/
const EXTENT = { south: 20.55, north: 21.75, west: 104.95, east: 105.75 }
const HEAD_SHARE = 0.55
/** When the 2-level units came into force: communes without addresses report it as their last update. */
const UNITS_IN_FORCE = isoTime(vietnamTime(2025, 7, 1))
const MOBILE_PREFIXES = ['032', '033', '034', '035', '036', '037', '038', '039', '086', '096', '097', '098', '081', '082', '083', '084', '085', '088', '091', '094', '070', '076', '077', '078', '079', '089', '090', '093']
const URBAN_DETAIL = /^Số ([0-9]+), đường (.+), tổ ([0-9]+)$/
const RURAL_DETAIL = /^(Thôn|Xóm|Bản) (.+)$/

/** The check character of an 11-character code body. */
export function checkCharacter (body: string): string {
  let sum = 0
  for (let i = 0; i < body.length; i++) sum += ALPHABET.indexOf(body.charAt(i)) * (i + 1)
  return ALPHABET.charAt(sum % 32)
}

export function isAddressCode (code: string): boolean {
  return ADDRESS_CODE.test(code) && checkCharacter(code.slice(0, 11)) === code.charAt(11)
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6

function communeCentre (seed: number, code: string): { viDo: number, kinhDo: number } {
  const rng = random(seed, 1_000_000 + Number(code))
  return {
    viDo: EXTENT.south + rng.next() * (EXTENT.north - EXTENT.south),
    kinhDo: EXTENT.west + rng.next() * (EXTENT.east - EXTENT.west)
  }
}

function parts (detail: string | undefined): Pick<DigitalAddress, 'soNha' | 'duong' | 'thonXom'> {
  const urban = URBAN_DETAIL.exec(detail ?? '')
  if (urban !== null) return { soNha: urban[1] as string, duong: urban[2] as string, thonXom: `Tổ dân phố ${urban[3] as string}` }
  if (detail !== undefined && RURAL_DETAIL.test(detail)) return { soNha: null, duong: null, thonXom: detail }
  return { soNha: null, duong: null, ...(detail === undefined ? {} : { thonXom: detail }) }
}

function buildingType (rng: Random, urban: boolean): BuildingType {
  return rng.weighted(urban
    ? [['NHA_RIENG', 55], ['NHA_O_KET_HOP_KINH_DOANH', 30], ['CAN_HO_CHUNG_CU', 15]] as const
    : [['NHA_RIENG', 85], ['NHA_O_KET_HOP_KINH_DOANH', 15]] as const)
}

export interface SyntheticDigitalAddressOptions {
  seed?: number
  /** The people; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
}

export function syntheticDigitalAddresses ({ seed = 2025, population = syntheticPopulation() }: SyntheticDigitalAddressOptions = {}): SyntheticDigitalAddresses {
  const rng = random(seed, 0)
  const province = { ma: HOME_PROVINCE.code, ten: HOME_PROVINCE.name }
  const byPlace = new Map<string, { address: DigitalAddress, households: number }>()
  const codes = new Set<string>()
  const updatedFrom = vietnamTime(2024, 3, 1)
  const updatedTo = vietnamTime(2025, 11, 30)

  for (let index = 0; index < population.size; index++) {
    const head: Citizen = population.citizenAt(index)
    const home = head.permanentAddress
    if (home.provinceCode !== HOME_PROVINCE.code || head.dateOfBirth > '2007-06-30' || rng.next() >= HEAD_SHARE) continue
    const place = `${home.communeCode}|${home.detail ?? ''}`
    const shared = byPlace.get(place)
    if (shared !== undefined) {
      shared.households++
      continue
    }
    let code: string
    do {
      const body = home.communeCode + Array.from({ length: 6 }, () => ALPHABET.charAt(rng.int(0, 31))).join('')
      code = body + checkCharacter(body)
    } while (codes.has(code))
    codes.add(code)
    const centre = communeCentre(seed, home.communeCode)
    const phone = rng.next() < 0.65 ? `${rng.pick(MOBILE_PREFIXES)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}` : undefined
    byPlace.set(place, {
      households: rng.weighted([[1, 85], [2, 12], [3, 3]] as const), // generations of a family, each its own household
      address: {
        maDiaChi: code,
        ...parts(home.detail),
        xaPhuong: { ma: home.communeCode, ten: home.communeName },
        tinhThanh: province,
        toaDo: { viDo: round6(centre.viDo + (rng.next() - 0.5) * 0.03), kinhDo: round6(centre.kinhDo + (rng.next() - 0.5) * 0.03) },
        loaiCongTrinh: buildingType(rng, home.communeName.startsWith('Phường')),
        chuHo: { hoTen: head.fullName, soDinhDanh: head.personalId, ...(phone === undefined ? {} : { soDienThoai: phone }) },
        capNhatLuc: isoTime(Math.floor((updatedFrom + rng.next() * (updatedTo - updatedFrom)) / 1000) * 1000)
      }
    })
  }

  const entries = [...byPlace.values()]
  const addresses = entries.map(({ address }) => address).sort((a, b) => a.maDiaChi < b.maDiaChi ? -1 : 1)
  const statistics = HOME_PROVINCE.communes.map((commune) => {
    const inCommune = entries.filter(({ address }) => address.xaPhuong.ma === commune.code)
    return {
      maXa: commune.code,
      tenXa: commune.name,
      soDiaChi: inCommune.length,
      soHoGiaDinh: inCommune.reduce((sum, { households }) => sum + households, 0),
      capNhatLuc: inCommune.reduce((latest, { address }) => address.capNhatLuc > latest ? address.capNhatLuc : latest, UNITS_IN_FORCE)
    }
  })
  return { seed, addresses, statistics }
}
