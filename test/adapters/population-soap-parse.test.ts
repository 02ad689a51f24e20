import t from 'tap'
import { citizenFromXml } from '../../adapters/population/mapping.js'
import { parseEnvelope, parseEnvelopeGeneral, readLookupAnswer } from '../../adapters/population/soap.js'
import { lookupOutcome, soapCorpus } from '../support/soap-corpus.js'

// The fast reading of lookup answers against fast-xml-parser alone, on the simulator's answers and every variant.
const corpus = await soapCorpus(500)

t.test('the simulator\'s answers for its first 500 citizens: read by the fast path, the same envelope and citizen', async (t) => {
  let differing = 0
  for (const xml of corpus.lookups) {
    const general = parseEnvelopeGeneral(xml)
    const fast = readLookupAnswer(xml)
    if (fast === undefined) t.fail('fast path deferred a plain simulator answer')
    // strictSame per document would print 500 passes; count, then report once
    if (JSON.stringify(fast) !== JSON.stringify(general) || JSON.stringify(lookupOutcome(parseEnvelope, xml)) !== JSON.stringify(lookupOutcome(parseEnvelopeGeneral, xml))) differing++
  }
  t.equal(differing, 0, 'documents read differently')
  t.match(lookupOutcome(parseEnvelope, corpus.lookups[0] as string), { citizen: { personalId: /^[0-9]{12}$/ } })
})

t.test('other answers and hand-written variants: the fast path reads what it should, and every outcome is the general parser\'s', async (t) => {
  for (const entry of corpus.others) {
    const general = lookupOutcome(parseEnvelopeGeneral, entry.xml)
    t.strictSame(lookupOutcome(parseEnvelope, entry.xml), general, `${entry.name}: same outcome`)
    const fast = readLookupAnswer(entry.xml)
    if (entry.fast) {
      t.ok(fast, `${entry.name}: read by the fast path`)
      t.strictSame(fast, parseEnvelopeGeneral(entry.xml), `${entry.name}: same envelope`)
    } else {
      t.equal(fast, undefined, `${entry.name}: left to the general parser`)
    }
  }
})

t.test('variants carry the same citizen as the answer they were made from', async (t) => {
  const base = corpus.others.find((entry) => entry.name === 'prefix s:')
  const expected = lookupOutcome(parseEnvelopeGeneral, base?.xml ?? '')
  t.match(expected, { citizen: { fullName: /[^ -~]/ } }, 'a name with Vietnamese letters')
  for (const name of ['prefix soapenv: with a Header', 'default namespaces, no prefix', 'payload prefixed dc:', 'indented, LF', 'indented, CR LF',
    'decimal character references', 'hexadecimal character references', 'BOM', 'BOM, no declaration', 'no declaration',
    'declaration: single quotes, UTF-8, standalone', 'attributes on elements', 'closing tags with blanks', 'declaration: ISO-8859-1', 'comment']) {
    const entry = corpus.others.find((candidate) => candidate.name === name)
    t.strictSame(lookupOutcome(parseEnvelope, entry?.xml ?? ''), expected, name)
  }
})

t.test('text as XML reads it: references, CDATA, blanks, line ends', async (t) => {
  const read = (name: string): unknown => {
    const outcome = lookupOutcome(parseEnvelope, corpus.others.find((entry) => entry.name === name)?.xml ?? '') as { citizen?: ReturnType<typeof citizenFromXml> }
    return outcome.citizen
  }
  t.match(read('references for markup and at the edges'), { permanentAddress: { detail: ' Số 5 & 7 <ngõ> "A" \'B\'\n' } })
  t.match(read('CDATA'), { fullName: 'Nguyễn <Văn> & An' })
  t.match(read('CDATA between text and blanks'), { fullName: 'Trần Thị &amp; Bình' })
  t.notOk((read('CDATA empty') as { fatherFullName?: string }).fatherFullName)
  t.match(read('text with CR LF inside'), { permanentAddress: { detail: 'Tổ 3,\nấp Đông\nxã A' } })
  const selfClosing = read('self-closing empty elements') as { motherFullName?: string, permanentAddress: { provinceCode: string, detail?: string } }
  t.notOk(selfClosing.motherFullName)
  t.match(selfClosing.permanentAddress, { provinceCode: /^[0-9]{2}$/, detail: undefined })
})
