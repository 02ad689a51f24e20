import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { loadDatasets } from '../../adapters/sector/loader.js'
import type { DatasetDeclaration } from '../../adapters/sector/port.js'
import { sectorSeedData } from '../../adapters/sector/seed.js'
import { DEFAULT_DATASETS_DIR, schemasDir } from '../../src/paths.js'
import type { Client } from '../../src/auth/grants.js'
import { datasetCacheTtl } from '../../src/cache/policy.js'
import { cacheKey, createResponseCache } from '../../src/cache/response-cache.js'
import { startPrivateRedis } from '../../src/private-redis.js'
import { buildTestGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'

const MOTCUA = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read', 'dossiers.read'], purpose: null }
const LAND = 'sector.land.parcels.read'
const HEALTH = 'sector.health.facilities.read'
const SECTOR_CLIENT: Client = {
  clientId: 'VN.TEST.SECTOR',
  name: 'Sector app',
  status: 'active',
  grants: [{ service: LAND, purposes: ['TTHC'] }, { service: HEALTH }]
}
const SECTOR = { clientId: SECTOR_CLIENT.clientId, scopes: [LAND, HEALTH], purpose: 'TTHC' }

async function gateway (t: Test, options: TestGatewayOptions = {}): Promise<TestGateway> {
  return await buildTestGateway(t, { clients: [...TEST_CLIENTS, SECTOR_CLIENT], ...options })
}

/** A client on the test Redis, to look at what the gateways kept. */
async function redisOf (t: Test, url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  t.teardown(() => { redis.disconnect() })
  return redis
}

/** `times` calls at once. */
async function concurrently<T> (times: number, call: () => Promise<T>): Promise<T[]> {
  return await Promise.all(Array.from({ length: times }, call))
}

t.test('50 concurrent identical misses reach the one-stop system once; then it is a hit', async (t) => {
  const { app, procedures, headers } = await gateway(t)
  const known = procedures.data.procedures[2]
  if (known === undefined) throw new Error('empty catalogue')
  const auth = await headers(MOTCUA)
  const url = `/api/v1/procedures/${known.procedureCode}`
  procedures.faults = { delayMs: 200 } // the first call is still in flight while the other 49 ask
  const before = procedures.hits
  const answers = await concurrently(50, async () => await app.inject({ method: 'GET', url, headers: auth }))
  procedures.faults = {}
  t.equal(procedures.hits - before, 1, 'one upstream call for 50 requests')
  t.ok(answers.every((res) => res.statusCode === 200), 'all 200')
  t.ok(answers.every((res) => res.body === answers[0]?.body), 'all the same procedure')
  t.same(answers[0] === undefined ? undefined : JSON.parse(answers[0].body), known)
  t.ok(answers.some((res) => res.headers['x-cache'] === 'miss'), 'the upstream was asked for them')

  const again = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(again.headers['x-cache'], 'hit')
  t.same(again.json(), known)
  t.equal(procedures.hits - before, 1, 'a hit calls nothing')

  // a search is one key whatever the order of its parameters
  const searched = await app.inject({ method: 'GET', url: '/api/v1/procedures?q=ho%20tich&limit=5', headers: auth })
  t.equal(searched.headers['x-cache'], 'miss')
  const reordered = await app.inject({ method: 'GET', url: '/api/v1/procedures?limit=5&q=ho%20tich', headers: auth })
  t.equal(reordered.headers['x-cache'], 'hit')
  t.same(reordered.json(), searched.json())
  const otherPage = await app.inject({ method: 'GET', url: '/api/v1/procedures?q=ho%20tich&limit=6', headers: auth })
  t.equal(otherPage.headers['x-cache'], 'miss', 'another limit is another answer')
})

t.test('a cacheable sector dataset: 50 concurrent misses call its REST upstream once, kept for its declared TTL', async (t) => {
  const { app, sectorRest, headers, redisUrl } = await gateway(t)
  const auth = await headers({ ...SECTOR, purpose: null })
  sectorRest.faults = { delayMs: 200 }
  const before = sectorRest.hits
  const query = { level: 'basic', ownership: 'public', limit: '50' }
  const answers = await concurrently(50, async () => await app.inject({ method: 'GET', url: '/api/v1/sectors/health/facilities', query, headers: auth }))
  sectorRest.faults = {}
  t.equal(sectorRest.hits - before, 1, 'one upstream call for 50 requests')
  t.ok(answers.every((res) => res.statusCode === 200 && res.body === answers[0]?.body))
  const expected = sectorRest.facilities.filter((f) => f.level === 'basic' && f.ownership === 'public').slice(0, 50).map((f) => f.facilityCode)
  t.same(answers[0] === undefined ? undefined : JSON.parse(answers[0].body).items.map((f: { facilityCode: string }) => f.facilityCode), expected)

  const facility = sectorRest.facilities[3]
  if (facility === undefined) throw new Error('no facilities')
  const url = `/api/v1/sectors/health/facilities/${facility.facilityCode}`
  t.equal((await app.inject({ method: 'GET', url, headers: auth })).headers['x-cache'], 'miss')
  const hit = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(hit.headers['x-cache'], 'hit')
  t.same(hit.json(), facility)
  t.equal(sectorRest.hits - before, 2)

  const redis = await redisOf(t, redisUrl)
  const keys = await redis.keys(`${app.config.cache.prefix}*`)
  t.equal(keys.length, 2, 'the page and the record, in Redis')
  for (const key of keys) {
    const ttl = await redis.pttl(key)
    t.ok(ttl > 3590_000 && ttl <= 3600_000, `kept for the declared ttlSeconds (3600), ${ttl} ms left`)
  }
})

t.test('a second gateway on the same Redis answers from it without calling its upstream', async (t) => {
  const first = await gateway(t)
  const known = first.procedures.data.procedures[4]
  const facility = first.sectorRest.facilities[5]
  if (known === undefined || facility === undefined) throw new Error('no data')
  const procedureUrl = `/api/v1/procedures/${known.procedureCode}`
  const facilityUrl = `/api/v1/sectors/health/facilities/${facility.facilityCode}`
  t.equal((await first.app.inject({ method: 'GET', url: procedureUrl, headers: await first.headers(MOTCUA) })).headers['x-cache'], 'miss')
  t.equal((await first.app.inject({ method: 'GET', url: facilityUrl, headers: await first.headers(SECTOR) })).headers['x-cache'], 'miss')

  const second = await gateway(t, { env: { REDIS_URL: first.redisUrl, CACHE_PREFIX: first.app.config.cache.prefix } })
  const [procedureHits, facilityHits] = [second.procedures.hits, second.sectorRest.hits]
  const procedure = await second.app.inject({ method: 'GET', url: procedureUrl, headers: await second.headers(MOTCUA) })
  t.equal(procedure.statusCode, 200)
  t.equal(procedure.headers['x-cache'], 'hit')
  t.same(procedure.json(), known)
  const record = await second.app.inject({ method: 'GET', url: facilityUrl, headers: await second.headers(SECTOR) })
  t.equal(record.headers['x-cache'], 'hit')
  t.same(record.json(), facility)
  t.equal(second.procedures.hits, procedureHits, 'its one-stop system was not called')
  t.equal(second.sectorRest.hits, facilityHits, 'its health register was not called')
})

t.test('an answer expires after its TTL (PROCEDURES_CACHE_TTL_S), then the upstream is asked again', async (t) => {
  const { app, procedures, headers } = await gateway(t, { env: { PROCEDURES_CACHE_TTL_S: '1' } })
  const auth = await headers(MOTCUA)
  const url = `/api/v1/procedures/${procedures.data.procedures[0]?.procedureCode ?? ''}`
  const before = procedures.hits
  t.equal((await app.inject({ method: 'GET', url, headers: auth })).headers['x-cache'], 'miss')
  t.equal((await app.inject({ method: 'GET', url, headers: auth })).headers['x-cache'], 'hit')
  t.equal(procedures.hits - before, 1)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const expired = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(expired.statusCode, 200)
  t.equal(expired.headers['x-cache'], 'miss')
  t.equal(procedures.hits - before, 2, 'asked again once expired')
})

t.test('PROCEDURES_CACHE_TTL_S=0 keeps nothing', async (t) => {
  const { app, procedures, headers, redisUrl } = await gateway(t, { env: { PROCEDURES_CACHE_TTL_S: '0' } })
  const auth = await headers(MOTCUA)
  const url = `/api/v1/procedures/${procedures.data.procedures[0]?.procedureCode ?? ''}`
  const before = procedures.hits
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url, headers: auth })).headers['x-cache'], 'miss')
  t.equal(procedures.hits - before, 3)
  t.same(await (await redisOf(t, redisUrl)).keys(`${app.config.cache.prefix}*`), [])
})

