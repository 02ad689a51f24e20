import { invalid, type EnvOf } from './env.js'

/** The gateway process: where it listens, how it logs, which requests it takes and how long it remembers writes. */

export const SERVER_ENV = {
  HOST: { type: 'string', minLength: 1, default: 'localhost' },
  PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
  LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 10485760, default: 65536 },
  TRUST_PROXY: { type: 'string', maxLength: 1024, default: 'false' },
  // a whole request (headers and body) must arrive within REQUEST_TIMEOUT_MS, its headers within
  // HEADERS_TIMEOUT_MS; an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS
  REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
  HEADERS_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
  KEEP_ALIVE_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 600000, default: 72000 },
  IDEMPOTENCY_TTL_HOURS: { type: 'integer', minimum: 1, maximum: 720, default: 24 }
} as const

/** false, true (every hop), a number of hops, or the proxies' addresses and CIDR ranges. */
export type TrustProxy = boolean | number | string[]

export interface ServerConfig {
  host: string
  port: number
  logLevel: string
  bodyLimitBytes: number
  /** Which proxies' X-Forwarded-For is believed for the caller's address (Fastify's trustProxy); false: none. */
  trustProxy: TrustProxy
  /** How long a client may take to send a request, and keep an idle connection (see HttpTimeouts). */
  http: HttpTimeouts
  /** How long an Idempotency-Key of a write is remembered (and its first answer replayed). */
  idempotencyTtlHours: number
}

/**
 * Slow clients: a request whose headers have not all arrived after `headersTimeoutMs`, or whose body has not
 * after `requestTimeoutMs` (counted from its first byte), is answered 408 `request-timeout` and its connection
 * closed (plugins/app/client-errors.ts), so a client sending a byte a second cannot hold a connection open.
 * `keepAliveTimeoutMs` closes an idle keep-alive connection; keep it above the load balancer's idle timeout
 * (60 s on most) so the balancer, not the gateway, closes first.
 */
export interface HttpTimeouts {
  requestTimeoutMs: number
  headersTimeoutMs: number
  keepAliveTimeoutMs: number
}

export function readServer (raw: EnvOf<typeof SERVER_ENV>): ServerConfig {
  if (raw.HEADERS_TIMEOUT_MS > raw.REQUEST_TIMEOUT_MS) {
    invalid(`HEADERS_TIMEOUT_MS (${raw.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${raw.REQUEST_TIMEOUT_MS}): the headers are part of the request`)
  }
  return {
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    http: { requestTimeoutMs: raw.REQUEST_TIMEOUT_MS, headersTimeoutMs: raw.HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: raw.KEEP_ALIVE_TIMEOUT_MS },
    idempotencyTtlHours: raw.IDEMPOTENCY_TTL_HOURS
  }
}

// an IPv4 or IPv6 address, optionally with a /prefix, or one of proxy-addr's names for private ranges
const PROXY_ADDRESS = /^(?:loopback|linklocal|uniquelocal|[0-9.]+(?:\/[0-9]{1,2})?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(?:\/[0-9]{1,3})?)$/

/**
 * TRUST_PROXY: `false` (default: the caller's address is the TCP peer's), `true` (believe X-Forwarded-For from
 * anyone: only when nothing but the proxy can reach the gateway), a hop count (`1`: the load balancer in front), or
 * a comma-separated list of the proxies' addresses/CIDRs (`10.0.0.0/8,loopback`). The address is only logged.
 */
function parseTrustProxy (text: string): TrustProxy {
  const value = text.trim()
  if (value === 'false' || value === '') return false
  if (value === 'true') return true
  if (/^[0-9]+$/.test(value)) return Number(value)
  const entries = value.split(',').map((entry) => entry.trim())
  const bad = entries.find((entry) => !PROXY_ADDRESS.test(entry))
  if (bad !== undefined) {
    invalid(`TRUST_PROXY must be true, false, a hop count or a list of addresses/CIDRs (got ${JSON.stringify(bad)})`)
  }
  return entries
}
