import type { Test } from 'tap'
import {
  allowedNextStatuses, IllegalTransitionError, SequenceMismatchError,
  type CallContext, type Dossier, type DossierChange, type DossierStatus, type Page, type Procedure, type ProceduresPort
} from '../../adapters/procedures/port.js'

/**
 * What every implementation of ProceduresPort must do. `procedures` and `dossiers` are everything the
 * implementation holds when the fixture is made, exactly as the port must return them; the suite derives its
 * expectations from them. Each test gets a fresh fixture, so status changes do not leak between tests.
 */
export interface ProceduresFixture {
  port: ProceduresPort
  procedures: readonly Procedure[]
  dossiers: readonly Dossier[]
  /** A well-formed procedure code the implementation does not hold. */
  unknownProcedureCode: string
  /** A well-formed dossier code the implementation does not hold. */
  unknownDossierCode: string
}

const context = (name: string): CallContext => ({ requestId: `contract-${name}`, officialId: 'canbo.contract' })

/** An oracle written apart from the implementation's own folding: no marks, đ → d, lower case. */
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim()
const hasWords = (text: string, query: string): boolean => fold(query).split(' ').every((word) => fold(text).includes(word))
const searchable = (p: Procedure): string => `${p.procedureCode} ${p.name} ${p.fieldName}`

/** Follows nextCursor to the end, failing on a page larger than the limit or a cursor that does not advance. */
async function walk<T> (t: Test, limit: number, page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = []
  const seen = new Set<string>()
  let cursor: string | undefined
  for (;;) {
    const result = await page(cursor)
    if (result.items.length > limit) t.fail(`page of ${result.items.length} items, limit ${limit}`)
    items.push(...result.items)
    if (result.nextCursor === undefined) return items
    if (seen.has(result.nextCursor)) throw new Error(`cursor ${result.nextCursor} repeated`)
    seen.add(result.nextCursor)
    cursor = result.nextCursor
  }
}

function byReceivedThenCode (a: Dossier, b: Dossier): number {
  return Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || (a.dossierCode < b.dossierCode ? -1 : a.dossierCode > b.dossierCode ? 1 : 0)
}

function pick<T> (items: readonly T[], what: string, test: (item: T) => boolean): T {
  const found = items.find(test)
  if (found === undefined) throw new Error(`the fixture holds no ${what}`)
  return found
}

const codesOf = (dossiers: readonly Dossier[]): string[] => dossiers.map((d) => d.dossierCode)

