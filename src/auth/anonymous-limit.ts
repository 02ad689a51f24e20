import { LRUCache } from 'lru-cache'

/**
 * Failed authentications per caller address and minute, counted in this gateway's memory: a flood of calls
 * without a valid token is then refused before any token is parsed or any signature checked, and without a
 * round trip to Redis. Each gateway counts its own (behind a balancer the budget is per gateway). At most
 * `maxAddresses` are tracked: past it the least recently seen address is forgotten, so memory stays bounded even
 * when the addresses are many (IPv6).
 */

export interface AnonymousLimit {
  /** Seconds until this address may be heard again, or undefined while it is within its budget. */
  retryAfter (address: string): number | undefined
  /** Counts one failed authentication from this address. */
  failed (address: string): void
}

export interface AnonymousLimitOptions {
  perMinute: number
  maxAddresses?: number
}

const WINDOW_MS = 60_000

export function createAnonymousLimit (options: AnonymousLimitOptions): AnonymousLimit {
  const windows = new LRUCache<string, { start: number, failures: number }>({ max: options.maxAddresses ?? 100_000 })
  const current = (address: string, now: number): { start: number, failures: number } | undefined => {
    const window = windows.get(address)
    return window !== undefined && now - window.start < WINDOW_MS ? window : undefined
  }
  return {
    retryAfter (address) {
      const now = Date.now()
      const window = current(address, now)
      if (window === undefined || window.failures < options.perMinute) return undefined
      return Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000))
    },
    failed (address) {
      const now = Date.now()
      const window = current(address, now)
      if (window === undefined) windows.set(address, { start: now, failures: 1 })
      else window.failures++
    }
  }
}
