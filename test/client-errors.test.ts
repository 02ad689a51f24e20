import { connect } from 'node:net'
import t from 'tap'
import { buildTestGateway } from './support/gateway.js'

/**
 * What Node's HTTP parser refuses before any route runs, and slow clients, seen through a real socket: a
 * problem+json with a stable type and a request id, and the connection closed.
 */

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: any
  /** ms from the first byte sent until the server closed the connection */
  closedAfterMs: number
}

/** Sends `first`, then each of `drip` every `everyMs`, until the server answers and closes (or `giveUpMs`). */
async function rawExchange (port: number, first: string, options: { drip?: string[], everyMs?: number, giveUpMs?: number } = {}): Promise<RawAnswer> {
  const socket = connect({ port, host: '127.0.0.1' })
  await new Promise((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
  const started = Date.now()
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => {})
  socket.write(first)
  const drip = [...options.drip ?? []]
  const dripper = setInterval(() => {
    const next = drip.shift()
    if (next !== undefined && socket.writable) socket.write(next)
  }, options.everyMs ?? 200)
  const closed = new Promise<void>((resolve) => socket.once('close', () => { resolve() }))
  const gaveUp = new Promise<'gave up'>((resolve) => setTimeout(() => { resolve('gave up') }, options.giveUpMs ?? 10_000).unref())
  const outcome = await Promise.race([closed, gaveUp])
  clearInterval(dripper)
  socket.destroy()
  if (outcome === 'gave up') throw new Error(`the connection was still open after ${options.giveUpMs ?? 10_000} ms`)
  const text = Buffer.concat(chunks).toString('utf8')
  const [head = '', body = ''] = text.split('\r\n\r\n', 2)
  const [statusLine = '', ...fields] = head.split('\r\n')
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: Object.fromEntries(fields.map((field) => [field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim()])),
    body: body === '' ? undefined : JSON.parse(body),
    closedAfterMs: Date.now() - started
  }
}

const TYPE = 'https://errors.gateway.local/'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('Node\'s own refusals are problem+json with a request id, and the connection is closed', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  const tooLarge = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(tooLarge, { status: 431, headers: { 'content-type': 'application/problem+json', connection: 'close' }, body: { type: `${TYPE}header-too-large`, status: 431, requestId: UUID } })
  t.equal(tooLarge.headers['x-request-id'], tooLarge.body.requestId, 'the id in the body is the id in the header')

  const garbage = await rawExchange(port, 'HELLO THERE\r\n\r\n')
  t.match(garbage, { status: 400, headers: { 'content-type': 'application/problem+json' }, body: { type: `${TYPE}malformed-request`, status: 400, requestId: UUID } })

  const badChunk = await rawExchange(port, 'POST /api/v1/citizens/verify HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Request-Id: bad-chunked-0001\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')
  t.match(badChunk, { status: 400, body: { type: `${TYPE}malformed-request`, requestId: 'bad-chunked-0001' } }, 'a request Fastify had started keeps its id')
  const auth = await headers()
  const badChunkLater = await rawExchange(port, ['POST /api/v1/citizens/verify HTTP/1.1', 'Host: gateway', 'Content-Type: application/json', 'Transfer-Encoding: chunked',
    `Authorization: ${auth.authorization as string}`, `X-Purpose: ${auth['x-purpose'] as string}`, 'X-Request-Id: bad-chunked-0002', '', ''].join('\r\n'), { drip: ['zz\r\n{}\r\n0\r\n\r\n'], everyMs: 300 })
  t.match(badChunkLater, { status: 400, headers: { connection: 'close' }, body: { type: `${TYPE}malformed-request`, requestId: 'bad-chunked-0002' } }, 'a bad chunk after the headers were read')
  const [record] = await app.store.query<{ client_id: string, status: number }>("SELECT client_id, status FROM audit_records WHERE request_id = 'bad-chunked-0002'")
  t.same(record, { client_id: 'VN.TEST.FULL', status: 400 }, 'audited with its client')

  const healthy = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(healthy.status, 200, 'the gateway still serves')
})

t.test('slow clients are cut: headers and bodies must arrive in time, answered 408 and audited when the client is known', async (t) => {
  const { app, headers, simulator } = await buildTestGateway(t, { env: { REQUEST_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '500' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  // headers never finished
  const slowHeaders = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: gateway\r\n', { drip: Array(20).fill('X-A: b\r\n') })
  t.match(slowHeaders, { status: 408, headers: { 'content-type': 'application/problem+json', connection: 'close' }, body: { type: `${TYPE}request-timeout`, requestId: UUID } })
  t.ok(slowHeaders.closedAfterMs < 500 + 1000, `closed after ${slowHeaders.closedAfterMs} ms (headers timeout 500 ms)`)

  // an authenticated client sending its body one byte at a time, several at once
  const citizen = simulator.population.citizenAt(2)
  const body = JSON.stringify({ personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth })
  const auth = await headers({ clientId: 'VN.TEST.FULL' })
  const slowBodies = await Promise.all([1, 2, 3].map(async (n) => await rawExchange(port, [
    'POST /api/v1/citizens/verify HTTP/1.1', 'Host: gateway', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`,
    `Authorization: ${auth.authorization as string}`, `X-Purpose: ${auth['x-purpose'] as string}`, `X-Request-Id: slow-body-000${n}`, '', ''
  ].join('\r\n'), { drip: [...body], everyMs: 100 })))
  for (const [i, answer] of slowBodies.entries()) {
    t.match(answer, { status: 408, headers: { 'content-type': 'application/problem+json', connection: 'close' }, body: { type: `${TYPE}request-timeout`, requestId: `slow-body-000${i + 1}` } })
    t.ok(answer.closedAfterMs < 1500 + 1500, `closed after ${answer.closedAfterMs} ms (request timeout 1500 ms)`)
  }
  const records = await app.store.query<{ request_id: string, client_id: string, status: number }>("SELECT request_id, client_id, status FROM audit_records WHERE request_id LIKE 'slow-body-%' ORDER BY request_id")
  t.same(records, [1, 2, 3].map((n) => ({ request_id: `slow-body-000${n}`, client_id: 'VN.TEST.FULL', status: 408 })), 'each cut request is audited with its client')
})