export function proceduresContract (t: Test, makeFixture: (t: Test) => Promise<ProceduresFixture>): void {
  t.test('finds a procedure by code with its fees and required documents', async (t) => {
    const { port, procedures } = await makeFixture(t)
    const expected = pick(procedures, 'procedure with fees and documents', (p) => p.fees.some((fee) => fee.amountVnd > 0) && p.requiredDocuments.length > 1)
    const procedure = await port.getProcedure(expected.procedureCode, context('procedure'))
    t.same(procedure, expected)
    t.equal(procedure?.name.normalize('NFC'), expected.name.normalize('NFC'), 'Vietnamese text intact')
    t.match(procedure, { procedureCode: /^[0-9]\.[0-9]{6}$/, processingTimeDays: Number, level: /^(province|commune)$/ })
  })

  t.test('answers undefined for a procedure it does not hold', async (t) => {
    const { port, unknownProcedureCode } = await makeFixture(t)
    t.equal(await port.getProcedure(unknownProcedureCode, context('procedure-miss')), undefined)
  })

  t.test('searches procedures without regard to accents or case', async (t) => {
    const { port, procedures } = await makeFixture(t)
    const search = async (q: string): Promise<string[]> =>
      (await walk(t, 10, async (cursor) => await port.searchProcedures({ q, limit: 10, ...(cursor === undefined ? {} : { cursor }) }, context('search'))))
        .map((p) => p.procedureCode)

    const civilStatus = procedures.filter((p) => p.fieldName === 'Hộ tịch').map((p) => p.procedureCode)
    t.ok(civilStatus.length > 1, 'the fixture has civil-status procedures')
    const found = await search('ho tich')
    t.same(found, procedures.filter((p) => hasWords(searchable(p), 'ho tich')).map((p) => p.procedureCode), 'exactly the matching procedures, in code order')
    t.same(civilStatus.filter((code) => !found.includes(code)), [], '"ho tich" finds every procedure of the field Hộ tịch')

    const birth = pick(procedures, 'procedure "Đăng ký khai sinh"', (p) => p.name === 'Đăng ký khai sinh').procedureCode
    for (const q of ['dang ky khai sinh', 'ĐĂNG KÝ KHAI SINH', 'Đăng ký khai sinh'.normalize('NFD'), '  Dang   ky khai SINH ']) {
      t.ok((await search(q)).includes(birth), `"${q}" finds Đăng ký khai sinh`)
    }
    t.same(await search('khong co thu tuc nao nhu the nay'), [], 'no match, no items')
  })

  t.test('filters procedures by competent agency', async (t) => {
    const { port, procedures } = await makeFixture(t)
    const agency = pick(procedures, 'procedure of a department', (p) => p.agency.startsWith('Sở Tư pháp')).agency
    const query = fold(agency) // asked without accents: "so tu phap tinh phu tho"
    const found = await walk(t, 5, async (cursor) => await port.searchProcedures({ agency: query, limit: 5, ...(cursor === undefined ? {} : { cursor }) }, context('agency')))
    const expected = procedures.filter((p) => fold(p.agency).includes(query))
    t.ok(expected.length > 1)
    t.same(found.map((p) => p.procedureCode), expected.map((p) => p.procedureCode))
    const both = await port.searchProcedures({ agency: query, q: 'ly lich', limit: 50 }, context('agency-q'))
    t.same(both.items.map((p) => p.procedureCode), expected.filter((p) => hasWords(searchable(p), 'ly lich')).map((p) => p.procedureCode))
  })

  t.test('pages through the whole catalogue exactly once', async (t) => {
    const { port, procedures } = await makeFixture(t)
    const found = await walk(t, 7, async (cursor) => await port.searchProcedures({ limit: 7, ...(cursor === undefined ? {} : { cursor }) }, context('page')))
    const codes = found.map((p) => p.procedureCode)
    t.equal(new Set(codes).size, codes.length, 'no duplicates')
    t.same(codes, procedures.map((p) => p.procedureCode).sort(), 'every procedure, in code order')
  })

  t.test('gets a dossier with its whole history', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const expected = pick(dossiers, 'dossier with a long history', (d) => d.statusHistory.length >= 4)
    const dossier = await port.getDossier(expected.dossierCode, context('dossier'))
    t.same(dossier, expected)
    t.equal(dossier?.sequence, dossier?.statusHistory.at(-1)?.sequence, 'sequence is the latest change')
    t.match(dossier, { receivedAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+07:00|Z)$/, dueAt: /^\d{4}-\d{2}-\d{2}T/ })
  })

  t.test('answers undefined for a dossier it does not hold', async (t) => {
    const { port, unknownDossierCode } = await makeFixture(t)
    t.equal(await port.getDossier(unknownDossierCode, context('dossier-miss')), undefined)
  })

  t.test('lists one person\'s dossiers, only theirs, in received order', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const counts = new Map<string, number>()
    for (const d of dossiers) if (d.applicant.kind === 'citizen') counts.set(d.applicant.id, (counts.get(d.applicant.id) ?? 0) + 1)
    const [personalId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? []
    if (personalId === undefined) throw new Error('the fixture has no citizen applicant')
    const expected = dossiers.filter((d) => d.applicant.id === personalId).sort(byReceivedThenCode)
    t.ok(expected.length > 3, `${personalId} has several dossiers`)
    const found = await walk(t, 3, async (cursor) => await port.listDossiers({ personalId, limit: 3, ...(cursor === undefined ? {} : { cursor }) }, context('by-person')))
    t.same(codesOf(found), codesOf(expected))
    t.ok(found.every((d) => d.applicant.kind === 'citizen' && d.applicant.id === personalId))
  })

  t.test('filters dossiers by status and received window', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const sorted = [...dossiers].sort(byReceivedThenCode)
    const within = (d: Dossier, from: string, to: string): boolean => Date.parse(d.receivedAt) >= Date.parse(from) && Date.parse(d.receivedAt) <= Date.parse(to)
    const list = async (query: { status?: DossierStatus, from?: string, to?: string }, limit: number): Promise<Dossier[]> =>
      await walk(t, limit, async (cursor) => await port.listDossiers({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) }, context('filter')))

    // Dates are whole days in Vietnam time, both inclusive.
    const march = sorted.filter((d) => d.status === 'returned' && within(d, '2025-03-01T00:00:00+07:00', '2025-03-31T23:59:59+07:00'))
    t.ok(march.length > 10, 'the fixture has returned dossiers received in March 2025')
    t.same(codesOf(await list({ status: 'returned', from: '2025-03-01', to: '2025-03-31' }, 25)), codesOf(march))

    // Date-times may carry any offset.
    const from = '2025-06-02T01:00:00Z' // 08:00 in Vietnam
    const to = '2025-06-06T17:00:00+07:00'
    const week = sorted.filter((d) => within(d, from, to))
    t.ok(week.length > 5)
    t.same(codesOf(await list({ from, to }, 100)), codesOf(week))

    const open = sorted.filter((d) => d.status === 'processing')
    t.ok(open.length > 0)
    t.same(codesOf(await list({ status: 'processing' }, 100)), codesOf(open))
  })

  t.test('a legal status change appends to the history and increments the sequence', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const before = pick(dossiers, 'dossier being processed', (d) => d.status === 'processing')
    const changed = await port.changeDossierStatus(before.dossierCode, {
      status: 'additional-documents-requested', note: 'Đề nghị bổ sung bản sao sổ hộ khẩu', expectedSequence: before.sequence
    }, context('change'))
    t.ok(changed)
    if (changed === undefined) return
    t.equal(changed.status, 'additional-documents-requested')
    t.equal(changed.sequence, before.sequence + 1)
    t.same(changed.statusHistory.slice(0, -1), before.statusHistory, 'earlier history untouched')
    t.match(changed.statusHistory.at(-1), {
      sequence: before.sequence + 1, status: 'additional-documents-requested', officialId: 'canbo.contract', note: 'Đề nghị bổ sung bản sao sổ hộ khẩu'
    })
    t.ok(Date.parse(changed.statusHistory.at(-1)?.at ?? '') >= Date.parse(before.statusHistory.at(-1)?.at ?? ''), 'not before the previous change')
    t.same(await port.getDossier(before.dossierCode, context('change-read')), changed, 'the change is stored')

    const resumed = await port.changeDossierStatus(before.dossierCode, { status: 'processing', officialId: 'canbo.other' }, context('change-2'))
    t.equal(resumed?.sequence, before.sequence + 2)
    t.equal(resumed?.statusHistory.at(-1)?.officialId, 'canbo.other', 'the named official wins over the context\'s')
  })

  t.test('an illegal transition fails with a typed error listing the allowed statuses', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const received = pick(dossiers, 'dossier just received', (d) => d.status === 'received')
    const error = await port.changeDossierStatus(received.dossierCode, { status: 'resolved' }, context('illegal')).then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof IllegalTransitionError, 'IllegalTransitionError')
    t.match(error, { from: 'received', to: 'resolved', dossierCode: received.dossierCode })
    t.same([...(error as IllegalTransitionError).allowed].sort(), [...allowedNextStatuses('received')].sort())
    t.same(await port.getDossier(received.dossierCode, context('illegal-read')), received, 'nothing changed')

    const done = pick(dossiers, 'dossier returned', (d) => d.status === 'returned')
    const final = await port.changeDossierStatus(done.dossierCode, { status: 'processing' }, context('illegal-final')).then(() => undefined, (err: unknown) => err)
    t.ok(final instanceof IllegalTransitionError)
    t.match(final, { from: 'returned', to: 'processing' })
    t.same((final as IllegalTransitionError).allowed, [], 'a final status allows nothing')
  })

  t.test('a stale expectedSequence fails with a typed error', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const dossier = pick(dossiers, 'dossier being processed', (d) => d.status === 'processing')
    const error = await port.changeDossierStatus(dossier.dossierCode, { status: 'resolved', expectedSequence: dossier.sequence - 1 }, context('stale'))
      .then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof SequenceMismatchError, 'SequenceMismatchError')
    t.match(error, { expected: dossier.sequence - 1, actual: dossier.sequence })
    t.same(await port.getDossier(dossier.dossierCode, context('stale-read')), dossier, 'nothing changed')
  })

  t.test('a status change of a dossier it does not hold answers undefined', async (t) => {
    const { port, unknownDossierCode } = await makeFixture(t)
    t.equal(await port.changeDossierStatus(unknownDossierCode, { status: 'processing' }, context('change-miss')), undefined)
  })

  t.test('the change feed pages in strictly increasing order and carries new changes', async (t) => {
    const { port, dossiers } = await makeFixture(t)
    const all: DossierChange[] = []
    let since: string | undefined
    for (;;) {
      const page = await port.dossierChanges({ limit: 1000, ...(since === undefined ? {} : { since }) }, context('feed'))
      all.push(...page.changes)
      since = page.nextCursor
      if (!page.hasMore) break
    }
    t.ok(all.length > 0)
    t.ok(all.every((change, i) => i === 0 || change.sequence > (all[i - 1] as DossierChange).sequence), 'strictly increasing sequences')
    const quiet = await port.dossierChanges({ since, limit: 10 }, context('feed-quiet'))
    t.same(quiet.changes, [], 'nothing after the end')
    t.equal(quiet.nextCursor, since, 'the cursor stays put when nothing happened')

    const dossier = pick(dossiers, 'dossier resolved', (d) => d.status === 'resolved')
    await port.changeDossierStatus(dossier.dossierCode, { status: 'returned', note: 'Trả kết quả qua bưu chính' }, context('feed-change'))
    const next = await port.dossierChanges({ since, limit: 10 }, context('feed-next'))
    t.equal(next.changes.length, 1)
    t.match(next.changes[0], {
      dossierCode: dossier.dossierCode,
      dossierSequence: dossier.sequence + 1,
      procedureCode: dossier.procedureCode,
      status: 'returned',
      note: 'Trả kết quả qua bưu chính',
      officialId: 'canbo.contract',
      receivedAt: dossier.receivedAt,
      dueAt: dossier.dueAt,
      handlingUnit: String
    })
    t.ok((next.changes[0]?.sequence ?? 0) > (all.at(-1)?.sequence ?? Infinity), 'after everything before it')
    t.not(next.nextCursor, since)
  })

  t.test('reports healthy while reachable', async (t) => {
    const { port } = await makeFixture(t)
    await t.resolves(port.checkHealth())
  })
}