t.test('personal data is never kept: land parcels and dossiers reach their source on every request', async (t) => {
  const { app, procedures, headers, redisUrl } = await gateway(t, { seedSector: true })
  const parcel = sectorSeedData().landParcels[0]
  const dossier = procedures.register.dossiers()[0]
  if (parcel === undefined || dossier === undefined) throw new Error('no data')
  let reads = 0
  const getRecord = app.sector.getRecord.bind(app.sector)
  const listRecords = app.sector.listRecords.bind(app.sector)
  app.sector.getRecord = async (...args) => { reads++; return await getRecord(...args) }
  app.sector.listRecords = async (...args) => { reads++; return await listRecords(...args) }

  for (let i = 0; i < 3; i++) {
    const one = await app.inject({ method: 'GET', url: `/api/v1/sectors/land/parcels/${parcel.parcelId}`, headers: await headers(SECTOR) })
    t.equal(one.statusCode, 200)
    t.equal(one.headers['x-cache'], undefined)
    const page = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { communeCode: parcel.communeCode }, headers: await headers(SECTOR) })
    t.equal(page.statusCode, 200)
    t.equal(page.headers['x-cache'], undefined)
  }
  t.equal(reads, 6, 'every land request read the table')

  const before = procedures.hits
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/dossiers/${dossier.dossierCode}`, headers: await headers({ ...MOTCUA, purpose: 'TTHC' }) })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-cache'], undefined)
  }
  t.equal(procedures.hits - before, 3, 'every dossier request reached the one-stop system')
  t.same(await (await redisOf(t, redisUrl)).keys(`${app.config.cache.prefix}*`), [], 'nothing in Redis')
})

t.test('the policy: a declaration marked cacheable but holding personal data is still never kept', async (t) => {
  const datasets = await loadDatasets(DEFAULT_DATASETS_DIR, schemasDir)
  const byKey = (key: string): DatasetDeclaration => {
    const found = datasets.find((declaration) => `${declaration.sector}/${declaration.dataset}` === key)
    if (found === undefined) throw new Error(`no ${key}`)
    return found
  }
  t.equal(datasetCacheTtl(byKey('health/facilities')), 3600)
  t.equal(datasetCacheTtl(byKey('land/parcels')), 0)
  t.equal(datasetCacheTtl(byKey('enterprise/registrations')), 0)
  t.equal(datasetCacheTtl({ ...byKey('land/parcels'), cacheable: true, ttlSeconds: 60 }), 0, 'personal fields')
  t.equal(datasetCacheTtl({ ...byKey('health/facilities'), personalData: { fields: [], subjectIdField: 'facilityCode' } }), 0, 'a data subject')
})

t.test('upstream failures and "not found" are not kept', async (t) => {
  const { app, procedures, headers } = await gateway(t, { env: { UPSTREAM_RETRIES: '0' } })
  const auth = await headers(MOTCUA)
  const url = `/api/v1/procedures/${procedures.data.procedures[1]?.procedureCode ?? ''}`
  procedures.faults = { status: 503 }
  const failing = await concurrently(5, async () => await app.inject({ method: 'GET', url, headers: auth }))
  t.ok(failing.every((res) => res.statusCode === 503), 'all told of the failure')
  t.ok(failing.every((res) => res.headers['x-cache'] === undefined))
  procedures.faults = {}
  const before = procedures.hits
  const ok = await app.inject({ method: 'GET', url, headers: auth })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['x-cache'], 'miss', 'the failure was not kept')
  t.equal(procedures.hits - before, 1)

  for (let i = 0; i < 2; i++) {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/procedures/9.999999', headers: auth })
    t.equal(missing.statusCode, 404)
    t.equal(missing.headers['x-cache'], undefined)
  }
  t.equal(procedures.hits - before, 3, 'each 404 asked the upstream')
})

t.test('Redis stopped: reference data is still served, from memory or the upstream, without waiting on Redis', async (t) => {
  const privateRedis = await startPrivateRedis()
  if (privateRedis === undefined) throw new Error('This test needs redis-server on PATH (Debian: apt-get install redis-server; macOS: brew install redis)')
  t.teardown(() => privateRedis.stop())
  const { app, procedures, headers } = await gateway(t, { env: { REDIS_URL: privateRedis.url } })
  const auth = await headers(MOTCUA)
  const [kept, other] = procedures.data.procedures.slice(5, 7)
  if (kept === undefined || other === undefined) throw new Error('empty catalogue')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/procedures/${kept.procedureCode}`, headers: auth })).headers['x-cache'], 'miss')

  await privateRedis.stop()
  const before = procedures.hits
  const fromMemory = await app.inject({ method: 'GET', url: `/api/v1/procedures/${kept.procedureCode}`, headers: auth })
  t.equal(fromMemory.statusCode, 200)
  t.equal(fromMemory.headers['x-cache'], 'hit', 'kept in this gateway\'s memory too')
  const started = performance.now()
  const fromUpstream = await app.inject({ method: 'GET', url: `/api/v1/procedures/${other.procedureCode}`, headers: auth })
  const elapsed = performance.now() - started
  t.equal(fromUpstream.statusCode, 200)
  t.same(fromUpstream.json(), other)
  t.equal(fromUpstream.headers['x-cache'], 'miss')
  t.ok(elapsed < 1000, `answered in ${Math.round(elapsed)} ms`)
  t.equal(procedures.hits - before, 1)
  const search = await app.inject({ method: 'GET', url: '/api/v1/procedures?q=khai%20sinh', headers: auth })
  t.equal(search.statusCode, 200)
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503, 'and the gateway says it is not ready')
  t.match(ready.json(), { status: 'not-ready', checks: { redis: { status: 'down' }, procedures: { status: 'up' } } })
})

