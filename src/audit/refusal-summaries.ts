import { randomUUID } from 'node:crypto'
import type { AuditEntry } from './record.js'

/**
 * Refusals of callers no token identified (401s, the anonymous 429) cost nothing to send and would otherwise
 * cost one durable audit row each: a flood of them would fill the audit. Per window (a minute) and per caller
 * address, route, status and reason, the first is recorded on its own, as always; the rest are counted and
 * written as one `refusal-summary` record when the window ends, and when the gateway closes. Every gateway keeps
 * its own counts and writes its own summaries into the one chain.
 */

export interface UnidentifiedRefusal {
  address: string
  method: string
  route: string
  service: string | null
  upstream: string | null
  status: number
  reason: string
  requestId: string
}

export interface RefusalSummaries {
  /** 'record' for the first such refusal of its kind in the window (write it as usual), 'counted' for the rest. */
  note (refusal: UnidentifiedRefusal): 'record' | 'counted'
  /** Writes a summary of every refusal counted so far; counts whose write fails are kept for the next flush. */
  flush (): Promise<void>
  /** The counts not yet written (after a failed flush): what is logged when the gateway closes without its store. */
  pending (): Array<{ address: string, method: string, route: string, status: number, reason: string, count: number }>
}

export interface RefusalSummaryOptions {
  /** Appends summaries to the chain (the audit writer). */
  write: (entries: AuditEntry[]) => Promise<void>
  /** Past this many kinds in one window, new addresses are counted under the address `*`, so memory stays bounded. */
  maxKinds?: number
}

interface Tally {
  refusal: UnidentifiedRefusal
  windowStart: number
  /** Counted, not recorded on their own (the first of the window is not among them). */
  count: number
}

const SEP = '\u0000'

export function createRefusalSummaries (options: RefusalSummaryOptions): RefusalSummaries {
  const maxKinds = options.maxKinds ?? 10_000
  let tallies = new Map<string, Tally>()

  const keyOf = (r: UnidentifiedRefusal): string => [r.address, r.method, r.route, r.status, r.reason].join(SEP)

  function entryOf ({ refusal, windowStart, count }: Tally, now: string): AuditEntry {
    return {
      recordedAt: now,
      auditId: randomUUID(),
      // the first request counted, for whoever wants to find it in the logs
      requestId: refusal.requestId,
      clientId: null,
      officialId: null,
      service: refusal.service,
      method: refusal.method,
      route: refusal.route,
      purpose: null,
      purposeReference: null,
      subjects: [],
      status: refusal.status,
      upstream: refusal.upstream,
      latencyMs: 0,
      summary: { count, address: refusal.address, reason: refusal.reason, windowStart: new Date(windowStart).toISOString() }
    }
  }

  return {
    note (refusal) {
      let key = keyOf(refusal)
      let tally = tallies.get(key)
      if (tally === undefined && tallies.size >= maxKinds) {
        refusal = { ...refusal, address: '*' }
        key = keyOf(refusal)
        tally = tallies.get(key)
      }
      if (tally === undefined) {
        tallies.set(key, { refusal, windowStart: Date.now(), count: 0 })
        return 'record'
      }
      if (tally.count === 0) tally.refusal = refusal // the summary names its first counted request
      tally.count++
      return 'counted'
    },
    async flush () {
      const ended = tallies
      tallies = new Map()
      const counted = [...ended.entries()].filter(([, tally]) => tally.count > 0)
      if (counted.length === 0) return
      const now = new Date().toISOString()
      try {
        await options.write(counted.map(([, tally]) => entryOf(tally, now)))
      } catch (err) {
        // keep the counts: the next flush writes them (added to whatever the new window counted)
        for (const [key, tally] of counted) {
          const current = tallies.get(key)
          if (current === undefined) tallies.set(key, tally)
          else Object.assign(current, { windowStart: tally.windowStart, count: current.count + tally.count, refusal: tally.refusal })
        }
        throw err
      }
    },
    pending () {
      return [...tallies.values()].filter((tally) => tally.count > 0).map(({ refusal, count }) =>
        ({ address: refusal.address, method: refusal.method, route: refusal.route, status: refusal.status, reason: refusal.reason, count }))
    }
  }
}
