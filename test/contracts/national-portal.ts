import type { Test } from 'tap'
import {
  UnmappedValueError,
  type DossierStatusPush, type NationalPortalPort, type PortalMappings, type PushContext
} from '../../adapters/national-portal/port.js'

/**
 * What every implementation of NationalPortalPort must do. `portal` observes the portal behind the port (the
 * simulator's state, or a test portal's own query API); each test gets a fresh fixture, so what one test
 * records does not leak into another.
 */
export interface NationalPortalFixture {
  port: NationalPortalPort
  /** The tables the suite pushes with; they must map `procedureCode` and every status the suite uses. */
  mappings: PortalMappings
  /** A local procedure code the procedure table maps. */
  procedureCode: string
  portal: {
    /** HTTP calls the portal has received so far, logins included. */
    calls: () => number
    /** Successful logins so far. */
    logins: () => number
    /** The status sequences the portal holds for a dossier: ascending, each once; [] when it holds none. */
    recordedSequences: (dossierCode: string) => number[]
    /** The national status code the portal shows for the dossier now. */
    currentStatus: (dossierCode: string) => string | undefined
    /** Ends every session the portal has issued. */
    expireSessions: () => void
  }
}

const context = (fixture: NationalPortalFixture, name: string): PushContext => ({ requestId: `contract-${name}`, mappings: fixture.mappings })

/** The n-th dossier of a test: codes differ per test so a shared portal could not mix them up. */
export function dossierCode (test: number, n: number): string {
  return `000.00.20.H23-2503${String(test).padStart(2, '0')}-${String(n).padStart(4, '0')}`
}

const STEPS = ['received', 'processing', 'resolved', 'returned'] as const

/** Change `sequence` of a dossier that went received → processing → resolved → returned, a day apart. */
export function samplePush (code: string, procedureCode: string, sequence: number, overrides: Partial<DossierStatusPush> = {}): DossierStatusPush {
  const status = STEPS[sequence - 1] ?? 'processing'
  const day = String(sequence).padStart(2, '0')
  return {
    dossierCode: code,
    procedureCode,
    applicant: { kind: 'citizen', id: '001099012345', name: 'Nguyễn Thị Hằng' },
    receivedAt: '2025-03-01T08:15:00+07:00',
    dueAt: '2025-03-10T17:00:00+07:00',
    ...(status === 'returned' ? { finishedAt: `2025-03-${day}T10:00:00+07:00` } : {}),
    status,
    sequence,
    official: { name: 'Trần Văn Đức', title: 'Chuyên viên', department: 'Văn phòng HĐND và UBND' },
    note: `Bước ${sequence}: ${status}`,
    changedAt: `2025-03-${day}T10:00:00+07:00`,
    ...overrides
  }
}

