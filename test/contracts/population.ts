import type { Test } from 'tap'
import type {
  ChangeItem, ChangePage, PopulationPort, VerificationBatchStatus, VerificationRecord, VerificationResult
} from '../../adapters/population/port.js'
import { identityMismatches } from '../../domain/identity.js'
import { isPersonalId, type Gender } from '../../domain/personal-id.js'

/**
 * What every implementation of PopulationPort must do. `known` is a citizen the implementation holds;
 * `unknownId` is a well-formed personal id it does not hold; `changes` describes its change feed.
 */
export interface PopulationFixture {
  port: PopulationPort
  known: { personalId: string, fullName: string, dateOfBirth: string }
  unknownId: string
  changes: {
    /** Changes the feed holds when the fixture is made: a few dozen, some of them malformed at the source. */
    total: number
    /** Whether the source's record of change `seq` is malformed (so the port must answer it as invalid). */
    isInvalid (seq: number): boolean
    /** Makes the source record `count` more changes. */
    append (count: number): Promise<void>
  }
  batches: {
    /** At least six citizens the implementation holds, to build verification batches of. */
    citizens: ReadonlyArray<{ personalId: string, fullName: string, dateOfBirth: string, gender: Gender }>
    /** Most records one batch may hold. */
    maxRecords: number
  }
}

const context = (name: string): { requestId: string } => ({ requestId: `contract-${name}` })

/** Reads the feed from `since` to its end, checking each page's own promises; answers the items and last page. */
async function readToEnd (t: Test, port: PopulationPort, limit: number, since?: string): Promise<{ items: ChangeItem[], last: ChangePage, pages: number }> {
  const items: ChangeItem[] = []
  const seen = new Set<string>()
  let cursor = since
  for (let pages = 1; ; pages++) {
    const page = await port.readChanges(cursor, limit, context('changes'))
    if (page.items.length > limit) t.fail(`page of ${page.items.length} changes, limit ${limit}`)
    if (page.nextCursor !== undefined && page.items.length === 0) t.fail('an empty page with a next cursor')
    if (page.nextCursor !== undefined && page.checkpoint !== page.nextCursor) t.fail('checkpoint differs from nextCursor')
    items.push(...page.items)
    if (page.nextCursor === undefined) return { items, last: page, pages }
    if (seen.has(page.nextCursor)) throw new Error(`cursor ${page.nextCursor} repeated`)
    seen.add(page.nextCursor)
    cursor = page.nextCursor
  }
}

const seqs = (items: readonly ChangeItem[]): number[] => items.map((item) => item.seq)

function strictlyIncreasing (values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > (values[i - 1] as number))
}

