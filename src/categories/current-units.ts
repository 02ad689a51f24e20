import type { Address, Citizen } from '../../adapters/population/port.js'
import type { CategoryStore } from '../../adapters/categories/store.js'

/**
 * An address an upstream recorded in the legacy units (it names a district, which the current units no longer
 * have) is returned with the current unit(s) beside it, from the official conversion table: one, or several when
 * the legacy commune was split (then the detail of the address decides which). Current addresses pass unchanged.
 */

export interface CurrentUnit { provinceCode: string, provinceName: string, communeCode: string, communeName: string }
export type AddressWithCurrent = Address & { current?: CurrentUnit[] }

export function withCurrentUnits (address: Address, categories: CategoryStore): AddressWithCurrent {
  if (address.districtCode === undefined) return address
  const entry = categories.conversions({ legacyCommuneCode: address.communeCode, limit: 1 })?.items[0]
  if (entry === undefined) return address
  return {
    ...address,
    current: entry.current.map(({ commune, province }) => ({ provinceCode: province.code, provinceName: province.name, communeCode: commune.code, communeName: commune.name }))
  }
}

/** A citizen's three addresses, each with its current units when recorded in legacy ones. */
export function citizenWithCurrentUnits (citizen: Citizen, categories: CategoryStore): Citizen {
  return {
    ...citizen,
    placeOfOrigin: withCurrentUnits(citizen.placeOfOrigin, categories),
    permanentAddress: withCurrentUnits(citizen.permanentAddress, categories),
    currentAddress: withCurrentUnits(citizen.currentAddress, categories)
  }
}
