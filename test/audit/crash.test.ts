import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { Agent, request } from 'undici'
import { verifyChain } from '../../src/audit/reader.js'
import { projectRoot } from '../../src/paths.js'
import { openDb, type StoreConfig } from '../../src/store/db.js'
import { startProceduresSimulator } from '../../adapters/procedures/simulator.js'
import { jwksOf, redisPrefix, signingKeys, signTestToken, startSimulator, tempFiles, TEST_CLIENTS, TEST_CREDENTIALS, TEST_PROCEDURES_KEY, AUDIENCE, ISSUER, testRedisUrl, testStoreEnv } from '../helper.js'

/**
 * kill -9 of a gateway under load: every response it sent had its audit record committed first, and no
 * committed record is lost or leaves the chain broken. Then a new gateway on the same store carries on the chain.
 */

async function startGateway (env: Record<string, string>): Promise<{ url: string, kill: () => Promise<void> }> {
  // Same TypeScript loader this test runs under, so the source is tested without a build step.
  const child = spawn(process.execPath, [...process.execArgv, join(projectRoot, 'src/server.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const deadline = Date.now() + 30_000
  let match: RegExpExecArray | null = null
  while ((match = /Server listening at (http:\/\/127\.0\.0\.1:[0-9]+)/.exec(output)) === null) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: match[1] as string,
    async kill () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  }
}

t.test('kill -9 under load loses no committed audit record, and no response left without one', async (t) => {
  const simulator = await startSimulator(t)
  const procedures = await startProceduresSimulator({ apiKey: TEST_PROCEDURES_KEY })
  t.teardown(() => procedures.close())
  const redisUrl = await testRedisUrl(t)
  const storeEnv = await testStoreEnv(t)
  const files = await tempFiles(t, {
    'jwks.json': JSON.stringify(jwksOf(await signingKeys())),
    'grants.json': JSON.stringify({ clients: TEST_CLIENTS })
  })
  const env = {
    DEMO: 'false',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    POPULATION_URL: simulator.url,
    POPULATION_USERNAME: TEST_CREDENTIALS.username,
    POPULATION_SECRET: TEST_CREDENTIALS.secret,
    PROCEDURES_URL: procedures.url,
    PROCEDURES_API_KEY: TEST_PROCEDURES_KEY,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_JWKS_FILE: files['jwks.json'] as string,
    GRANTS_FILE: files['grants.json'] as string,
    REDIS_URL: redisUrl,
    RATE_LIMIT_PREFIX: await redisPrefix(t, redisUrl),
    RATE_LIMIT_PER_MINUTE: '1000000',
    SECTOR_CURSOR_SECRET: 'sector-cursor-secret-for-tests',
    SECTOR_UPSTREAM_HEALTH_URL: 'http://127.0.0.1:9/api',
    ...storeEnv
  }
  const gateway = await startGateway(env)
  t.teardown(() => gateway.kill())
  const headers = { authorization: `Bearer ${await signTestToken()}`, 'x-purpose': 'TTHC' }
  const dispatcher = new Agent({ connections: 32 })
  t.teardown(() => dispatcher.close())

  // 16 callers in a loop until the gateway dies; each remembers the request ids that got data back
  const disclosed: string[] = []
  let sent = 0
  let stopped = false
  const caller = async (worker: number): Promise<void> => {
    for (let n = 0; !stopped; n++) {
      const requestId = `crash-${worker}-${n}-${Date.now()}`
      sent++
      try {
        const res = await request(`${gateway.url}/api/v1/citizens/${simulator.population.citizenAt((worker * 1000 + n) % 5000).personalId}`, {
          headers: { ...headers, 'x-request-id': requestId }, dispatcher
        })
        const body = await res.body.text()
        if (res.statusCode === 200 && body.includes('fullName')) disclosed.push(requestId)
      } catch {
        return // the gateway is gone
      }
    }
  }
  const callers = Array.from({ length: 16 }, async (_, worker) => await caller(worker))
  while (disclosed.length < 300) await new Promise((resolve) => setTimeout(resolve, 10))
  await gateway.kill()
  stopped = true
  await Promise.all(callers)
  t.ok(disclosed.length >= 300, `${disclosed.length} responses with data before the kill (${sent} sent)`)

  const store: StoreConfig = storeEnv.DATABASE_URL !== undefined
    ? { driver: 'postgres', url: storeEnv.DATABASE_URL, schema: storeEnv.DATABASE_SCHEMA as string, poolSize: 2 }
    : { driver: 'pglite', dataDir: storeEnv.STORE_DIR as string }
  const db = await openDb(store)
  try {
    const recorded = new Set((await db.query<{ requestId: string }>('SELECT request_id AS "requestId" FROM audit_records WHERE status = 200'))
      .map((row) => row.requestId))
    const unaudited = disclosed.filter((requestId) => !recorded.has(requestId))
    t.same(unaudited, [], 'every response with data has its committed audit record')
    const verification = await verifyChain(db)
    t.match(verification, { intact: true }, `the chain verifies after the kill (${verification.checked} records)`)
  } finally {
    await db.close()
  }

  // A new gateway on the same store continues the same chain.
  const restarted = await startGateway(env)
  t.teardown(() => restarted.kill())
  for (let i = 0; i < 20; i++) {
    const res = await request(`${restarted.url}/api/v1/citizens/${simulator.population.citizenAt(i).personalId}`, { headers, dispatcher })
    t.equal(res.statusCode, 200)
    await res.body.dump()
  }
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  const res = await request(`${restarted.url}/admin/v1/audit/verify`, { headers: admin, dispatcher })
  t.match(await res.body.json(), { intact: true }, 'the chain is still one after the restart')
})
