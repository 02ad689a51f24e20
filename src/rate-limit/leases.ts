import { performance } from 'node:perf_hooks'
import type { QuotaStore } from './quota.js'

/**
 * Rate limits without a Redis round trip per request. A gateway takes a *lease* of tokens from a window's shared
 * budget (quota.ts: atomic, never past the limit) and admits calls from it; when the lease is down to half, it
 * tops it up in the background, so a steady client normally never waits on Redis. A call waits only for the
 * first take of a window on this gateway, when a burst outruns the top-up, or when the lease size is 1 (the
 * synchronous check, for small limits).
 *
 * Over-admission: none. Every admitted call spends a token the store granted in that window, and a lease ends
 * no later than its window in the store: its end is counted from when the take was *sent*, before the store's
 * clock read the window's time left. Unused tokens are not given back: they expire with the window. So a client
 * may be refused while another gateway still holds up to one lease of its tokens, i.e. at most
 * (gateways - 1) × lease size fewer calls than the limit in a window, and only when it stops calling the
 * gateways that hold them.
 */

export interface Verdict {
  allowed: boolean
  limit: number
  /** Calls left in the window as this gateway last heard from the store, plus its own unspent tokens. */
  remaining: number
  /** Milliseconds until the window ends. */
  resetMs: number
}

export interface Leases {
  /**
   * One call of `key` against `limit`; rejects when a take it waits for fails (the caller decides what that means,
   * and whether to spend a lease at all while the store is away: QuotaStore.available).
   */
  admit (key: string, limit: number): Promise<Verdict>
  /** Forgets leases whose windows have ended (a timer calls it every window). */
  sweep (): void
}

export interface LeaseOptions {
  store: QuotaStore
  windowMs: number
  /** Tokens a lease holds at most for a given limit (leaseSize below). */
  sizeOf: (limit: number) => number
  /** A background top-up that failed: nobody waits for it, the next call tries again. */
  onTopUpError: (err: Error) => void
  now?: () => number
}

/** Tokens granted together, spendable until their window ends. */
interface Lot { tokens: number, endsAt: number }

interface Lease {
  limit: number
  /** Earliest end first: the tokens of a window that has ended are dropped, never carried into the next. */
  lots: Lot[]
  /** Tokens granted in the window by every gateway, as of the last take, and when that window ends. */
  used: number
  windowEndsAt: number
  /** The one take under way for this key on this gateway: calls that find no token wait for it. */
  taking?: Promise<void>
}

/**
 * The lease size rule: `percent` of the limit, at most `max`, at least 1. With the defaults (2 %, 20) limits below
 * 100 a minute get 1: every call is checked in the store, as without leases.
 */
export function leaseSize (limit: number, { max, percent }: { max: number, percent: number }): number {
  return Math.max(1, Math.min(max, Math.floor(limit * percent / 100)))
}

export function createLeases ({ store, windowMs, sizeOf, onTopUpError, now = () => performance.now() }: LeaseOptions): Leases {
  const leases = new Map<string, Lease>()

  function held (lease: Lease, t: number): number {
    while (lease.lots.length > 0 && (lease.lots[0] as Lot).endsAt <= t) lease.lots.shift()
    return lease.lots.reduce((sum, lot) => sum + lot.tokens, 0)
  }

  function spend (lease: Lease, t: number): boolean {
    if (held(lease, t) === 0) return false
    const lot = lease.lots[0] as Lot
    if (--lot.tokens === 0) lease.lots.shift()
    return true
  }

  function take (key: string, lease: Lease, want: number): Promise<void> {
    const sentAt = now()
    const taking = store.take(key, want, lease.limit, windowMs).then((grant) => {
      const endsAt = sentAt + grant.ttlMs
      if (grant.granted > 0) {
        lease.lots.push({ tokens: grant.granted, endsAt })
        lease.lots.sort((a, b) => a.endsAt - b.endsAt)
      }
      lease.used = grant.used
      lease.windowEndsAt = endsAt
    }).finally(() => { lease.taking = undefined })
    lease.taking = taking
    return taking
  }

  const exhausted = (lease: Lease, t: number): boolean => lease.used >= lease.limit && lease.windowEndsAt > t

  function verdict (lease: Lease, allowed: boolean, t: number): Verdict {
    const remaining = allowed ? Math.max(0, lease.limit - lease.used) + held(lease, t) : 0
    return { allowed, limit: lease.limit, remaining: Math.min(remaining, lease.limit), resetMs: Math.max(0, lease.windowEndsAt - t) }
  }

  return {
    async admit (key, limit) {
      const size = sizeOf(limit)
      for (;;) {
        const t = now()
        let lease = leases.get(key)
        // a changed limit (the grant was edited) starts over; the old lease's tokens are left to expire
        if (lease === undefined || lease.limit !== limit) {
          lease = { limit, lots: [], used: 0, windowEndsAt: 0 }
          leases.set(key, lease)
        }
        if (spend(lease, t)) {
          // top up at half, to `size` (never more than one lease held); size 1 never takes ahead of a call
          const left = held(lease, t)
          if (size > 1 && lease.taking === undefined && left <= size / 2 && !exhausted(lease, t)) {
            take(key, lease, size - left).catch(onTopUpError)
          }
          return verdict(lease, true, t)
        }
        // the window's budget is all granted and none of it is here: refused without asking the store again
        if (exhausted(lease, t)) return verdict(lease, false, t)
        await (lease.taking ?? take(key, lease, size))
      }
    },
    sweep () {
      const t = now()
      for (const [key, lease] of leases) {
        if (lease.taking === undefined && held(lease, t) === 0 && lease.windowEndsAt <= t) leases.delete(key)
      }
    }
  }
}
