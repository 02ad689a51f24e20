import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Client } from '../../src/auth/grants.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken, TEST_CLIENTS } from '../support/identity.js'

/**
 * Issue 15 #3: X-User-Id names the official acting inside the client system. An id that is well-formed —
 * Unicode letters and digits with . @ _ -, 1–64 characters, sent as UTF-8 — is recorded exactly (NFC); anything
 * else is a 400 naming the header, audited with the client, and never a call that loses who acted.
 */

// What a header looks like once Node has read it: its bytes, one character each (latin1).
const onTheWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1')

const HEALTH = 'sector.health.facilities.read'
const HEALTH_CLIENT: Client = { clientId: 'VN.TEST.HEALTH', name: 'Facility register reader', status: 'active', grants: [{ service: HEALTH }] }

interface Row { officialId: string | null, clientId: string | null, status: number }

t.test('malformed, repeated or non-UTF-8 X-User-Id is a 400 naming the header, and audited with the client', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(3).personalId}`
  const cases: Array<[string, string | string[]]> = [
    ['a space', 'nguyen van a'],
    ['two headers', ['nguyen.van.a', 'tran.thi.b']],
    ['a comma (two ids folded into one header)', 'nguyen.van.a,tran.thi.b'],
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['markup', '<script>'],
    ['a latin1 byte that is not UTF-8', 'c\xe1n.bo'],
    ['a control character', 'nguyen\u0007a'],
    ['an accent on a dot', '..' + '.\u0301']
  ]
  let n = 0
  for (const [label, value] of cases) {
    const requestId = `official-bad-${String(n++).padStart(3, '0')}`
    const res = await app.inject({ method: 'GET', url, headers: { ...await headers(), 'x-request-id': requestId, 'x-user-id': value } })
    t.equal(res.statusCode, 400, label)
    t.match(res.json(), { type: 'https://errors.gateway.local/validation', errors: [{ in: 'headers', pointer: '/x-user-id' }] }, label)
    const [row] = await app.store.query<Row>('SELECT official_id AS "officialId", client_id AS "clientId", status FROM audit_records WHERE request_id = $1', [requestId])
    t.same(row, { officialId: null, clientId: 'VN.TEST.FULL', status: 400 }, `${label}: the refusal is audited with the client`)
  }
  t.equal(simulator.hits, 0, 'no call without a known official reached the population database')
})

t.test('well-formed ids, Vietnamese included, are accepted and recorded exactly (NFC)', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(3).personalId}`
  const cases: Array<[string, string, string]> = [
    ['ASCII', 'nguyen.van.a', 'nguyen.van.a'],
    ['e-mail like', 'can_bo-01@phuong.hanoi.gov.vn', 'can_bo-01@phuong.hanoi.gov.vn'],
    ['Vietnamese, UTF-8 (NFC)', onTheWire('cán.bộ@xã'), 'cán.bộ@xã'],
    ['Vietnamese, UTF-8 (decomposed, NFD)', onTheWire('cán.bộ@xã'.normalize('NFD')), 'cán.bộ@xã'],
    ['64 Vietnamese letters (more than 64 bytes)', onTheWire('ộ'.repeat(64)), 'ộ'.repeat(64)]
  ]
  let n = 0
  for (const [label, value, recorded] of cases) {
    const requestId = `official-good-${String(n++).padStart(3, '0')}`
    const res = await app.inject({ method: 'GET', url, headers: { ...await headers(), 'x-request-id': requestId, 'x-user-id': value } })
    t.equal(res.statusCode, 200, label)
    const [row] = await app.store.query<Row>('SELECT official_id AS "officialId" FROM audit_records WHERE request_id = $1', [requestId])
    t.equal(row?.officialId, recorded, label)
  }
})

t.test('over a real connection: UTF-8 header bytes are read as UTF-8, and passed on to a REST upstream as UTF-8', async (t) => {
  const { app, sectorRest } = await buildTestGateway(t, { clients: [...TEST_CLIENTS, HEALTH_CLIENT] })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const token = await signTestToken({ clientId: HEALTH_CLIENT.clientId, scopes: [HEALTH] })
  const facility = sectorRest.facilities[0]
  if (facility === undefined) throw new Error('no facilities')
  const official = 'cán.bộ@xã'

  // raw bytes, as any HTTP client sends them; Node hands the gateway one latin1 character per byte
  const status = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([
        Buffer.from(`GET /api/v1/sectors/health/facilities/${facility.facilityCode} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n` +
          `Authorization: Bearer ${token}\r\nX-Request-Id: official-wire-0001\r\nX-User-Id: `),
        Buffer.from(official, 'utf8'),
        Buffer.from('\r\n\r\n')
      ]))
    })
    let answer = ''
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
    socket.on('end', () => { resolve(answer.split('\r\n')[0] ?? '') })
    socket.on('error', reject)
  })
  t.equal(status, 'HTTP/1.1 200 OK')
  const [row] = await app.store.query<Row>("SELECT official_id AS \"officialId\" FROM audit_records WHERE request_id = 'official-wire-0001'")
  t.equal(row?.officialId, official, 'recorded as the official wrote it')
  t.equal(sectorRest.lastRequest?.userId, official, 'the upstream read the same id')
})