/** Polls until the batch is no longer processing; processed never goes back meanwhile. */
async function settled (t: Test, port: PopulationPort, batchId: string, timeoutMs = 20_000): Promise<VerificationBatchStatus> {
  const until = Date.now() + timeoutMs
  let processed = 0
  for (;;) {
    const status = await port.verificationBatchStatus(batchId, context('batch-status'))
    if (status.processed < processed) t.fail(`processed went back from ${processed} to ${status.processed}`)
    processed = status.processed
    if (status.state !== 'processing') return status
    if (Date.now() > until) throw new Error(`batch ${batchId} still processing after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Every result of a batch, page by page, checking each page's promises. */
async function allResults (t: Test, port: PopulationPort, batchId: string, limit: number): Promise<{ items: VerificationResult[], pages: number }> {
  const items: VerificationResult[] = []
  let cursor: string | undefined
  for (let pages = 1; ; pages++) {
    const page = await port.verificationBatchResults(batchId, cursor, limit, context('batch-results'))
    if (page.items.length > limit) t.fail(`page of ${page.items.length} results, limit ${limit}`)
    items.push(...page.items)
    if (page.nextCursor === undefined) return { items, pages }
    if (page.nextCursor === cursor) throw new Error('a completed batch answered the same cursor again')
    cursor = page.nextCursor
  }
}

/** The day after (or before, at a month's end): another birth date of the same year. */
function otherDay (date: string): string {
  const day = Number(date.slice(8))
  return `${date.slice(0, 8)}${String(day >= 28 ? day - 1 : day + 1).padStart(2, '0')}`
}

export function populationContract (t: Test, makeFixture: (t: Test) => Promise<PopulationFixture>): void {
  t.test('finds a citizen by personal id with every promised field', async (t) => {
    const { port, known } = await makeFixture(t)
    const citizen = await port.findCitizenByPersonalId(known.personalId, { requestId: 'contract-find-0001' })
    t.ok(citizen)
    t.equal(citizen?.personalId, known.personalId)
    t.equal(citizen?.fullName, known.fullName)
    t.equal(citizen?.dateOfBirth, known.dateOfBirth)
    t.match(citizen, {
      gender: /^(male|female)$/,
      nationality: /^[A-Z]{2}$/,
      ethnicity: String,
      religion: String,
      placeOfOrigin: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/, provinceName: String, communeName: String },
      permanentAddress: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/ },
      currentAddress: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/ }
    })
  })

  t.test('keeps Vietnamese diacritics intact', async (t) => {
    const { port, known } = await makeFixture(t)
    const citizen = await port.findCitizenByPersonalId(known.personalId, { requestId: 'contract-text-0001' })
    t.equal(citizen?.fullName.normalize('NFC'), known.fullName.normalize('NFC'))
  })

  t.test('answers undefined for an id it does not hold', async (t) => {
    const { port, unknownId } = await makeFixture(t)
    t.equal(await port.findCitizenByPersonalId(unknownId, { requestId: 'contract-miss-0001' }), undefined)
  })

  t.test('reads the change feed from the start in pages of any size, without gaps or duplicates', async (t) => {
    const { port, changes } = await makeFixture(t)
    const whole = await port.readChanges(undefined, 5000, context('changes-whole'))
    t.equal(whole.items.length, changes.total, 'one large page holds the whole feed')
    t.equal(whole.nextCursor, undefined, 'and says it is the end')
    if (whole.total !== undefined) t.equal(whole.total, changes.total, 'total counts the whole feed')
    t.ok(strictlyIncreasing(seqs(whole.items)), 'in strictly increasing seq')

    for (const limit of [1, 7, changes.total - 1]) {
      const { items, pages } = await readToEnd(t, port, limit)
      t.equal(pages, Math.ceil(changes.total / limit), `${pages} pages of ${limit}`)
      t.same(items, whole.items, `pages of ${limit} hold the same changes, in the same order`)
    }
  })

  t.test('a cursor resumes exactly after the last change of its page, as often as it is used', async (t) => {
    const { port } = await makeFixture(t)
    const whole = await port.readChanges(undefined, 5000, context('changes-whole'))
    const first = await port.readChanges(undefined, 10, context('changes-first'))
    t.same(first.items, whole.items.slice(0, 10))
    t.type(first.nextCursor, 'string')
    const second = await port.readChanges(first.nextCursor, 10, context('changes-second'))
    t.same(second.items, whole.items.slice(10, 20), 'the next ten, none skipped or repeated')
    t.same(await port.readChanges(first.nextCursor, 10, context('changes-again')), second, 'reading a cursor again answers the same')
  })

  t.test('answers each change with the citizen, and a malformed record as invalid with a reason', async (t) => {
    const { port, changes } = await makeFixture(t)
    const { items } = await readToEnd(t, port, 25)
    const invalid = items.filter((item) => 'invalid' in item)
    t.ok(invalid.length > 0 && invalid.length < items.length, 'the fixture has both kinds')
    t.same(seqs(invalid), seqs(items).filter((seq) => changes.isInvalid(seq)), 'exactly the malformed records are invalid')
    for (const item of items) {
      if ('invalid' in item) {
        if (typeof item.invalid.reason !== 'string' || item.invalid.reason.length < 10) t.fail(`change ${item.seq}: no reason given`)
        if (typeof item.invalid.raw !== 'object' || item.invalid.raw === null) t.fail(`change ${item.seq}: raw record missing`)
        continue
      }
      if (!['created', 'updated'].includes(item.kind)) t.fail(`change ${item.seq}: kind ${item.kind}`)
      if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00$/.test(item.changedAt)) t.fail(`change ${item.seq}: changedAt ${item.changedAt}`)
      if (!isPersonalId(item.citizen.personalId) || item.citizen.fullName.trim() === '' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(item.citizen.dateOfBirth)) {
        t.fail(`change ${item.seq}: citizen not as promised: ${JSON.stringify(item.citizen)}`)
      }
    }
    t.match(items.find((item) => !('invalid' in item)), {
      citizen: { gender: /^(male|female)$/, permanentAddress: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/ } }
    })
  })

  t.test('at the end there is no nextCursor, and the checkpoint later reads only what was added', async (t) => {
    const { port, changes } = await makeFixture(t)
    const { items, last } = await readToEnd(t, port, 10)
    const quiet = await port.readChanges(last.checkpoint, 10, context('changes-quiet'))
    t.same(quiet.items, [], 'nothing new yet')
    t.equal(quiet.nextCursor, undefined)
    t.equal(quiet.checkpoint, last.checkpoint, 'a quiet read keeps the checkpoint where it was')

    await changes.append(12)
    const { items: added } = await readToEnd(t, port, 5, quiet.checkpoint)
    t.equal(added.length, 12, 'exactly the new changes')
    t.ok(strictlyIncreasing([...seqs(items), ...seqs(added)]), 'after everything read before')
    const whole = await readToEnd(t, port, 5000)
    t.same(whole.items, [...items, ...added], 'the feed read again from the start is the old changes then the new')
  })

  t.test('refuses a cursor it did not issue and a limit out of range', async (t) => {
    const { port } = await makeFixture(t)
    for (const cursor of ['not a cursor', 'eyJzIjotMX0', '']) {
      await t.rejects(port.readChanges(cursor, 10, context('changes-bad-cursor')), { code: 'INVALID_INPUT' }, `cursor "${cursor}"`)
    }
    for (const limit of [0, 5001, 2.5]) {
      await t.rejects(port.readChanges(undefined, limit, context('changes-bad-limit')), { code: 'INVALID_INPUT' }, `limit ${limit}`)
    }
  })

  t.test('verifies a batch of records asynchronously, as the lookup and the comparison would', async (t) => {
    const { port, unknownId, batches } = await makeFixture(t)
    const [a, b, c, d, e, f] = batches.citizens
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined || f === undefined) throw new Error('the fixture holds fewer than six citizens')
    const unknownToo = unknownId.slice(0, 6) + String((Number(unknownId.slice(6)) + 1) % 1_000_000).padStart(6, '0')
    const flipped: Gender = c.gender === 'male' ? 'female' : 'male'
    // By construction: what each record should come back as.
    const cases: Array<{ record: VerificationRecord, expected: Omit<VerificationResult, 'reference'> }> = [
      { record: { reference: 'khop-1', ...a }, expected: { found: true, match: true, mismatches: [] } },
      { record: { reference: 'khop-2', personalId: b.personalId, fullName: `  ${b.fullName.toLocaleLowerCase('vi').replace(' ', '   ')} `, dateOfBirth: b.dateOfBirth }, expected: { found: true, match: true, mismatches: [] } },
      { record: { reference: 'sai-gioi-tinh', ...c, gender: flipped }, expected: { found: true, match: false, mismatches: ['gender'] } },
      { record: { reference: 'sai-ten', ...d, fullName: `${d.fullName} Thị` }, expected: { found: true, match: false, mismatches: ['fullName'] } },
      { record: { reference: 'sai-ngay-sinh', ...e, dateOfBirth: otherDay(e.dateOfBirth) }, expected: { found: true, match: false, mismatches: ['dateOfBirth'] } },
      { record: { reference: 'sai-ten-va-ngay-sinh', personalId: f.personalId, fullName: 'Nguyễn Văn Khác', dateOfBirth: otherDay(f.dateOfBirth) }, expected: { found: true, match: false, mismatches: ['fullName', 'dateOfBirth'] } },
      { record: { reference: 'khong-co-1', personalId: unknownId, fullName: 'Trần Thị Không', dateOfBirth: a.dateOfBirth }, expected: { found: false, match: false, mismatches: [] } },
      { record: { reference: 'khong-co-2', personalId: unknownToo, fullName: 'Lê Văn Vắng', dateOfBirth: a.dateOfBirth }, expected: { found: false, match: false, mismatches: [] } }
    ]
    const records = cases.map(({ record }) => record)

    const batch = await port.submitVerificationBatch(records, context('batch-submit'))
    t.equal(batch.total, records.length)
    t.same(await port.submitVerificationBatch(records, context('batch-submit')), batch, 'the same submission sent again is the same batch')
    const status = await settled(t, port, batch.batchId)
    t.same(status, { batchId: batch.batchId, state: 'completed', total: records.length, processed: records.length })

    const { items, pages } = await allResults(t, port, batch.batchId, 3)
    t.equal(pages, 3, 'pages of three')
    t.same(items, cases.map(({ record, expected }) => ({ reference: record.reference, ...expected })), 'each record as constructed, in submission order')

    // The truth, independently: the single lookup and the gateway's comparison.
    for (const [i, record] of records.entries()) {
      const citizen = await port.findCitizenByPersonalId(record.personalId, context('batch-truth'))
      const mismatches = citizen === undefined ? [] : identityMismatches(citizen, record)
      t.same(items[i], { reference: record.reference, found: citizen !== undefined, match: citizen !== undefined && mismatches.length === 0, mismatches }, `${record.reference} agrees with the lookup`)
    }
    t.same((await allResults(t, port, batch.batchId, 1000)).items, items, 'one large page holds the same results')
  })

  t.test('refuses what a batch cannot be, and batches and cursors it did not issue', async (t) => {
    const { port, batches } = await makeFixture(t)
    const [citizen] = batches.citizens
    if (citizen === undefined) throw new Error('the fixture holds no citizen')
    const tooMany = Array.from({ length: batches.maxRecords + 1 }, (_, i) => ({ reference: `ban-ghi-${i}`, ...citizen }))
    await t.rejects(port.submitVerificationBatch(tooMany, context('batch-too-large')), { code: 'INVALID_INPUT' }, `${tooMany.length} records`)
    await t.rejects(port.submitVerificationBatch([], context('batch-empty')), { code: 'INVALID_INPUT' }, 'no record')

    const malformed = [{ reference: 'a', ...citizen }, { reference: 'b', ...citizen, personalId: '12345' }, { reference: 'a', ...citizen }]
    const refusal = await port.submitVerificationBatch(malformed, context('batch-malformed')).then(() => undefined, (err: Error) => err)
    t.match(refusal, { code: 'INVALID_INPUT', errors: [{ pointer: '/records/1/personalId' }, { pointer: '/records/2/reference' }] })
    t.notOk(refusal?.message.includes(citizen.fullName) === true || refusal?.message.includes('12345') === true, 'names no value')

    for (const batchId of ['LO9999999999', 'not a batch']) {
      await t.rejects(port.verificationBatchStatus(batchId, context('batch-unknown')), { code: 'NO_SUCH_RECORD' }, `status of ${batchId}`)
      await t.rejects(port.verificationBatchResults(batchId, undefined, 10, context('batch-unknown')), { code: 'NO_SUCH_RECORD' }, `results of ${batchId}`)
    }
    const batch = await port.submitVerificationBatch([{ reference: 'mot', ...citizen }], context('batch-one'))
    const other = await port.submitVerificationBatch([{ reference: 'hai', ...citizen }, { reference: 'ba', ...citizen }], context('batch-two'))
    t.not(other.batchId, batch.batchId, 'another submission, another batch')
    await settled(t, port, other.batchId)
    const first = await port.verificationBatchResults(other.batchId, undefined, 1, context('batch-cursor'))
    t.type(first.nextCursor, 'string')
    await t.rejects(port.verificationBatchResults(batch.batchId, first.nextCursor, 1, context('batch-cursor')), { code: 'INVALID_INPUT' }, 'another batch\'s cursor')
    await t.rejects(port.verificationBatchResults(other.batchId, 'not a cursor', 1, context('batch-cursor')), { code: 'INVALID_INPUT' })
    for (const limit of [0, 1001, 1.5]) {
      await t.rejects(port.verificationBatchResults(other.batchId, undefined, limit, context('batch-limit')), { code: 'INVALID_INPUT' }, `limit ${limit}`)
    }
  })

  t.test('reports healthy while reachable', async (t) => {
    const { port } = await makeFixture(t)
    await t.resolves(port.checkHealth())
  })
}
