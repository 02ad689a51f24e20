import { isoTime, parseIsoTime } from '../shared/vietnam-time.js'
import { handlingUnitFor } from './agencies.js'
import type { Dossier, DossierChange, Procedure, StatusChange } from './port.js'
import { containsAllWords, foldVietnamese } from '../shared/search-text.js'
import { allowedNextStatuses, canTransition, isFinalStatus, type DossierStatus } from './statuses.js'
import { compareDossiers, type SyntheticProcedures } from './synthetic.js'

/**
 * The simulated one-stop system's register: what the upstream knows and the rules it enforces (workflow,
 * optimistic sequence check, global change log), apart from the HTTP protocol that exposes it. Records are
 * replaced, never mutated, so a snapshot taken by a test stays as it was.
 */

export interface ProcedureFilter {
  /** Folded words that must all occur in code, name or field. */
  words: readonly string[]
  agencyWords: readonly string[]
  /** Keyset: list codes after this one. */
  afterCode?: string
  limit: number
}

export interface DossierFilter {
  applicantKind?: 'citizen' | 'business'
  applicantId?: string
  status?: DossierStatus
  /** The receiving agency's electronic code. */
  receivingAgencyCode?: string
  /** Inclusive bounds on receivedAt, `yyyyMMddHHmmss`. */
  from?: string
  to?: string
  /** Keyset: list dossiers after this (receivedAt as `yyyyMMddHHmmss`, code). */
  after?: { received: string, dossierCode: string }
  limit: number
}

export interface Slice<T> {
  items: T[]
  /** More items match after the last one. */
  more: boolean
}

export type ChangeOutcome =
  | { kind: 'changed', dossier: Dossier }
  | { kind: 'not-found' }
  | { kind: 'illegal', from: DossierStatus, allowed: readonly DossierStatus[] }
  | { kind: 'stale', actual: number }

export interface StatusChangeCommand {
  status: DossierStatus
  officialId?: string
  note?: string
  expectedSequence?: number
}

interface Entry {
  dossier: Dossier
  specialistUnit: string
  /** receivedAt as `yyyyMMddHHmmss`, the key the system sorts and filters on. */
  received: string
}

/** `2025-03-04T08:15:00+07:00` → `20250304081500`: the register keeps Vietnam wall-clock times. */
const receivedKey = (iso: string): string => iso.slice(0, 19).replace(/[^0-9]/g, '')

function take<T> (matches: Iterable<T>, limit: number): Slice<T> {
  const items: T[] = []
  for (const item of matches) {
    if (items.length === limit) return { items, more: true }
    items.push(item)
  }
  return { items, more: false }
}

export class DossierRegister {
  readonly procedures: readonly Procedure[]
  private readonly procedureIndex: Map<string, { procedure: Procedure, text: string, agency: string }>
  /** In list order; an entry's position never changes since receivedAt never does. */
  private readonly entries: Entry[]
  private readonly byCode = new Map<string, Entry>()
  /** Global change log: the change with feed sequence N is at N − 1. */
  private readonly log: Array<{ dossierCode: string, dossierSequence: number }> = []

  constructor (data: SyntheticProcedures) {
    this.procedures = [...data.procedures].sort((a, b) => a.procedureCode.localeCompare(b.procedureCode))
    this.procedureIndex = new Map(this.procedures.map((procedure) => [procedure.procedureCode, {
      procedure,
      text: foldVietnamese(`${procedure.procedureCode} ${procedure.name} ${procedure.fieldName}`),
      agency: foldVietnamese(procedure.agency)
    }]))
    this.entries = data.dossiers.map(({ dossier, specialistUnit }) => ({ dossier, specialistUnit, received: receivedKey(dossier.receivedAt) }))
    this.entries.sort((a, b) => compareDossiers(a.dossier, b.dossier))
    for (const entry of this.entries) this.byCode.set(entry.dossier.dossierCode, entry)
    // The past as a change log: every recorded step in the order it happened.
    const steps = this.entries.flatMap(({ dossier }) => dossier.statusHistory.map((change) => ({ dossierCode: dossier.dossierCode, change })))
    steps.sort((a, b) => a.change.at < b.change.at ? -1 : a.change.at > b.change.at ? 1 : a.dossierCode < b.dossierCode ? -1 : a.dossierCode > b.dossierCode ? 1 : a.change.sequence - b.change.sequence)
    for (const { dossierCode, change } of steps) this.log.push({ dossierCode, dossierSequence: change.sequence })
  }

