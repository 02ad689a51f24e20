import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { loggerOptions } from '../src/logger.js'
import { buildTestGateway } from './support/gateway.js'

t.test('every request log line carries the request id, and no personal id', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  const logger = pino(loggerOptions({ logLevel: 'info' }) as pino.LoggerOptions, sink)
  const { app, simulator, headers } = await buildTestGateway(t, { logger })
  const auth = await headers()
  const { personalId } = simulator.population.citizenAt(9)

  const citizen = simulator.population.citizenAt(9)
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${personalId}`, headers: { ...auth, 'x-request-id': 'log-test-000001' } })
  await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: { ...auth, 'x-request-id': 'log-test-000003' }, payload: { personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth } })
  simulator.faults = { status: 500 }
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${personalId}`, headers: { ...auth, 'x-request-id': 'log-test-000002' } })

  const requestLines = lines.filter((line) => line.requestId !== undefined)
  t.ok(requestLines.length >= 4, `request lines logged (${requestLines.length})`)
  t.same(new Set(requestLines.map((line) => line.requestId)), new Set(['log-test-000001', 'log-test-000002', 'log-test-000003']))
  const everything = JSON.stringify(lines)
  t.notOk(everything.includes(personalId), 'personal id never logged')
  t.notOk(everything.includes(citizen.fullName), 'name never logged')
  t.notOk(everything.includes((auth.authorization as string).slice(7)), 'tokens never logged')
  t.match(everything, /\/api\/v1\/citizens\/\*{12}/, 'the path shape is kept')
})

t.test('personal fields and ids are redacted wherever a log call puts them', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } })
  const logger = pino(loggerOptions({ logLevel: 'info' }) as pino.LoggerOptions, sink)
  logger.info({ personalId: '025090001234', citizen: { fullName: 'Nguyễn Thị Ánh', dateOfBirth: '1990-01-02', currentAddress: { detail: 'Số 1' } } }, 'looked up')
  logger.warn('upstream fault for 025090001234: Không tìm thấy')
  logger.error({ err: new Error('x') }, 'citizen %s failed', '025090001234')
  const text = lines.join('')
  for (const secret of ['025090001234', 'Nguyễn Thị Ánh', '1990-01-02', 'Số 1']) t.notOk(text.includes(secret), `${secret} not in the log`)
  t.match(text, /upstream fault for \*{12}/)
  t.match(text, /"personalId":"\[redacted\]"/)
})

t.test('behind a trusted proxy the caller\'s address is logged, not the proxy\'s', async (t) => {
  const logged = async (env: Record<string, string>): Promise<unknown[]> => {
    const lines: Array<{ req?: { remoteAddress?: string } }> = []
    const sink = new Writable({ write (chunk: Buffer, _encoding, done) { for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { req?: { remoteAddress?: string } }); done() } })
    const { app } = await buildTestGateway(t, { logger: pino(loggerOptions({ logLevel: 'info' }) as pino.LoggerOptions, sink), env })
    await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': '203.0.113.7' } })
    return lines.flatMap((line) => line.req?.remoteAddress === undefined ? [] : [line.req.remoteAddress])
  }
  t.same(await logged({}), ['10.1.2.3'], 'by default the TCP peer')
  t.same(await logged({ TRUST_PROXY: '10.0.0.0/8' }), ['203.0.113.7'], 'the load balancer at 10.1.2.3 is trusted')
  t.same(await logged({ TRUST_PROXY: '192.168.0.0/16' }), ['10.1.2.3'], 'an untrusted peer cannot claim another address')
})

t.test('personal ids are masked however a client writes them, and credentials are never logged', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } })
  const logger = pino(loggerOptions({ logLevel: 'info' }) as pino.LoggerOptions, sink)
  const { app, simulator, headers } = await buildTestGateway(t, { logger })
  const auth = await headers()
  const { personalId } = simulator.population.citizenAt(5)
  const percentDigits = [...personalId].map((digit) => `%3${digit}`).join('')
  const calls = [
    `/api%2Fv1%2Fcitizens%2F${personalId}`,
    `/api/v1/dossiers?personalId=${personalId}x`,
    `/api/v1/citizens/${percentDigits}`,
    `/api/v1/citizens/${personalId}?access_token=careless-token-value-1&api_key=careless-key-value-2&x=1`,
    `/api/v1/citizens/${personalId}?TOKEN=careless-token-value-3&password=careless-password-4`
  ]
  for (const url of calls) await app.inject({ method: 'GET', url, headers: auth })
  await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': `HS-${personalId}` } })
  await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': `HS${personalId}1` } })
  logger.info({ upstream: { headers: { authorization: 'Bearer careless-token-value-5', cookie: 'session=careless-cookie-6', 'x-api-key': 'careless-key-value-7' } }, note: `for ${personalId}x` }, 'an adapter logs what it sent')
  logger.warn(`retrying with Authorization: Bearer careless-token-value-8 for ${percentDigits}`)

  const text = lines.join('')
  t.ok(lines.length >= calls.length, `${lines.length} lines logged`)
  t.notOk(text.includes(personalId), 'no personal id, glued, encoded or in a request id')
  t.notOk(text.includes(percentDigits), 'no percent-encoded personal id')
  for (const secret of ['careless-token-value-1', 'careless-key-value-2', 'careless-token-value-3', 'careless-password-4', 'careless-token-value-5', 'careless-cookie-6', 'careless-key-value-7', 'careless-token-value-8', (auth.authorization as string).slice(7)]) {
    t.notOk(text.includes(secret), `${secret.slice(0, 24)} not in the log`)
  }
  t.match(text, /access_token=\[redacted\]/, 'the parameter is kept, its value not')
  t.match(text, /"requestId":"HS-\*{12}"/, 'the request id keeps its shape')
  for (const line of lines) t.doesNotThrow(() => JSON.parse(line), 'every line is still JSON')
})
