import Fastify, { type FastifyReply } from 'fastify'
import { applyTransportFaults, listenOnLoopback } from '../shared/simulator-server.js'
import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'
import { CHANGES_SUFFIX } from './feed.js'
import { citizenToXml } from './mapping.js'
import { verifySignature } from './signature.js'
import { serveChangeFeed, type ChangeFeedFaults, type ChangeFeedOptions } from './simulator-changes.js'
import { countResults, serveVerificationBatches, type BatchFaults, type BatchOptions, type VerificationCounts } from './simulator-batches.js'
import type { VerificationRecord, VerificationResult } from './port.js'
import { buildEnvelope, buildFault, OPERATION, parseEnvelope, SOAP_CONTENT_TYPE, type SoapFault } from './soap.js'
import { populationWsdl } from './wsdl.js'

export { isInvalidChange, changeDefect, type ChangeDefect } from './synthetic-changes.js'
export type { VerificationCounts } from './simulator-batches.js'

/**
 * A real SOAP 1.1 server speaking the population database's protocol over seeded synthetic citizens, with its
 * JSON change feed at `/ws/dancu/changes` (protocol in feed.ts) and its batch verification (batch.ts). Tests and
 * the demo start it on an ephemeral loopback port; `faults` lets tests make it slow or failing. The SOAP lookup
 * answers each citizen as the changes recorded so far leave them.
 */

export const ENDPOINT_PATH = '/ws/dancu'
export const CHANGES_PATH = ENDPOINT_PATH + CHANGES_SUFFIX
const HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/

/** `delayMs`, `reset` and `status` act on SOAP and feed calls alike; the rest on the feed or the batches only. */
export type SimulatorFaults = ChangeFeedFaults & BatchFaults

export interface PopulationSimulatorOptions {
  credentials: { username: string, secret: string }
  seed?: number
  size?: number
  /** The change feed's initial length (default: the population size, one THEM per citizen) and defect rate. */
  changeFeed?: ChangeFeedOptions
  /** Batch verification: largest batch, processing rate, retention, clock (simulator-batches.ts for defaults). */
  batches?: BatchOptions
  host?: string
  port?: number
}

export interface PopulationSimulator {
  /** The SOAP endpoint URL. */
  readonly url: string
  readonly population: SyntheticPopulation
  /** SOAP calls received, including refused ones. */
  readonly hits: number
  /** The change feed's URL. */
  readonly changesUrl: string
  /** The change feed now: its length and defect rate. */
  readonly changeFeed: { readonly size: number, readonly invalidEvery?: number }
  /** Change feed calls received, including refused ones. */
  readonly changeHits: number
  /** Records `count` more changes (SUA updates once every citizen is registered); answers the new length. */
  appendChanges (count: number): number
  /** What the batch verification says of these records, and its counts: the truth a reconciliation should reach. */
  expectedVerification (records: readonly VerificationRecord[]): { results: VerificationResult[], counts: VerificationCounts }
  /** Verification batches held now. */
  readonly batchesHeld: number
  faults: SimulatorFaults
  close (): Promise<void>
}