t.test('Redis that stops answering is given up after redisTimeoutMs; the upstream answers', async (t) => {
  const privateRedis = await startPrivateRedis()
  if (privateRedis === undefined) throw new Error('This test needs redis-server on PATH (Debian: apt-get install redis-server; macOS: brew install redis)')
  t.teardown(() => privateRedis.stop())
  const redis = new Redis(privateRedis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  t.teardown(() => { redis.disconnect() })
  const errors: string[] = []
  const cache = createResponseCache({ redis, prefix: 'lgsp:test:hung:', redisTimeoutMs: 100, onRedisError: (err, operation) => errors.push(`${operation}: ${err.message}`) })

  const admin = new Redis(privateRedis.url)
  t.teardown(() => { admin.disconnect() })
  await admin.call('CLIENT', 'PAUSE', '3000', 'ALL')
  let loads = 0
  const started = performance.now()
  const answer = await cache.read(cacheKey('test/hung'), 60, async () => { loads++; return { answer: 42 } })
  const elapsed = performance.now() - started
  t.same(answer, { value: { answer: 42 }, outcome: 'miss' })
  t.equal(loads, 1)
  t.ok(elapsed < 1000, `answered in ${Math.round(elapsed)} ms`)
  t.match(errors, [/^read: Redis did not answer within 100 ms/, /^write: Redis did not answer within 100 ms/])
  t.same(await cache.read(cacheKey('test/hung'), 60, async () => { loads++; return { answer: 43 } }), { value: { answer: 42 }, outcome: 'hit' }, 'kept in memory')
})

t.test('cache keys: stable under parameter order, undefined parameters left out, names apart', async (t) => {
  t.equal(cacheKey('procedures/search', { q: 'ho tich', limit: 5 }), cacheKey('procedures/search', { limit: 5, q: 'ho tich', agency: undefined }))
  t.not(cacheKey('procedures/search', { limit: 5 }), cacheKey('procedures/search', { limit: 6 }))
  t.not(cacheKey('procedures/search', { limit: 5 }), cacheKey('procedures/search', { limit: '5' }))
  t.not(cacheKey('sector/health/facilities/get', { id: '1' }), cacheKey('procedures/get', { id: '1' }))
  t.match(cacheKey('procedures/get', { procedureCode: '1.001612' }), /^v1:procedures\/get:[A-Za-z0-9_-]{43}$/)
})

t.test('Redis is the shared layer: without REDIS_URL the cache still keeps answers in memory', async (t) => {
  let loads = 0
  const cache = createResponseCache({ prefix: 'unused:' })
  const load = async (): Promise<{ n: number }> => { loads++; await new Promise((resolve) => setTimeout(resolve, 50)); return { n: loads } }
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await cache.read(cacheKey('memory'), 60, load)))
  t.equal(loads, 1)
  t.ok(answers.every((answer) => answer.value.n === 1 && answer.outcome === 'miss'))
  t.same(await cache.read(cacheKey('memory'), 60, load), { value: { n: 1 }, outcome: 'hit' })
  const first = await cache.read(cacheKey('copies'), 60, async () => ({ list: [1] }))
  first.value.list.push(2)
  t.same((await cache.read(cacheKey('copies'), 60, async () => ({ list: [0] }))).value, { list: [1] }, 'a reader cannot change what others get')
})
