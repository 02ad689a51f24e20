import t from 'tap'
import type { Dossier } from '../../adapters/procedures/port.js'
import { sectorSeedData } from '../../adapters/sector/seed.js'
import type { Client } from '../../src/auth/grants.js'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'

/**
 * Issue 15, findings 1, 2, 4 and 5: what a grant hides stays hidden through filters, replays, verification
 * answers and listing. One gateway for the whole file; each test registers the grants it needs through the admin API.
 */

const LAND = 'sector.land.parcels.read'
const ENTERPRISE = 'sector.enterprise.registrations.read'
const PROBLEM = 'https://errors.gateway.local/'
const ADMIN = { clientId: 'VN.TEST.ADMIN', scopes: ['admin'], purpose: null }
const seed = sectorSeedData()

const SUBJECT: Client = { clientId: 'VN.TEST.PRIVACY', name: 'A client whose grants each test sets', status: 'active', grants: [] }

let gateway: TestGateway
t.before(async () => {
  gateway = await buildTestGateway(t, { clients: [...TEST_CLIENTS, SUBJECT], seedSector: true, env: { VERIFY_ATTEMPTS_PER_SUBJECT: '3' } })
})

async function grant (service: string, body: object): Promise<void> {
  const res = await gateway.app.inject({ method: 'PUT', url: `/admin/v1/clients/${SUBJECT.clientId}/grants/${service}`, headers: await gateway.headers(ADMIN), payload: body })
  if (res.statusCode !== 200) throw new Error(`grant refused: ${res.body}`)
}

async function call (service: string, method: 'GET' | 'POST', url: string, options: { query?: Record<string, string>, payload?: object, headers?: Record<string, string> } = {}) {
  const headers = { ...await gateway.headers({ clientId: SUBJECT.clientId, scopes: [service] }), ...options.headers }
  return await gateway.app.inject({ method, url, headers, ...(options.query === undefined ? {} : { query: options.query }), ...(options.payload === undefined ? {} : { payload: options.payload }) })
}

async function auditOf (requestId: string): Promise<{ subjects: string[], status: number } | undefined> {
  const [record] = await gateway.app.store.query<{ subjects: string[], status: number }>('SELECT subjects, status FROM audit_records WHERE request_id = $1', [requestId])
  return record
}

t.test('#1 a filter may only read a field the grant discloses', async (t) => {
  await grant(LAND, { purposes: ['TTHC'], fields: ['areaM2'] })
  const bisect = await call(LAND, 'GET', '/api/v1/sectors/land/parcels', { query: { registeredFrom: '2020-01-01' } })
  t.equal(bisect.statusCode, 403, 'registeredFrom reads registeredDate, which the grant hides')
  t.match(bisect.json(), { type: `${PROBLEM}filter-not-granted`, detail: /registeredFrom/ })
  const disclosed = await call(LAND, 'GET', '/api/v1/sectors/land/parcels', { query: { areaMin: '100' } })
  t.equal(disclosed.statusCode, 200, 'a filter on a disclosed field is fine')
  t.ok(disclosed.json().items.every((item: object) => Object.keys(item).sort().join() === 'areaM2,parcelId'))

  const enterprise = seed.enterpriseRegistrations.find((record) => typeof record.legalRepresentativePersonalId === 'string')
  if (enterprise === undefined) throw new Error('no enterprise with a representative')
  await grant(ENTERPRISE, { purposes: ['TTHC'], fields: ['name'] })
  const who = await call(ENTERPRISE, 'GET', '/api/v1/sectors/enterprise/registrations', { query: { legalRepresentativePersonalId: String(enterprise.legalRepresentativePersonalId) } })
  t.equal(who.statusCode, 403, 'who represents what stays hidden')
  t.equal(who.json().type, `${PROBLEM}filter-not-granted`)

  // a grant that allows asking by the data subject: the person asked about is the request's own subject, audited
  await grant(ENTERPRISE, { purposes: ['TTHC'], fields: ['name'], rows: { subject: 'allowed' } })
  const bySubject = await call(ENTERPRISE, 'GET', '/api/v1/sectors/enterprise/registrations', {
    query: { legalRepresentativePersonalId: String(enterprise.legalRepresentativePersonalId) },
    headers: { 'x-request-id': 'privacy-by-subject-01' }
  })
  t.equal(bySubject.statusCode, 200)
  t.ok(bySubject.json().items.some((item: { enterpriseCode: string }) => item.enterpriseCode === enterprise.enterpriseCode))
  t.notOk(bySubject.body.includes(String(enterprise.legalRepresentativePersonalId)), 'the id is asked by, not disclosed')
  t.same((await auditOf('privacy-by-subject-01'))?.subjects, [enterprise.legalRepresentativePersonalId])
  const other = await call(ENTERPRISE, 'GET', '/api/v1/sectors/enterprise/registrations', { query: { registeredFrom: '2020-01-01' } })
  t.equal(other.statusCode, 403, 'other hidden fields stay unfilterable')
})

