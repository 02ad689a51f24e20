import { HOME_PROVINCE } from '../shared/demo-units.js'
import { random, type Random } from '../shared/random.js'
import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'
import { isoTime, portalTime, startOfDay, vietnamTime, weekdayOf } from '../shared/vietnam-time.js'
import { COMMUNE_CENTRES, handlingUnitFor, PROVINCIAL_CENTRE, specialistUnit } from './agencies.js'
import { businessAt, type Business } from './businesses.js'
import { CATALOGUE, type CatalogueEntry } from './catalogue.js'
import type { Agency, Applicant, Dossier, Procedure, StatusChange } from './port.js'
import type { DossierStatus } from './statuses.js'

/**
 * Deterministic synthetic dossiers over the catalogue: dossier N is made from (seed, N) alone, received on a
 * working day of 2025–2026 and carried along a realistic one-stop path. The data does not depend on today's
 * date: the simulated present is the end of 2026, and a path is cut where it would pass that moment, so recent
 * dossiers are still open. Citizen applicants are the population simulator's citizens (same default seed), so
 * a person looked up there has dossiers here.
 */

export const DATASET_START = vietnamTime(2025, 1, 2)
/** The simulated present: no generated change is later. */
export const DATASET_END = vietnamTime(2027, 1, 1)

const DOSSIER_STREAM = 2_000_000
const BUSINESS_COUNT = 240
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

export interface SyntheticDossier {
  dossier: Dossier
  /** The office that examines the dossier between reception and result. */
  specialistUnit: string
}

export interface SyntheticProcedures {
  readonly seed: number
  readonly procedures: readonly Procedure[]
  readonly population: SyntheticPopulation
  readonly businesses: readonly Business[]
  /** Ordered by receivedAt, then dossierCode. */
  readonly dossiers: readonly SyntheticDossier[]
}

