import type { AdminRegister } from '../shared/admin-units.js'
import type { AdminUnitList, CategoryItem } from './port.js'

/**
 * The items of one list of the register, in code order: a commune's parent is its province, a legacy district's
 * its legacy province, a legacy commune's its legacy district; legacy units say which current units took them in.
 */
export function adminUnitItems (register: AdminRegister, list: AdminUnitList): CategoryItem[] {
  const items = ((): CategoryItem[] => {
    switch (list) {
      case 'provinces':
        return register.provinces.map(({ code, name }) => ({ code, name }))
      case 'communes':
        return register.communes.map(({ code, name, kind, provinceCode }) => ({ code, name, parent: provinceCode, kind }))
      case 'legacy-provinces':
        return register.legacyProvinces.map(({ code, name, becamePartOf }) => ({ code, name: name ?? code, becamePartOf }))
      case 'legacy-districts':
        return register.legacyDistricts.map(({ code, name, provinceCode }) => ({ code, name, parent: provinceCode }))
      case 'legacy-communes':
        return register.legacyCommunes.map(({ code, name, otherNames, districtCode, becamePartOf }) =>
          ({ code, name, parent: districtCode, ...(otherNames.length === 0 ? {} : { otherNames }), becamePartOf }))
    }
  })()
  return items.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
}