t.test('#5 rows: a subject required, or only the dossiers of the client\'s own agency', async (t) => {
  const register = gateway.procedures.register.dossiers()
  const citizen = register.find((dossier) => dossier.applicant.kind === 'citizen') as Dossier

  await grant('dossiers.read', { purposes: ['TTHC'], rows: { subject: 'required' } })
  const harvest = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { limit: '100' } })
  t.equal(harvest.statusCode, 403)
  t.match(harvest.json(), { type: `${PROBLEM}subject-required`, detail: /personalId/ })
  const own = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { personalId: citizen.applicant.id } })
  t.equal(own.statusCode, 200)
  t.ok(own.json().items.length > 0)

  const agency = citizen.receivingAgency.code
  const inAgency = register.filter((dossier) => dossier.receivingAgency.code === agency)
  const elsewhere = register.find((dossier) => dossier.receivingAgency.code !== agency && dossier.status === 'processing')
  if (elsewhere === undefined) throw new Error('every dossier has one agency')
  await grant('dossiers.read', { purposes: ['TTHC'], rows: { match: { receivingAgencyCode: agency } } })
  const codes: string[] = []
  let cursor: string | undefined
  do {
    const page = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { limit: '100', ...(cursor === undefined ? {} : { cursor }) } })
    t.equal(page.statusCode, 200)
    codes.push(...page.json().items.map((item: Dossier) => item.dossierCode))
    cursor = page.json().nextCursor
  } while (cursor !== undefined)
  t.same(codes.sort(), inAgency.map((dossier) => dossier.dossierCode).sort(), 'exactly the agency\'s dossiers, by the upstream query')
  const asked = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { receivingAgencyCode: elsewhere.receivingAgency.code } })
  t.equal(asked.json().type, `${PROBLEM}filter-not-granted`, 'the fixed filter cannot be changed by the caller')
  t.equal((await call('dossiers.read', 'GET', `/api/v1/dossiers/${elsewhere.dossierCode}`)).statusCode, 404, 'another agency\'s dossier reads as absent')

  await grant('dossiers.write', { purposes: ['TTHC'], rows: { match: { receivingAgencyCode: agency } } })
  const change = await call('dossiers.write', 'POST', `/api/v1/dossiers/${elsewhere.dossierCode}/status`, {
    payload: { status: 'additional-documents-requested', note: 'thiếu giấy tờ' },
    headers: { 'idempotency-key': 'privacy-other-agency-1' }
  })
  t.equal(change.statusCode, 404, 'nor can it be changed')
  t.equal(gateway.procedures.register.dossier(elsewhere.dossierCode)?.status, 'processing', 'the dossier is unchanged')

  const refused = await gateway.app.inject({
    method: 'PUT',
    url: `/admin/v1/clients/${SUBJECT.clientId}/grants/dossiers.read`,
    headers: await gateway.headers(ADMIN),
    payload: { purposes: ['TTHC'], rows: { match: { procedureName: 'x' } } }
  })
  t.equal(refused.statusCode, 400, 'a grant fixing a filter the service lacks is refused')
  t.equal(refused.json().errors[0].pointer, '/rows/match/procedureName')
})

t.test('#2 a replay is disclosed under the grant in force and audited with its subject', async (t) => {
  const dossier = gateway.procedures.register.dossiers().find((candidate) => candidate.status === 'processing' && candidate.applicant.kind === 'citizen') as Dossier
  await grant('dossiers.write', { purposes: ['TTHC'] })
  const change = async (requestId: string) => await call('dossiers.write', 'POST', `/api/v1/dossiers/${dossier.dossierCode}/status`, {
    payload: { status: 'additional-documents-requested', note: 'bổ sung' },
    headers: { 'idempotency-key': 'privacy-replay-0001', 'x-request-id': requestId }
  })
  const first = await change('privacy-replay-first')
  t.equal(first.statusCode, 200)
  t.ok(first.json().applicant, 'the whole dossier under the first grant')

  await grant('dossiers.write', { purposes: ['TTHC'], fields: ['status'] })
  const replay = await change('privacy-replay-again')
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), { dossierCode: dossier.dossierCode, status: 'additional-documents-requested' }, 'narrowed to the grant in force')
  t.same((await auditOf('privacy-replay-again'))?.subjects, [dossier.applicant.id], 'the replay names its data subject')
})

