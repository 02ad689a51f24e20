import { DEFAULT_DATASETS_DIR } from '../paths.js'
import type { RestUpstreamOptions } from '../../adapters/sector/rest-source.js'
import type { StoreConfig } from '../store/db.js'
import { invalid, type EnvOf } from './env.js'
import type { UpstreamResilience } from './resilience.js'

/**
 * Sector datasets: their declarations, the database SQL datasets read, and the REST upstreams. Those upstreams are
 * named by the declarations, so their variables are too — SECTOR_UPSTREAM_<NAME>_URL, _API_KEY, _TIMEOUT_MS,
 * _CONNECTIONS — and are read from the environment by name (sectorUpstreams below), not declared in the schema.
 */

export const SECTOR_ENV = {
  SECTOR_DATASETS_DIR: { type: 'string', minLength: 1 },
  SECTOR_DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://[^\\s]+$' },
  SECTOR_DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' },
  SECTOR_DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
  SECTOR_STATEMENT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 },
  SECTOR_CURSOR_SECRET: { type: 'string', minLength: 16 }
} as const

export interface SectorConfig {
  /** Folder of dataset declarations (*.json). */
  datasetsDir: string
  /** The database SQL datasets read by default; the gateway's own store when absent. */
  database?: Extract<StoreConfig, { driver: 'postgres' }>
  statementTimeoutMs: number
  /** Signs list cursors; the same on every gateway behind one load balancer. Random per process when absent (demo). */
  cursorSecret?: string
  /** REST upstreams by the name declarations give in `source.upstream` (lower case). */
  upstreams: Record<string, RestUpstreamOptions>
}

export function readSector (raw: EnvOf<typeof SECTOR_ENV>, env: NodeJS.ProcessEnv, { demo, resilience }: { demo: boolean, resilience: UpstreamResilience }): SectorConfig {
  if (!demo && raw.SECTOR_CURSOR_SECRET === undefined) {
    invalid('SECTOR_CURSOR_SECRET is required unless DEMO=true (every gateway must accept the others\' cursors)')
  }
  return {
    datasetsDir: raw.SECTOR_DATASETS_DIR ?? DEFAULT_DATASETS_DIR,
    ...(raw.SECTOR_DATABASE_URL === undefined
      ? {}
      : { database: { driver: 'postgres', url: raw.SECTOR_DATABASE_URL, schema: raw.SECTOR_DATABASE_SCHEMA, poolSize: raw.SECTOR_DATABASE_POOL_SIZE } }),
    statementTimeoutMs: raw.SECTOR_STATEMENT_TIMEOUT_MS,
    ...(raw.SECTOR_CURSOR_SECRET === undefined ? {} : { cursorSecret: raw.SECTOR_CURSOR_SECRET }),
    upstreams: Object.fromEntries(Object.entries(sectorUpstreams(env)).map(([name, options]) => [name, { ...options, resilience }]))
  }
}

const UPSTREAM_VARIABLE = /^SECTOR_UPSTREAM_([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*?)_(URL|API_KEY|TIMEOUT_MS|CONNECTIONS)$/

/** SECTOR_UPSTREAM_HEALTH_URL=… → upstreams.health.url; every upstream named needs a URL. */
export function sectorUpstreams (env: NodeJS.ProcessEnv): Record<string, RestUpstreamOptions> {
  const found = new Map<string, Partial<Record<string, string>>>()
  for (const [name, value] of Object.entries(env)) {
    const match = UPSTREAM_VARIABLE.exec(name)
    if (match === null || value === undefined) continue
    const [, upstream, setting] = match as unknown as [string, string, string]
    found.set(upstream, { ...found.get(upstream), [setting]: value })
  }
  const upstreams: Record<string, RestUpstreamOptions> = {}
  for (const [upstream, settings] of found) {
    const variable = (setting: string): string => `SECTOR_UPSTREAM_${upstream}_${setting}`
    const { URL: url, API_KEY: apiKey, TIMEOUT_MS: timeout = '5000', CONNECTIONS: connections = '8' } = settings
    if (url === undefined || !/^https?:\/\/[^\s]+$/.test(url)) invalid(`${variable('URL')} must be an http(s) URL (got ${JSON.stringify(url)})`)
    const integer = (text: string, setting: string, max: number): number => {
      const value = Number(text)
      if (!Number.isInteger(value) || value < 1 || value > max) invalid(`${variable(setting)} must be an integer from 1 to ${max} (got ${JSON.stringify(text)})`)
      return value
    }
    upstreams[upstream.toLowerCase()] = {
      url,
      ...(apiKey === undefined ? {} : { apiKey }),
      timeoutMs: integer(timeout, 'TIMEOUT_MS', 120_000),
      connections: integer(connections, 'CONNECTIONS', 1024)
    }
  }
  return upstreams
}
