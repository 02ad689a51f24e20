import type { AdminRegister, ChangeKind } from '../shared/admin-units.js'

/**
 * Shared categories (danh mục dùng chung) as their declaration files describe them (schemas/CategoryDeclaration.json):
 * reference lists every agency reads — the administrative units first — each with its owner, version and the
 * period it is in force. They hold no personal data.
 */

/** An item of a category: its code, its name, and where the declaration gives them its parent and kind. */
export interface CategoryItem {
  code: string
  name: string
  /** The item's parent in the category the declaration names as `parent` (a commune's province…). */
  parent?: string
  kind?: string
  /** Other names the same code is known by (searchable too). */
  otherNames?: string[]
  /** Legacy units: the codes of the current units that took them in (more than one: split). */
  becamePartOf?: string[]
}

export const ADMIN_UNIT_LISTS = ['provinces', 'communes', 'legacy-provinces', 'legacy-districts', 'legacy-communes'] as const
export type AdminUnitList = typeof ADMIN_UNIT_LISTS[number]

/** Items listed in the declaration itself: how a province adds a list of its own. */
export interface InlineItems { kind: 'items', items: CategoryItem[] }
/** One list of the official register of administrative units, read from the register file. */
export interface AdminUnitsSource {
  kind: 'admin-units'
  /** The register file, relative to the declaration's folder. */
  file: string
  /** Names of the legacy provinces (the register lists them by code), relative to the declaration's folder. */
  legacyProvinceNames?: string
  list: AdminUnitList
}

export interface CategoryDeclaration {
  code: string
  name: string
  description?: string
  owner: string
  legalBasis?: string
  version: string
  /** First day in force (YYYY-MM-DD); absent when it was in force before anything this gateway holds. */
  effectiveFrom?: string
  /** Last day in force, when it was replaced. */
  effectiveUntil?: string
  /** The category whose codes the items' `parent` holds. */
  parent?: string
  /** The category this one replaced, and the one that replaced it. */
  supersedes?: string
  supersededBy?: string
  /** Seconds a caller may keep an answer (Cache-Control max-age); the gateway's default when absent. */
  maxAgeSeconds?: number
  items?: CategoryItem[]
  source?: AdminUnitsSource
}

/** A loaded category: its declaration, its items in code order, and the register it was read from, if any. */
export interface Category {
  declaration: CategoryDeclaration
  /** The file it was declared in. */
  file: string
  items: readonly CategoryItem[]
  /** A digest of the items: changes whenever they do, even under the same version. */
  digest: string
  register?: AdminRegister
}

/** A category as the list of categories shows it: its declaration without the items, and how many it holds. */
export type CategorySummary = Omit<CategoryDeclaration, 'items' | 'source' | 'maxAgeSeconds'> & { itemCount: number }

export interface Page<T> {
  items: T[]
  nextCursor?: string
}

export interface ItemQuery {
  /** Words to find in the name (accents, case and đ/d folded), or the start of a code. */
  q?: string
  parent?: string
  /** YYYY-MM-DD: only a category in force that day answers items (else an empty page). */
  asOf?: string
  cursor?: string
  limit: number
}

export interface ConversionQuery {
  legacyCommuneCode?: string
  legacyDistrictCode?: string
  legacyProvinceCode?: string
  /** The other way: the legacy communes a current commune took in. */
  communeCode?: string
  cursor?: string
  limit: number
}

export interface UnitRef { code: string, name: string }

/** What became of one legacy commune (or of a whole legacy district without communes). */
export interface ConversionEntry {
  /** Absent for a whole district without communes, or an area the table names without a commune code. */
  legacyCommune?: UnitRef
  /** The name of such an area. */
  legacyArea?: string
  legacyDistrict: UnitRef
  legacyProvince: UnitRef
  /** True when its territory went to more than one current commune. */
  split: boolean
  current: Array<{ commune: UnitRef & { kind: string }, province: UnitRef, change: ChangeKind, note: string }>
}
