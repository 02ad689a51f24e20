import { DEFAULT_SERVICES_DIR } from '../paths.js'
import type { UpstreamSecrets } from '../../adapters/published/credentials.js'
import type { ResilienceOptions } from '../../adapters/shared/resilience.js'
import { invalid, type EnvOf } from './env.js'
import type { UpstreamResilience } from './resilience.js'

/**
 * Published services: the folder of their declarations, and per service what a deployment keeps out of a
 * reviewed file — its base URLs and secrets — as PUBLISHED_<SERVICE>_<SETTING> variables, where <SERVICE> is the
 * service id in upper case with `.` and `-` as `_` (tuphap.ho-tich → PUBLISHED_TUPHAP_HO_TICH_CLIENT_SECRET).
 * Like the sector upstreams' variables they are named by the declarations, so read by pattern (publishedUpstreams).
 */

export const PUBLISHED_ENV = {
  PUBLISHED_SERVICES_DIR: { type: 'string', minLength: 1 }
} as const

export interface PublishedUpstreamConfig {
  /** Replace the declaration's base URLs. */
  urls?: string[]
  secrets: UpstreamSecrets
}

export interface PublishedConfig {
  /** Folder of published services (one folder each, with service.json and the provider's OpenAPI document). */
  servicesDir: string
  /** By environment key (TUPHAP_HO_TICH). */
  upstreams: Record<string, PublishedUpstreamConfig>
  resilience: ResilienceOptions
}

/** tuphap.ho-tich → TUPHAP_HO_TICH */
export function publishedEnvKey (service: string): string {
  return service.toUpperCase().replace(/[.-]/g, '_')
}

const SETTINGS = ['URL', 'API_KEY', 'USERNAME', 'PASSWORD', 'CLIENT_ID', 'CLIENT_SECRET', 'TOKEN_URL', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CA_FILE'] as const
type Setting = typeof SETTINGS[number]
const VARIABLE = new RegExp(`^PUBLISHED_([A-Z0-9]+(?:_[A-Z0-9]+)*?)_(${SETTINGS.join('|')})$`)
const HTTP_URL = /^https?:\/\/[^\s,]+$/

export function publishedUpstreams (env: NodeJS.ProcessEnv): Record<string, PublishedUpstreamConfig> {
  const found = new Map<string, Partial<Record<Setting, string>>>()
  for (const [name, value] of Object.entries(env)) {
    const match = VARIABLE.exec(name)
    if (match === null || value === undefined || value === '') continue
    const [, key, setting] = match as unknown as [string, string, Setting]
    found.set(key, { ...found.get(key), [setting]: value })
  }
  const upstreams: Record<string, PublishedUpstreamConfig> = {}
  for (const [key, settings] of found) {
    const urls = settings.URL?.split(',').map((url) => url.trim())
    if (urls !== undefined && !urls.every((url) => HTTP_URL.test(url))) invalid(`PUBLISHED_${key}_URL must be http(s) URLs separated by commas (got ${JSON.stringify(settings.URL)})`)
    if (settings.TOKEN_URL !== undefined && !HTTP_URL.test(settings.TOKEN_URL)) invalid(`PUBLISHED_${key}_TOKEN_URL must be an http(s) URL`)
    if ((settings.TLS_CERT_FILE === undefined) !== (settings.TLS_KEY_FILE === undefined)) invalid(`PUBLISHED_${key}_TLS_CERT_FILE and _TLS_KEY_FILE go together`)
    const secrets: UpstreamSecrets = {
      ...(settings.API_KEY === undefined ? {} : { apiKey: settings.API_KEY }),
      ...(settings.USERNAME === undefined ? {} : { username: settings.USERNAME }),
      ...(settings.PASSWORD === undefined ? {} : { password: settings.PASSWORD }),
      ...(settings.CLIENT_ID === undefined ? {} : { clientId: settings.CLIENT_ID }),
      ...(settings.CLIENT_SECRET === undefined ? {} : { clientSecret: settings.CLIENT_SECRET }),
      ...(settings.TOKEN_URL === undefined ? {} : { tokenUrl: settings.TOKEN_URL }),
      ...(settings.TLS_CERT_FILE === undefined || settings.TLS_KEY_FILE === undefined
        ? {}
        : { tls: { cert: settings.TLS_CERT_FILE, key: settings.TLS_KEY_FILE, ...(settings.TLS_CA_FILE === undefined ? {} : { ca: settings.TLS_CA_FILE }) } })
    }
    upstreams[key] = { ...(urls === undefined ? {} : { urls }), secrets }
  }
  return upstreams
}

export function readPublished (raw: EnvOf<typeof PUBLISHED_ENV>, env: NodeJS.ProcessEnv, { resilience }: { resilience: UpstreamResilience }): PublishedConfig {
  return { servicesDir: raw.PUBLISHED_SERVICES_DIR ?? DEFAULT_SERVICES_DIR, upstreams: publishedUpstreams(env), resilience }
}
