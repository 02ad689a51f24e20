import { performance } from 'node:perf_hooks'
import type { QuotaStore } from './quota.js'

/** Past this many windows, ended ones are dropped, then the oldest: a forgotten window only lets more through. */
const MAX_WINDOWS = 10_000

/** This process's budgets, for a gateway without Redis (demo mode): limits per process, not shared. */
export function memoryQuota (now: () => number = () => performance.now()): QuotaStore {
  const windows = new Map<string, { used: number, endsAt: number }>()

  function prune (t: number): void {
    for (const [key, window] of windows) if (window.endsAt <= t) windows.delete(key)
    for (const key of windows.keys()) {
      if (windows.size < MAX_WINDOWS) break
      windows.delete(key)
    }
  }

  return {
    async take (key, want, limit, windowMs) {
      const t = now()
      let window = windows.get(key)
      if (window === undefined || window.endsAt <= t) {
        if (windows.size >= MAX_WINDOWS) prune(t)
        window = { used: 0, endsAt: t + windowMs }
        windows.set(key, window)
      }
      const granted = Math.max(0, Math.min(want, limit - window.used))
      window.used += granted
      return { granted, used: window.used, ttlMs: Math.max(1, Math.ceil(window.endsAt - t)) }
    },
    available: () => true
  }
}