export async function startPopulationSimulator (options: PopulationSimulatorOptions): Promise<PopulationSimulator> {
  const population = syntheticPopulation({ seed: options.seed, size: options.size })
  // A full batch must reach the handler, to be refused as SOAP when it is over the limit.
  const maxBatchRecords = options.batches?.maxRecords ?? 1000
  const app = Fastify({ logger: false, bodyLimit: 65536 + 2048 * maxBatchRecords })
  let hits = 0
  const closing = new AbortController() // releases delayed answers so close() never waits on them
  const state: { faults: SimulatorFaults } = { faults: {} }
  let origin = '' // known once listening, before any request

  const fault = (reply: FastifyReply, status: number, body: SoapFault): FastifyReply =>
    reply.code(status).type(SOAP_CONTENT_TYPE).send(buildFault(body))

  app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body))

  const feed = serveChangeFeed(app, {
    path: CHANGES_PATH,
    population,
    credentials: options.credentials,
    options: options.changeFeed ?? {},
    faults: () => state.faults,
    closing: closing.signal
  })
  const batches = serveVerificationBatches(population, (index) => feed.revisionOf(index), { ...options.batches, maxRecords: maxBatchRecords })

  app.get(ENDPOINT_PATH, async (request, reply) => {
    if (!('wsdl' in (request.query as object))) return fault(reply, 405, { faultcode: 'Client', faultstring: 'Dùng POST với SOAP 1.1' })
    // The address as the caller reached it (behind compose or a proxy that is not 127.0.0.1), if it is a host at all
    const host = request.headers.host
    const address = host !== undefined && HOST.test(host) ? `http://${host}${ENDPOINT_PATH}` : `${origin}${ENDPOINT_PATH}`
    return reply.type('text/xml; charset=utf-8').send(populationWsdl(address))
  })

  app.post(ENDPOINT_PATH, async (request, reply) => {
    hits++
    const { status } = state.faults
    if (await applyTransportFaults(request, reply, state.faults, closing.signal)) return reply
    if (status !== undefined) return fault(reply, status, { faultcode: 'Server', faultstring: 'Hệ thống đang bận, vui lòng thử lại sau' })

    const url = `http://${request.headers.host ?? ''}${request.url}`
    const timestamp = request.headers.timestamp
    if (!verifySignature(request.headers.authorization, url, typeof timestamp === 'string' ? timestamp : undefined, options.credentials)) {
      return fault(reply, 500, { faultcode: 'Client', faultstring: 'Xác thực không thành công', detail: 'Chữ ký hoặc Timestamp không hợp lệ' })
    }

    let envelope
    try {
      envelope = parseEnvelope(String(request.body))
    } catch {
      return fault(reply, 500, { faultcode: 'Client', faultstring: 'Yêu cầu không đúng định dạng SOAP' })
    }
    if (envelope.kind === 'body' && batches.handles(envelope.element)) {
      const answer = batches.answer(envelope.element, envelope.content, state.faults)
      if ('fault' in answer) return fault(reply, answer.status, answer.fault)
      return reply.type(SOAP_CONTENT_TYPE).send(buildEnvelope(`${envelope.element}Response`, { [`${envelope.element}Result`]: answer.result }))
    }
    if (envelope.kind !== 'body' || envelope.element !== OPERATION) {
      return fault(reply, 500, { faultcode: 'Client', faultstring: 'Không hỗ trợ thao tác này' })
    }
    const input = envelope.content
    for (const required of ['MaYeuCau', 'MaTichHop', 'MaDonVi', 'SoDinhDanh'] as const) {
      if (typeof input[required] !== 'string' || input[required] === '') {
        return fault(reply, 500, { faultcode: 'Client', faultstring: `Thiếu trường bắt buộc ${required}` })
      }
    }
    const personalId = input.SoDinhDanh as string
    if (!/^[0-9]{12}$/.test(personalId)) return fault(reply, 500, { faultcode: 'Client', faultstring: 'Số định danh không hợp lệ' })

    const index = population.indexOf(personalId)
    const citizen = index === undefined ? undefined : population.citizenAt(index, feed.revisionOf(index))
    const requestId = input.MaYeuCau as string
    let result
    if (citizen === undefined) {
      result = { MaYeuCau: requestId, MaKetQua: '1', MoTaKetQua: 'Không tìm thấy thông tin công dân' }
    } else {
      // When the caller supplies name or birth date, the database answers only if they match the record.
      const record = citizenToXml(citizen)
      const name = input.HoVaTen
      const born = input.NgayThangNamSinh
      const nameMatches = typeof name !== 'string' || name === '' || name.normalize('NFC') === record.HoVaTen
      const bornMatches = typeof born !== 'string' || born === '' || born === record.NgayThangNamSinh ||
        (born.length === 4 && String(record.NgayThangNamSinh).startsWith(born))
      result = nameMatches && bornMatches
        ? { MaYeuCau: requestId, MaKetQua: '0', MoTaKetQua: 'Thành công', CongDan: record }
        : { MaYeuCau: requestId, MaKetQua: '2', MoTaKetQua: 'Thông tin không khớp với cơ sở dữ liệu' }
    }
    return reply.type(SOAP_CONTENT_TYPE).send(buildEnvelope(`${OPERATION}Response`, { [`${OPERATION}Result`]: result }))
  })

  origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${ENDPOINT_PATH}`,
    population,
    get hits () { return hits },
    changesUrl: `${origin}${CHANGES_PATH}`,
    get changeFeed () { return { size: feed.size, ...(feed.invalidEvery === undefined ? {} : { invalidEvery: feed.invalidEvery }) } },
    get changeHits () { return feed.hits },
    appendChanges: (count: number) => feed.append(count),
    expectedVerification (records) {
      const results = records.map((record) => batches.verify(record))
      return { results, counts: countResults(results) }
    },
    get batchesHeld () { return batches.size },
    get faults () { return state.faults },
    set faults (faults: SimulatorFaults) { state.faults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
