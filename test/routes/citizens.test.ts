import t from 'tap'
import { citizenWithCurrentUnits } from '../../src/categories/current-units.js'
import { buildTestGateway } from '../support/gateway.js'

t.test('GET /api/v1/citizens/:personalId returns the citizen from the population database', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const citizen = simulator.population.citizenAt(11)
  const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers() })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  // a place of origin registered before 1 July 2025 (legacy units) comes with its current unit(s)
  t.same(res.json(), citizenWithCurrentUnits(citizen, app.categories))
  t.equal(simulator.hits, 1)
})

t.test('malformed personal ids are refused with 400 before the upstream is called', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const bad = [
    '12345', // too short
    '0250900012345', // 13 digits
    '02509000123a', // not a digit
    '003090001234', // 003 is no province of birth registration
    '025990001234', // digit 4 = 9 → born 2399
    '025330001234', // digit 4 = 3 → born 2033, in the future
    '%20%20%20025090001234'
  ]
  for (const personalId of bad) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${personalId}`, headers: await headers() })
    t.equal(res.statusCode, 400, personalId)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), {
      type: 'https://errors.gateway.local/validation',
      status: 400,
      errors: [{ in: 'params', pointer: '/personalId' }]
    }, personalId)
  }
  t.equal(simulator.hits, 0, 'the population database was never called')
})

t.test('an unknown citizen is a 404 problem', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const unknown = simulator.population.citizenAt(2).personalId.slice(0, 6) + '999999'
  const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${unknown}`, headers: await headers() })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { type: 'https://errors.gateway.local/not-found', status: 404, instance: `/api/v1/citizens/${unknown}` })
})

t.test('upstream failures map to 502, 503 and 504 problems without internals', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t, { env: { POPULATION_TIMEOUT_MS: '300' } })
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  const auth = await headers()

  simulator.faults = { status: 500 }
  let res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 502)
  t.match(res.json(), { type: 'https://errors.gateway.local/upstream-error', detail: /population database/ })

  simulator.faults = { status: 503 }
  res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { type: 'https://errors.gateway.local/upstream-unavailable' })

  simulator.faults = { reset: true }
  res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 503, 'connection reset')

  simulator.faults = { delayMs: 2000 }
  const started = performance.now()
  res = await app.inject({ method: 'GET', url, headers: auth })
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 504)
  t.match(res.json(), { type: 'https://errors.gateway.local/upstream-timeout', detail: /300 ms/ })
  t.ok(elapsed >= 290 && elapsed < 330 * 1.1 + 50, `answered at the deadline (${Math.round(elapsed)} ms)`)

  for (const body of [res.body]) t.notMatch(body, /at .*\.(js|ts):\d+/, 'no stack trace')

  simulator.faults = {}
  res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 200, 'recovers once the upstream does')
})

t.test('an unreachable upstream is a 503 problem', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  const auth = await headers()
  await simulator.close()
  const res = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { type: 'https://errors.gateway.local/upstream-unavailable' })
})

t.test('POST /api/v1/citizens/verify', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const citizen = simulator.population.citizenAt(21)
  const auth = await headers()
  const verify = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1/citizens/verify', payload: body as object, headers: auth })

  let res = await verify({ personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth, gender: citizen.gender })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { match: true, mismatches: [] })

  res = await verify({ personalId: citizen.personalId, fullName: `  ${citizen.fullName.toLocaleLowerCase('vi')} `, dateOfBirth: citizen.dateOfBirth })
  t.same(res.json(), { match: true, mismatches: [] }, 'case and spacing do not matter')

  const withoutDiacritics = citizen.fullName.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
  if (withoutDiacritics !== citizen.fullName) {
    res = await verify({ personalId: citizen.personalId, fullName: withoutDiacritics, dateOfBirth: citizen.dateOfBirth })
    t.same(res.json(), { match: false, mismatches: ['fullName'] }, 'diacritics do matter')
  }

  const sameYearOtherDay = citizen.dateOfBirth.slice(0, 5) + (citizen.dateOfBirth.slice(5) === '01-01' ? '01-02' : '01-01')
  res = await verify({ personalId: citizen.personalId, fullName: 'Nguyễn Văn Khác', dateOfBirth: sameYearOtherDay })
  t.same(res.json(), { match: false, mismatches: ['fullName', 'dateOfBirth'] })
  t.notOk(res.body.includes(citizen.fullName), 'the record is not disclosed')

  const unknown = citizen.personalId.slice(0, 6) + '999999'
  res = await verify({ personalId: unknown, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth })
  t.same(res.json(), { match: false, mismatches: ['personalId'] })
})

t.test('verify refuses claims that contradict the personal id, before the upstream is called', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const citizen = simulator.population.citizenAt(4)
  const otherYear = `${Number(citizen.dateOfBirth.slice(0, 4)) - 1}${citizen.dateOfBirth.slice(4)}`
  const otherGender = citizen.gender === 'male' ? 'female' : 'male'
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/citizens/verify',
    headers: await headers(),
    payload: { personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: otherYear, gender: otherGender }
  })
  t.equal(res.statusCode, 400)
  t.match(res.json(), {
    type: 'https://errors.gateway.local/validation',
    errors: [{ in: 'body', pointer: '/dateOfBirth' }, { in: 'body', pointer: '/gender' }]
  })
  t.equal(simulator.hits, 0)
})

t.test('verify validates its body field by field', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/citizens/verify',
    headers: await headers(),
    payload: { personalId: '025090001234', dateOfBirth: '1990-02-30', gender: 'x', nickname: 'Tí' }
  })
  t.equal(res.statusCode, 400)
  const pointers = (res.json().errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()
  t.same(pointers, ['/dateOfBirth', '/fullName', '/gender', '/nickname'])
  t.equal(simulator.hits, 0)
})
