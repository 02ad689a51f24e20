import { DEFAULT_CATEGORIES_DIR } from '../paths.js'
import type { EnvOf } from './env.js'

/** Shared categories (plugins/app/categories.ts): where they are declared, how long answers are kept, whether reads are audited. */

export const CATEGORIES_ENV = {
  CATEGORIES_DIR: { type: 'string', minLength: 1 },
  // read by every agency system all day and holding no personal data: not audited unless asked for
  CATEGORIES_AUDIT: { type: 'boolean', default: false },
  CATEGORIES_MAX_AGE_S: { type: 'integer', minimum: 0, maximum: 604800, default: 3600 },
  CATEGORIES_CACHE_TTL_S: { type: 'integer', minimum: 0, maximum: 86400, default: 3600 }
} as const

export interface CategoriesConfig {
  /** Folder of category declarations (*.json) and the data files they name. */
  dir: string
  /** Record every read in the audit trail (off: categories are reference data, read very often). */
  audit: boolean
  /** Cache-Control max-age of answers, unless a declaration sets its own. */
  maxAgeSeconds: number
  /** How long the response cache keeps a page; 0 keeps none. */
  cacheTtlSeconds: number
}

export function readCategories (raw: EnvOf<typeof CATEGORIES_ENV>): CategoriesConfig {
  return {
    dir: raw.CATEGORIES_DIR ?? DEFAULT_CATEGORIES_DIR,
    audit: raw.CATEGORIES_AUDIT,
    maxAgeSeconds: raw.CATEGORIES_MAX_AGE_S,
    cacheTtlSeconds: raw.CATEGORIES_CACHE_TTL_S
  }
}