t.test('#4 verify: no per-field detail unless granted, and a per-subject limit', async (t) => {
  const citizen = gateway.simulator.population.citizenAt(3)
  // same birth year (the id's digits say it), another day: only the date differs
  const otherDay = `${citizen.dateOfBirth.slice(0, 5)}${citizen.dateOfBirth.slice(5) === '01-01' ? '01-02' : '01-01'}`
  const claim = { personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: otherDay }
  await grant('citizens.verify', { purposes: ['TTHC'] })
  const bare = await call('citizens.verify', 'POST', '/api/v1/citizens/verify', { payload: claim })
  t.same(bare.json(), { match: false }, 'which field differs is not said')

  await grant('citizens.verify', { purposes: ['TTHC'], mismatchDetail: true })
  const detailed = await call('citizens.verify', 'POST', '/api/v1/citizens/verify', { payload: claim })
  t.same(detailed.json(), { match: false, mismatches: ['dateOfBirth'] }, 'a grant with mismatchDetail gets the fields')

  // two attempts so far, the limit is 3 per subject: the third passes, the fourth is refused and audited
  t.equal((await call('citizens.verify', 'POST', '/api/v1/citizens/verify', { payload: claim })).statusCode, 200)
  const refused = await call('citizens.verify', 'POST', '/api/v1/citizens/verify', { payload: claim, headers: { 'x-request-id': 'privacy-verify-limit' } })
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().type, `${PROBLEM}verify-attempts-exceeded`)
  t.ok(Number(refused.headers['retry-after']) > 0)
  t.match(await auditOf('privacy-verify-limit'), { status: 429, subjects: [citizen.personalId] }, 'the refusal is audited with its subject')

  const another = gateway.simulator.population.citizenAt(4)
  const fine = await call('citizens.verify', 'POST', '/api/v1/citizens/verify', { payload: { personalId: another.personalId, fullName: another.fullName, dateOfBirth: another.dateOfBirth } })
  t.same(fine.json(), { match: true, mismatches: [] }, 'another person is unaffected')
})

t.test('#1 a page cursor tells nothing the grant hides, and serves only the client it was issued to', async (t) => {
  await grant('dossiers.read', { purposes: ['TTHC'], fields: ['status'] })
  const first = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { limit: '2' } })
  t.equal(first.statusCode, 200)
  const cursor: string = first.json().nextCursor
  const decoded = Buffer.from(cursor, 'base64url').toString('latin1')
  t.notMatch(decoded, /[0-9]{8}/, 'no reception time readable in the cursor (the upstream\'s holds it in clear)')
  const next = await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { limit: '2', cursor } })
  t.equal(next.statusCode, 200)
  t.notSame(next.json().items, first.json().items, 'the cursor still pages')

  const stranger = await gateway.app.inject({ method: 'GET', url: '/api/v1/dossiers', query: { limit: '2', cursor }, headers: await gateway.headers({ clientId: 'VN.TEST.MOTCUA', scopes: ['dossiers.read'] }) })
  t.equal(stranger.statusCode, 400, 'another client cannot use it')
  t.equal(stranger.json().errors[0].pointer, '/cursor')
  const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'AB' : 'AA'}`
  t.equal((await call('dossiers.read', 'GET', '/api/v1/dossiers', { query: { limit: '2', cursor: tampered } })).statusCode, 400, 'nor an altered one')
})

t.test('#1 a sector list\'s cursor is sealed too (a REST source\'s holds its upstream\'s own page token)', async (t) => {
  await grant(LAND, { purposes: ['TTHC'], fields: ['areaM2'] })
  const first = await call(LAND, 'GET', '/api/v1/sectors/land/parcels', { query: { limit: '2' } })
  const cursor: string = first.json().nextCursor
  t.notMatch(Buffer.from(cursor, 'base64url').toString('latin1'), /"p"/, 'no position readable in the cursor')
  const again = await call(LAND, 'GET', '/api/v1/sectors/land/parcels', { query: { limit: '2' } })
  t.equal(again.json().nextCursor, cursor, 'the same page gives the same cursor (a kept answer replays exactly)')
  const next = await call(LAND, 'GET', '/api/v1/sectors/land/parcels', { query: { limit: '2', cursor } })
  t.equal(next.statusCode, 200)
  t.notSame(next.json().items, first.json().items, 'it still pages')
})
