import type { FastifyInstance, FastifyReply } from 'fastify'
import { applyTransportFaults, type TransportFaults } from '../shared/simulator-server.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import { decodeCursor, DEFAULT_CHANGES_LIMIT, encodeCursor, FEED_ERRORS, MAX_CHANGES_LIMIT } from './feed.js'
import { verifySignature } from './signature.js'
import { changeAt, checkInvalidEvery, revisionAfter, type FeedRecord } from './synthetic-changes.js'

/** The population simulator's change feed route (protocol in feed.ts), over the synthetic feed. */

export interface ChangeFeedFaults extends TransportFaults {
  /** Answer every call with this HTTP status (SOAP: a soap:Server fault; feed: HE_THONG_BAN). */
  status?: number
  /** Answer the next N feed calls 503 HE_THONG_BAN, then recover: counts down as calls arrive. */
  failNextChanges?: number
  /** Answer feed calls 200 with this body verbatim, as a broken upstream would. */
  changesBody?: string
}

export interface ChangeFeedOptions {
  /** Changes the feed holds at start; the population size by default. */
  size?: number
  /** Every k-th change (SoThuTu divisible by k) is malformed; see synthetic-changes.ts. */
  invalidEvery?: number
}

export interface ChangeFeed {
  readonly size: number
  readonly invalidEvery?: number
  /** Feed calls received, including refused ones. */
  readonly hits: number
  /** Records `count` more changes; answers the new length. */
  append (count: number): number
  /** The revision the database holds for citizen `index` given the changes recorded so far. */
  revisionOf (index: number): number
}

interface Setup {
  path: string
  population: SyntheticPopulation
  credentials: { username: string, secret: string }
  options: ChangeFeedOptions
  /** The simulator's faults as they are now (tests replace the object). */
  faults: () => ChangeFeedFaults
  /** Aborts on close, cutting delays short. */
  closing: AbortSignal
}

interface FeedPage {
  DuLieu: FeedRecord[]
  ConTro: string | null
  TongSo: number
}

const LIMIT = /^[0-9]{1,5}$/

function checkSize (size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('changeFeed.size must be a non-negative integer')
}

export function serveChangeFeed (app: FastifyInstance, { path, population, credentials, options, faults, closing }: Setup): ChangeFeed {
  const invalidEvery = options.invalidEvery
  checkInvalidEvery(invalidEvery)
  let size = options.size ?? population.size
  checkSize(size)
  let hits = 0

  const refuse = (reply: FastifyReply, status: number, code: string, description: string): FastifyReply =>
    reply.code(status).type('application/json; charset=utf-8').send({ MaLoi: code, MoTaLoi: description })

  app.get(path, async (request, reply) => {
    hits++
    const current = faults()
    if (await applyTransportFaults(request, reply, current, closing)) return reply
    if (current.status !== undefined) return refuse(reply, current.status, FEED_ERRORS.busy, 'Hệ thống đang bận, vui lòng thử lại sau')
    if (current.failNextChanges !== undefined && current.failNextChanges > 0) {
      current.failNextChanges--
      return refuse(reply, 503, FEED_ERRORS.busy, 'Hệ thống đang bận, vui lòng thử lại sau')
    }
    if (current.changesBody !== undefined) return reply.type('application/json; charset=utf-8').send(current.changesBody)

    const url = `http://${request.headers.host ?? ''}${request.url}`
    const timestamp = request.headers.timestamp
    if (!verifySignature(request.headers.authorization, url, typeof timestamp === 'string' ? timestamp : undefined, credentials)) {
      return refuse(reply, 401, FEED_ERRORS.unauthorized, 'Xác thực không thành công: chữ ký hoặc Timestamp không hợp lệ')
    }

    const query = request.query as Record<string, unknown>
    const limitText = query.limit
    const limit = limitText === undefined ? DEFAULT_CHANGES_LIMIT : typeof limitText === 'string' && LIMIT.test(limitText) ? Number(limitText) : 0
    if (limit < 1 || limit > MAX_CHANGES_LIMIT) {
      return refuse(reply, 400, FEED_ERRORS.badParameter, `limit phải là số nguyên từ 1 đến ${MAX_CHANGES_LIMIT}`)
    }
    const since = query.since
    const start = since === undefined ? 1 : typeof since === 'string' ? decodeCursor(since) : undefined
    // A cursor past the end was never issued: at most the one that waits for the next change.
    if (start === undefined || start > size + 1) {
      return refuse(reply, 400, FEED_ERRORS.badCursor, 'Con trỏ không hợp lệ hoặc không do hệ thống cấp')
    }

    const end = Math.min(size, start + limit - 1)
    const page: FeedPage = { DuLieu: [], ConTro: end < size ? encodeCursor(end + 1) : null, TongSo: size }
    for (let seq = start; seq <= end; seq++) page.DuLieu.push(changeAt(population, seq, invalidEvery))
    return reply.type('application/json; charset=utf-8').send(page)
  })

  return {
    get size () { return size },
    ...(invalidEvery === undefined ? {} : { invalidEvery }),
    get hits () { return hits },
    append (count: number): number {
      checkSize(count)
      size += count
      return size
    },
    revisionOf (index: number): number {
      return revisionAfter(population.size, size, index) ?? 0
    }
  }
}
