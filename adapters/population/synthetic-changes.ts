import { random } from '../shared/random.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import { portalTime, vietnamTime } from '../shared/vietnam-time.js'
import type { FeedChangeKind } from './feed.js'
import { citizenToXml } from './mapping.js'
import type { XmlObject } from './soap.js'

/**
 * The simulator's change feed, computed on demand from (seed, SoThuTu): change n (1-based) concerns citizen
 * (n − 1) mod P of a population of P, at revision ⌊(n − 1) / P⌋. The first P changes register everyone (THEM),
 * later ones are updates (SUA: a move of residence). Nothing is held, so a feed of any length costs no memory.
 *
 * With `invalidEvery: k`, every k-th change (SoThuTu divisible by k) is malformed the way a real export can be,
 * in turn: an 11-digit SoDinhDanh, an impossible NgayThangNamSinh (month 13, day 41), no HoVaTen.
 */

export interface FeedRecord {
  SoThuTu: number
  LoaiThayDoi: FeedChangeKind
  /** yyyyMMddHHmmss, Vietnam time. */
  ThoiDiem: string
  CongDan: XmlObject
}

export type ChangeDefect = 'personal-id' | 'date-of-birth' | 'full-name'
const DEFECTS: readonly ChangeDefect[] = ['personal-id', 'date-of-birth', 'full-name']

// One change every 30 s or so from the day the 2-level administrative units took effect.
const FEED_START = vietnamTime(2025, 7, 1, 8, 0, 0)
const SLOT_MS = 30_000
const TIME_SEED_MIX = 0xfeed

export function checkInvalidEvery (invalidEvery: number | undefined): void {
  if (invalidEvery !== undefined && (!Number.isSafeInteger(invalidEvery) || invalidEvery < 1)) {
    throw new RangeError('changeFeed.invalidEvery must be a positive integer')
  }
}

/** Which defect change `seq` carries, or undefined when it is well-formed. */
export function changeDefect (seq: number, invalidEvery?: number): ChangeDefect | undefined {
  if (invalidEvery === undefined || seq % invalidEvery !== 0) return undefined
  return DEFECTS[(seq / invalidEvery - 1) % DEFECTS.length]
}

/** Whether change `seq` of a feed made with `invalidEvery` is malformed. */
export function isInvalidChange (seq: number, invalidEvery?: number): boolean {
  return changeDefect(seq, invalidEvery) !== undefined
}

function damaged (record: XmlObject, defect: ChangeDefect): XmlObject {
  switch (defect) {
    case 'personal-id': return { ...record, SoDinhDanh: String(record.SoDinhDanh).slice(0, 11) }
    case 'date-of-birth': return { ...record, NgayThangNamSinh: `${String(record.NgayThangNamSinh).slice(0, 4)}1341` }
    case 'full-name': {
      const { HoVaTen: _dropped, ...rest } = record
      return rest
    }
  }
}

/** Change `seq` (1-based) of the feed over `population`. */
export function changeAt (population: SyntheticPopulation, seq: number, invalidEvery?: number): FeedRecord {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`no change #${seq}`)
  const index = (seq - 1) % population.size
  const revision = Math.floor((seq - 1) / population.size)
  const at = FEED_START + (seq - 1) * SLOT_MS + random(population.seed ^ TIME_SEED_MIX, seq).int(0, 29) * 1000
  const record = citizenToXml(population.citizenAt(index, revision))
  const defect = changeDefect(seq, invalidEvery)
  return {
    SoThuTu: seq,
    LoaiThayDoi: revision === 0 ? 'THEM' : 'SUA',
    ThoiDiem: portalTime(at),
    CongDan: defect === undefined ? record : damaged(record, defect)
  }
}

/**
 * The revision of citizen `index` after the first `feedSize` changes, or undefined when the feed has not yet
 * registered that citizen: what the database holds for them once it has recorded those changes.
 */
export function revisionAfter (populationSize: number, feedSize: number, index: number): number | undefined {
  if (index >= feedSize) return undefined
  return Math.floor((feedSize - 1 - index) / populationSize)
}