export function nationalPortalContract (t: Test, makeFixture: (t: Test) => Promise<NationalPortalFixture>): void {
  t.test('logs in on the first push, then pushes with the same session', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    t.equal(portal.calls(), 0, 'creating the port calls nothing')
    const code = dossierCode(1, 1)
    const first = await port.pushDossierStatus(samplePush(code, procedureCode, 1), context(fixture, 'first'))
    t.same(first, {
      dossierCode: code,
      sequence: 1,
      outcome: 'recorded',
      nationalStatus: fixture.mappings.status.entries.received,
      nationalProcedureCode: fixture.mappings.procedure.entries[procedureCode],
      mappingVersions: { status: fixture.mappings.status.version, procedure: fixture.mappings.procedure.version }
    })
    t.equal(portal.logins(), 1)
    const second = await port.pushDossierStatus(samplePush(code, procedureCode, 2), context(fixture, 'second'))
    t.equal(second.outcome, 'recorded')
    t.equal(portal.logins(), 1, 'the session is reused')
    t.same(portal.recordedSequences(code), [1, 2])
    t.equal(portal.currentStatus(code), fixture.mappings.status.entries.processing)
  })

  t.test('a repeated change is reported as already recorded and stored once', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const code = dossierCode(2, 1)
    for (const sequence of [1, 2, 3]) await port.pushDossierStatus(samplePush(code, procedureCode, sequence), context(fixture, 'history'))
    const again = await port.pushDossierStatus(samplePush(code, procedureCode, 2), context(fixture, 'again'))
    t.equal(again.outcome, 'already-recorded')
    t.same(portal.recordedSequences(code), [1, 2, 3], 'no second entry')
    t.equal(portal.currentStatus(code), fixture.mappings.status.entries.resolved, 'an old change repeated does not turn the dossier back')
    const twice = await port.pushDossierStatuses([samplePush(code, procedureCode, 4), samplePush(code, procedureCode, 4)], context(fixture, 'twice'))
    t.same(twice.map((r) => r.outcome), ['recorded', 'already-recorded'], 'within one batch too')
    t.same(portal.recordedSequences(code), [1, 2, 3, 4])
  })

  t.test('logs in again, once, when the portal has ended the session', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const code = dossierCode(3, 1)
    await port.pushDossierStatus(samplePush(code, procedureCode, 1), context(fixture, 'before'))
    portal.expireSessions()
    const after = await port.pushDossierStatus(samplePush(code, procedureCode, 2), context(fixture, 'after'))
    t.equal(after.outcome, 'recorded')
    t.equal(portal.logins(), 2, 'one new login')
    t.same(portal.recordedSequences(code), [1, 2])
  })

  t.test('pushes a batch of several dossiers, results in the order given', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const batch = [1, 2, 3].flatMap((n) => [1, 2].map((sequence) => samplePush(dossierCode(4, n), procedureCode, sequence)))
    const before = portal.calls()
    const results = await port.pushDossierStatuses(batch, context(fixture, 'batch'))
    t.same(results.map((r) => [r.dossierCode, r.sequence, r.outcome]), batch.map((p) => [p.dossierCode, p.sequence, 'recorded']))
    t.ok(portal.calls() - before <= 4, `a login and three data calls at most, not one per change (${portal.calls() - before})`)
    for (const n of [1, 2, 3]) t.same(portal.recordedSequences(dossierCode(4, n)), [1, 2])
    t.same(await port.pushDossierStatuses([], context(fixture, 'empty')), [], 'an empty batch')
  })

  t.test('accepts a dossier first seen in the middle of its history', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const code = dossierCode(5, 1)
    t.equal((await port.pushDossierStatus(samplePush(code, procedureCode, 3), context(fixture, 'late'))).outcome, 'recorded')
    t.same(portal.recordedSequences(code), [3])
    t.equal(portal.currentStatus(code), fixture.mappings.status.entries.resolved)
  })

  t.test('an unmapped status or procedure is UnmappedValueError, before any call', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const code = dossierCode(6, 1)
    const before = portal.calls()
    const status = samplePush(code, procedureCode, 2, { status: 'on-hold' })
    const error = await port.pushDossierStatus(status, context(fixture, 'status')).then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof UnmappedValueError, 'a class of its own, for the sync to dead-letter on')
    t.match(error, { table: 'status', value: 'on-hold', dossierCode: code, sequence: 2, tableVersion: fixture.mappings.status.version })
    await t.rejects(port.pushDossierStatus(samplePush(code, '9.999999', 1), context(fixture, 'procedure')), { name: 'UnmappedValueError', table: 'procedure', value: '9.999999' })
    await t.rejects(port.pushDossierStatus(samplePush(code, procedureCode, 1, { status: 'toString' }), context(fixture, 'proto')), { name: 'UnmappedValueError', value: 'toString' }, 'not found on Object.prototype')
    await t.rejects(port.pushDossierStatuses([samplePush(code, procedureCode, 1), status], context(fixture, 'batch')), UnmappedValueError, 'one unmapped change stops the batch')
    t.equal(portal.calls(), before, 'nothing was sent')
    t.same(portal.recordedSequences(code), [])
  })

  t.test('a malformed change is a validation error, before any call', async (t) => {
    const fixture = await makeFixture(t)
    const { port, portal, procedureCode } = fixture
    const code = dossierCode(7, 1)
    const before = portal.calls()
    await t.rejects(port.pushDossierStatus(samplePush(code, procedureCode, 1, { changedAt: '2025-03-01 10:00' }), context(fixture, 'date')),
      { code: 'INVALID_INPUT', errors: [{ pointer: '/changedAt' }] })
    await t.rejects(port.pushDossierStatus(samplePush(code, procedureCode, 1, { sequence: 0 }), context(fixture, 'sequence')), { code: 'INVALID_INPUT', errors: [{ pointer: '/sequence' }] })
    await t.rejects(port.pushDossierStatuses([samplePush(code, procedureCode, 1), samplePush('H23-1', procedureCode, 1)], context(fixture, 'code')),
      { code: 'INVALID_INPUT', errors: [{ pointer: '/1/dossierCode' }] })
    t.equal(portal.calls(), before)
  })

  t.test('reports healthy while the portal accepts its credentials', async (t) => {
    const { port, portal } = await makeFixture(t)
    await t.resolves(port.checkHealth())
    t.equal(portal.logins(), 1)
  })
}
