/** Deterministic pseudo-random numbers, so every simulator serves the same data for the same seed. */

export interface Random {
  /** Float in [0, 1). */
  next (): number
  int (minInclusive: number, maxInclusive: number): number
  pick<T> (items: readonly T[]): T
  /** Picks by weight; weights need not sum to 1. */
  weighted<T> (items: ReadonlyArray<readonly [T, number]>): T
}

/** mulberry32, seeded from (seed, stream) so record N can be made without making records 0…N-1. */
export function random (seed: number, stream = 0): Random {
  let state = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
    weighted<T> (items: ReadonlyArray<readonly [T, number]>): T {
      const total = items.reduce((sum, [, weight]) => sum + weight, 0)
      let roll = next() * total
      for (const [item, weight] of items) {
        roll -= weight
        if (roll < 0) return item
      }
      return (items[items.length - 1] as readonly [T, number])[0]
    }
  }
}