export interface SyntheticProceduresOptions {
  seed?: number
  dossierCount?: number
  /** The people who apply; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
}

// ---- office time: Monday–Friday 07:30–11:30 and 13:30–17:00 (public holidays are not modelled) ----

const MORNING_OPEN = 7 * 60 + 30
const MORNING_CLOSE = 11 * 60 + 30
const AFTERNOON_OPEN = 13 * 60 + 30
const AFTERNOON_CLOSE = 17 * 60

/** `ms` if the office is open then, else the next opening. */
function officeMoment (ms: number): number {
  let at = ms
  for (;;) {
    const day = startOfDay(at)
    const minute = Math.floor((at - day) / MINUTE)
    const weekday = weekdayOf(at)
    if (weekday === 0 || weekday === 6 || minute >= AFTERNOON_CLOSE) at = day + DAY + MORNING_OPEN * MINUTE
    else if (minute < MORNING_OPEN) at = day + MORNING_OPEN * MINUTE
    else if (minute >= MORNING_CLOSE && minute < AFTERNOON_OPEN) at = day + AFTERNOON_OPEN * MINUTE
    else return at
  }
}

function addWorkingDays (ms: number, days: number): number {
  let at = ms
  for (let left = days; left > 0;) {
    at += DAY
    const weekday = weekdayOf(at)
    if (weekday !== 0 && weekday !== 6) left--
  }
  return at
}

/** Promised date: the same day's closing time for on-the-spot procedures, else N working days later. */
function dueDate (receivedAt: number, days: number): number {
  return days === 0 ? startOfDay(receivedAt) + AFTERNOON_CLOSE * MINUTE : addWorkingDays(receivedAt, days)
}

function receptionTime (rng: Random): number {
  const days = Math.round((DATASET_END - DATASET_START) / DAY)
  let day = DATASET_START + rng.int(0, days - 1) * DAY
  const weekday = weekdayOf(day)
  if (weekday === 6) day += 2 * DAY
  if (weekday === 0) day += DAY
  if (day >= DATASET_END) day -= 7 * DAY
  const minute = rng.next() < 0.55 ? rng.int(MORNING_OPEN, MORNING_CLOSE - 1) : rng.int(AFTERNOON_OPEN, AFTERNOON_CLOSE - 1)
  return day + minute * MINUTE + rng.int(0, 59) * 1000
}

// ---- paths through the workflow ----

type Step = DossierStatus
const PATHS: ReadonlyArray<readonly [readonly Step[], number]> = [
  [['received', 'processing', 'resolved', 'returned'], 80],
  [['received', 'processing', 'additional-documents-requested', 'processing', 'resolved', 'returned'], 8],
  [['received', 'processing', 'additional-documents-requested', 'rejected'], 2],
  [['received', 'processing', 'additional-documents-requested', 'withdrawn'], 1],
  [['received', 'processing', 'rejected'], 4],
  [['received', 'rejected'], 2],
  [['received', 'withdrawn'], 1.5],
  [['received', 'processing', 'withdrawn'], 1.5]
]

const STALLED_SHARE = 0.04

const SUPPLEMENT_NOTES = [
  'Đề nghị bổ sung bản sao giấy tờ chứng minh quyền sử dụng đất',
  'Tờ khai chưa đủ chữ ký của người yêu cầu, đề nghị bổ sung',
  'Đề nghị bổ sung giấy tờ chứng minh nơi cư trú',
  'Bản vẽ chưa thể hiện đủ kích thước, đề nghị bổ sung'
]
const REFUSAL_NOTES = ['Hồ sơ không đủ điều kiện giải quyết theo quy định', 'Nội dung đề nghị không thuộc thẩm quyền giải quyết']

/** The moment of the next step, never before `after`, always inside office hours. */
function stepTime (rng: Random, from: Step, to: Step, after: number, dueAt: number, days: number): number {
  const minutes = (low: number, high: number): number => after + rng.int(low, high) * MINUTE
  const workingDays = (low: number, high: number): number => addWorkingDays(after, rng.int(low, high)) + rng.int(0, 120) * MINUTE
  let at: number
  if (to === 'processing' && from === 'received') at = days === 0 ? minutes(3, 30) : minutes(10, 480)
  else if (to === 'processing') at = workingDays(1, 10) // documents supplied
  else if (to === 'additional-documents-requested') at = workingDays(1, Math.max(1, Math.floor(days / 2)))
  else if (to === 'resolved') {
    if (days === 0) at = minutes(10, 120)
    else if (rng.next() < 0.9) at = after + Math.floor(rng.next() * Math.max(dueAt - after, 30 * MINUTE))
    else at = addWorkingDays(dueAt, rng.int(1, 5)) // late, as a share of dossiers is
  } else if (to === 'returned') at = days === 0 ? minutes(5, 60) : workingDays(0, 3)
  else if (to === 'rejected') at = from === 'received' ? minutes(60, 960) : workingDays(1, Math.max(1, days))
  else at = workingDays(0, 5) // withdrawn
  const earliest = Math.max(at, after + MINUTE)
  const open = officeMoment(earliest)
  // Work that waited for the office to open starts some time after opening, not all at 07:30:00.
  return open === earliest ? open : open + rng.int(0, 90) * MINUTE
}

function noteFor (rng: Random, from: Step | undefined, to: Step, unit: string, dueAt: number): string {
  switch (to) {
    case 'received': return `Tiếp nhận hồ sơ, hẹn trả kết quả ngày ${isoTime(dueAt).slice(0, 10).split('-').reverse().join('/')}`
    case 'processing': return from === 'received' ? `Chuyển hồ sơ đến ${unit}` : 'Người nộp đã bổ sung hồ sơ'
    case 'additional-documents-requested': return rng.pick(SUPPLEMENT_NOTES)
    case 'resolved': return 'Đã có kết quả giải quyết'
    case 'returned': return 'Đã trả kết quả cho người nộp hồ sơ'
    case 'rejected': return from === 'additional-documents-requested' ? 'Quá thời hạn bổ sung hồ sơ' : rng.pick(REFUSAL_NOTES)
    case 'withdrawn': return 'Rút hồ sơ theo đề nghị của người nộp'
  }
}

// ---- dossiers ----

interface Draft {
  index: number
  entry: CatalogueEntry
  applicant: Applicant
  receivingAgency: Agency
  specialistUnit: string
  receivedAt: number
  dueAt: number
  history: Array<{ status: DossierStatus, at: number, officialId: string, note: string }>
}

const BY_DEMAND = CATALOGUE.map((entry) => [entry, entry.demand] as const)

function draftDossier (seed: number, index: number, population: SyntheticPopulation, businesses: readonly Business[]): Draft {
  const rng = random(seed, DOSSIER_STREAM + index)
  const entry = rng.weighted(BY_DEMAND)
  const { procedure } = entry
  const kinds = procedure.applicantKinds
  const kind = kinds.length === 1 ? kinds[0] as Applicant['kind'] : rng.next() < 0.8 ? 'citizen' : 'business'

  // Skewed towards the first citizens, so the demo's people (citizens 0, 1, 2…) have several dossiers each.
  let communeIndex = rng.int(0, HOME_PROVINCE.communes.length - 1)
  let applicant: Applicant
  if (kind === 'citizen') {
    const citizen = population.citizenAt(Math.floor(population.size * rng.next() ** 1.5))
    applicant = { kind, id: citizen.personalId, name: citizen.fullName }
    const home = HOME_PROVINCE.communes.findIndex((c) => c.code === citizen.permanentAddress.communeCode)
    if (home >= 0 && rng.next() < 0.85) communeIndex = home // most people file where they live
  } else {
    const business = rng.pick(businesses)
    applicant = { kind, id: business.enterpriseCode, name: business.name }
  }
  const commune = HOME_PROVINCE.communes[communeIndex] as typeof HOME_PROVINCE.communes[number]
  const receivingAgency = procedure.level === 'commune' ? COMMUNE_CENTRES[communeIndex] as Agency : PROVINCIAL_CENTRE
  const unit = specialistUnit(procedure, entry.field, commune)

  const receivedAt = receptionTime(rng)
  const dueAt = dueDate(receivedAt, procedure.processingTimeDays)
  const desk = `canbo.${receivingAgency.code.slice(4, 6)}.${rng.int(1, 4)}`
  const specialist = `canbo.${receivingAgency.code.slice(4, 6)}.${rng.int(11, 19)}`
  const fullPath = rng.weighted(PATHS)
  // A backlog: some dossiers stall part-way (overdue, waiting on another agency) and are still open today.
  const path = rng.next() < STALLED_SHARE ? fullPath.slice(0, rng.int(1, fullPath.length - 1)) : fullPath
  const history: Draft['history'] = []
  let at = receivedAt
  let previous: Step | undefined
  for (const step of path) {
    if (previous !== undefined) at = stepTime(rng, previous, step, at, dueAt, procedure.processingTimeDays)
    if (at >= DATASET_END) break // not happened yet in the simulated present
    const officialId = step === 'received' || step === 'returned' || step === 'withdrawn' ? desk : specialist
    history.push({ status: step, at, officialId, note: noteFor(rng, previous, step, unit, dueAt) })
    previous = step
  }
  return { index, entry, applicant, receivingAgency, specialistUnit: unit, receivedAt, dueAt, history }
}

const FINAL: ReadonlySet<DossierStatus> = new Set(['returned', 'rejected', 'withdrawn'])

function dossierOf (draft: Draft, dossierCode: string): SyntheticDossier {
  const statusHistory: StatusChange[] = draft.history.map((step, i) => ({
    sequence: i + 1, status: step.status, at: isoTime(step.at), officialId: step.officialId, note: step.note
  }))
  const latest = statusHistory[statusHistory.length - 1] as StatusChange
  return {
    specialistUnit: draft.specialistUnit,
    dossier: {
      dossierCode,
      procedureCode: draft.entry.procedure.procedureCode,
      procedureName: draft.entry.procedure.name,
      applicant: draft.applicant,
      receivingAgency: draft.receivingAgency,
      handlingUnit: handlingUnitFor(latest.status, draft.receivingAgency, draft.specialistUnit),
      receivedAt: isoTime(draft.receivedAt),
      dueAt: isoTime(draft.dueAt),
      ...(FINAL.has(latest.status) ? { finishedAt: latest.at } : {}),
      status: latest.status,
      sequence: latest.sequence,
      statusHistory
    }
  }
}

export function syntheticProcedures (options: SyntheticProceduresOptions = {}): SyntheticProcedures {
  const { seed = 2025, dossierCount = 3000 } = options
  if (!Number.isInteger(dossierCount) || dossierCount < 0 || dossierCount > 100_000) throw new RangeError('dossierCount must be 0…100000')
  const population = options.population ?? syntheticPopulation()
  const businesses = Array.from({ length: BUSINESS_COUNT }, (_, i) => businessAt(seed, i))

  const drafts = Array.from({ length: dossierCount }, (_, i) => draftDossier(seed, i, population, businesses))
  drafts.sort((a, b) => a.receivedAt - b.receivedAt || a.index - b.index)
  // Codes number each agency's receptions of the day in the order they happened.
  const counters = new Map<string, number>()
  const dossiers = drafts.map((draft) => {
    const day = portalTime(draft.receivedAt).slice(2, 8)
    const key = `${draft.receivingAgency.code}-${day}`
    const sequence = (counters.get(key) ?? 0) + 1
    counters.set(key, sequence)
    return dossierOf(draft, `${key}-${String(sequence).padStart(4, '0')}`)
  })
  dossiers.sort((a, b) => compareDossiers(a.dossier, b.dossier))

  return { seed, procedures: CATALOGUE.map((entry) => entry.procedure), population, businesses, dossiers }
}

/** The system's list order: receivedAt (all +07:00, so text order is time order), then dossierCode. */
export function compareDossiers (a: Dossier, b: Dossier): number {
  return a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.dossierCode < b.dossierCode ? -1 : a.dossierCode > b.dossierCode ? 1 : 0
}