  procedure (code: string): Procedure | undefined {
    return this.procedureIndex.get(code)?.procedure
  }

  searchProcedures (filter: ProcedureFilter): Slice<Procedure> {
    const { words, agencyWords, afterCode } = filter
    const index = this.procedureIndex
    function * matches (): Generator<Procedure> {
      for (const { procedure, text, agency } of index.values()) {
        if (afterCode !== undefined && procedure.procedureCode <= afterCode) continue
        if (containsAllWords(text, words) && containsAllWords(agency, agencyWords)) yield procedure
      }
    }
    return take(matches(), filter.limit)
  }

  dossier (code: string): Dossier | undefined {
    return this.byCode.get(code)?.dossier
  }

  /** Every dossier as it is now, in list order. */
  dossiers (): Dossier[] {
    return this.entries.map((entry) => entry.dossier)
  }

  listDossiers (filter: DossierFilter): Slice<Dossier> {
    const entries = this.entries
    function * matches (): Generator<Dossier> {
      for (const { dossier, received } of entries) {
        const { after } = filter
        if (after !== undefined && (received < after.received || (received === after.received && dossier.dossierCode <= after.dossierCode))) continue
        if (filter.from !== undefined && received < filter.from) continue
        if (filter.to !== undefined && received > filter.to) continue
        if (filter.applicantId !== undefined && dossier.applicant.id !== filter.applicantId) continue
        if (filter.applicantKind !== undefined && dossier.applicant.kind !== filter.applicantKind) continue
        if (filter.status !== undefined && dossier.status !== filter.status) continue
        if (filter.receivingAgencyCode !== undefined && dossier.receivingAgency.code !== filter.receivingAgencyCode) continue
        yield dossier
      }
    }
    return take(matches(), filter.limit)
  }

  /** `now` is the system clock; a change is never recorded before the dossier's previous one. */
  changeStatus (dossierCode: string, command: StatusChangeCommand, now: number): ChangeOutcome {
    const entry = this.byCode.get(dossierCode)
    if (entry === undefined) return { kind: 'not-found' }
    const { dossier } = entry
    if (command.expectedSequence !== undefined && command.expectedSequence !== dossier.sequence) return { kind: 'stale', actual: dossier.sequence }
    if (!canTransition(dossier.status, command.status)) return { kind: 'illegal', from: dossier.status, allowed: allowedNextStatuses(dossier.status) }

    const previousAt = parseIsoTime(dossier.statusHistory[dossier.statusHistory.length - 1]?.at ?? dossier.receivedAt) ?? now
    const at = isoTime(Math.max(Math.floor(now / 1000) * 1000, previousAt + 1000))
    const change: StatusChange = {
      sequence: dossier.sequence + 1,
      status: command.status,
      at,
      ...(command.officialId === undefined ? {} : { officialId: command.officialId }),
      ...(command.note === undefined ? {} : { note: command.note })
    }
    const { finishedAt: _previousFinish, ...rest } = dossier
    entry.dossier = {
      ...rest,
      handlingUnit: handlingUnitFor(command.status, dossier.receivingAgency, entry.specialistUnit),
      ...(isFinalStatus(command.status) ? { finishedAt: at } : {}),
      status: command.status,
      sequence: change.sequence,
      statusHistory: [...dossier.statusHistory, change]
    }
    this.log.push({ dossierCode, dossierSequence: change.sequence })
    return { kind: 'changed', dossier: entry.dossier }
  }

  /** The sequence of the latest change (0 when the log is empty). */
  get lastChange (): number {
    return this.log.length
  }

  /** Changes with a feed sequence greater than `after`. */
  changes (after: number, limit: number): Slice<DossierChange> {
    const items = this.log.slice(after, after + limit).map(({ dossierCode, dossierSequence }, i): DossierChange => {
      const entry = this.byCode.get(dossierCode) as Entry
      const { dossier } = entry
      const change = dossier.statusHistory[dossierSequence - 1] as StatusChange
      return {
        sequence: after + i + 1,
        dossierCode,
        dossierSequence,
        procedureCode: dossier.procedureCode,
        status: change.status,
        at: change.at,
        ...(change.officialId === undefined ? {} : { officialId: change.officialId }),
        ...(change.note === undefined ? {} : { note: change.note }),
        handlingUnit: handlingUnitFor(change.status, dossier.receivingAgency, entry.specialistUnit),
        receivedAt: dossier.receivedAt,
        dueAt: dossier.dueAt
      }
    })
    return { items, more: after + items.length < this.log.length }
  }
}
