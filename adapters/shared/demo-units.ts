import { shippedAdminUnits, type Commune, type LegacyCommune } from './admin-units.js'

/**
 * Where the simulators' synthetic people, dossiers, parcels and facilities are: real units of the official
 * register. The demo province is Phú Thọ (25); its one-stop system has a reception centre per commune of a
 * sample of 20 real communes and wards (a centre code holds two digits), the other provinces give all of theirs.
 */

export interface ProvinceSample {
  code: string
  name: string
  communes: readonly Commune[]
}

/** The legacy units a record made before 1 July 2025 names: a legacy commune with its district and province. */
export interface LegacyPlace {
  commune: LegacyCommune
  districtName: string
  provinceName: string
}

const register = shippedAdminUnits()

function province (code: string, communeCodes?: readonly string[]): ProvinceSample {
  const found = register.province(code)
  if (found === undefined) throw new Error(`no province ${code} in the register`)
  const communes = communeCodes === undefined
    ? register.communes.filter((commune) => commune.provinceCode === code)
    : communeCodes.map((communeCode) => {
      const commune = register.commune(communeCode)
      if (commune?.provinceCode !== code) throw new Error(`no commune ${communeCode} of province ${code} in the register`)
      return commune
    })
  return { code, name: found.name, communes }
}

/** Phú Thọ: the wards of Việt Trì, Phú Thọ, Vĩnh Yên, Phúc Yên and Hòa Bình, then communes (the sample's order is the centres'). */
export const HOME_PROVINCE: ProvinceSample = province('25', [
  '07900', '07894', '07909', '07918', '07942', '07954', '08716', '08707', '08740', '04795',
  '07969', '08053', '08152', '08341', '08434', '08542', '08494', '05200', '05266', '08911'
])

/** Hà Nội, Hồ Chí Minh City, Đà Nẵng, Thanh Hóa, Nghệ An: every commune of each. */
export const OTHER_PROVINCES: readonly ProvinceSample[] = ['01', '79', '48', '38', '40'].map((code) => province(code))

/** The legacy communes (before 1 July 2025) of the legacy provinces that now make up these provinces, per legacy province. */
function legacyPlaces (provinceCodes: readonly string[]): LegacyPlace[] {
  const legacyProvinces = register.legacyProvinces.filter((legacy) => legacy.becamePartOf.some((code) => provinceCodes.includes(code)))
  const names = new Map(legacyProvinces.map((legacy) => [legacy.code, legacy.name ?? legacy.code]))
  return register.legacyCommunes
    .filter((commune) => names.has(commune.provinceCode))
    .map((commune) => ({
      commune,
      districtName: register.legacyDistrict(commune.districtCode)?.name ?? commune.districtCode,
      provinceName: names.get(commune.provinceCode) ?? commune.provinceCode
    }))
}

/** Legacy places of the home province's area (Phú Thọ, Vĩnh Phúc, Hòa Bình before the merger) and of the others'. */
export const HOME_LEGACY_PLACES: readonly LegacyPlace[] = legacyPlaces([HOME_PROVINCE.code])
export const OTHER_LEGACY_PLACES: readonly LegacyPlace[] = legacyPlaces(OTHER_PROVINCES.map((other) => other.code))
