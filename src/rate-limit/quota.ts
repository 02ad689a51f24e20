/**
 * Where the window budgets live: Redis for every gateway at once (redis-quota.ts), or this process's memory when
 * there is no Redis (demo mode, memory-quota.ts). One call takes tokens atomically; nothing is ever given back.
 */

export interface QuotaGrant {
  /** Tokens granted by this call: up to what was asked, never past the limit. */
  granted: number
  /** Tokens granted in this window so far, this call's included, by every gateway. */
  used: number
  /** Milliseconds until the window ends (at least 1). */
  ttlMs: number
}

export interface QuotaStore {
  /** Takes up to `want` tokens of the window `key` is in (one starts, `windowMs` long, when none is running). */
  take (key: string, want: number, limit: number, windowMs: number): Promise<QuotaGrant>
  /** False while the budgets cannot be reached: a local check, no command sent. */
  available (): boolean
}
