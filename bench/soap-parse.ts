import { isDeepStrictEqual } from 'node:util'
import { parseEnvelope, parseEnvelopeGeneral, type ParsedEnvelope } from '../adapters/population/soap.js'
import { lookupOutcome, soapCorpus } from '../test/support/soap-corpus.js'

/**
 * µs per SOAP envelope parse, the population client's (parseEnvelope, which the bare proxy uses too through the
 * client) beside fast-xml-parser alone (parseEnvelopeGeneral), on the same corpus in one run: the simulator's answers
 * to lookups of its first 500 citizens (the hot path), then the whole corpus (faults, variants, malformed answers).
 * Prints a Markdown table. Indicative only: one process, no isolation.
 *
 *   npm run build --silent && node dist/bench/soap-parse.js
 */

function microsPerParse (parse: (xml: string) => ParsedEnvelope, documents: readonly string[], rounds: number): number {
  const once = (): void => {
    for (const xml of documents) {
      try { parse(xml) } catch { /* a malformed document costs its refusal */ }
    }
  }
  once() // warm-up
  once()
  const start = process.hrtime.bigint()
  for (let round = 0; round < rounds; round++) once()
  return Number(process.hrtime.bigint() - start) / 1000 / (rounds * documents.length)
}

const corpus = await soapCorpus(500)
const everything = [...corpus.lookups, ...corpus.others.map((entry) => entry.xml)]
const differing = everything.filter((xml) => !isDeepStrictEqual(lookupOutcome(parseEnvelope, xml), lookupOutcome(parseEnvelopeGeneral, xml)))
if (differing.length > 0) throw new Error(`${differing.length} documents read differently; run test/adapters/population-soap-parse.test.ts`)

const rows = [
  { name: `lookup answers of the simulator (${corpus.lookups.length})`, documents: corpus.lookups, rounds: 10 },
  { name: `whole corpus (${everything.length}: lookups, faults, variants, malformed)`, documents: everything, rounds: 5 }
].map(({ name, documents, rounds }) => {
  const general = microsPerParse(parseEnvelopeGeneral, documents, rounds)
  const client = microsPerParse(parseEnvelope, documents, rounds)
  return `| ${name} | ${general.toFixed(1)} | ${client.toFixed(1)} | ${(general / client).toFixed(1)}× |`
})
const bytes = corpus.lookups.reduce((sum, xml) => sum + Buffer.byteLength(xml), 0) / corpus.lookups.length

console.log(`# SOAP envelope parse, µs per parse (indicative)

Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, one run of \`node dist/bench/soap-parse.js\` on a shared,
busy machine. A lookup answer is ${Math.round(bytes)} bytes on average. Every document is read the same by both (checked
before timing).

| corpus | fast-xml-parser alone (parseEnvelopeGeneral) | parseEnvelope (client, bare proxy) | ratio |
|---|---:|---:|---:|
${rows.join('\n')}`)
