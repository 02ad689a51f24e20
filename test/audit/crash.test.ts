import t from 'tap'
import { Agent, request } from 'undici'
import { verifyChain } from '../../src/audit/reader.js'
import { openDb, type StoreConfig } from '../../src/store/db.js'
import { gatewayProcessEnv } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'
import { startGatewayProcess } from '../support/processes.js'
import { startUpstreams } from '../support/upstreams.js'

/**
 * kill -9 of a gateway under load: every response it sent had its audit record committed first, and no
 * committed record is lost or leaves the chain broken. Then a new gateway on the same store carries on the chain.
 */

t.test('kill -9 under load loses no committed audit record, and no response left without one', async (t) => {
  const { population: simulator, procedures } = await startUpstreams(t)
  const env = await gatewayProcessEnv(t, { populationUrl: simulator.url, proceduresUrl: procedures.url })
  const gateway = await startGatewayProcess(t, env)
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

  const store: StoreConfig = env.DATABASE_URL !== undefined
    ? { driver: 'postgres', url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA as string, poolSize: 2 }
    : { driver: 'pglite', dataDir: env.STORE_DIR as string }
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
  const restarted = await startGatewayProcess(t, env)
  for (let i = 0; i < 20; i++) {
    const res = await request(`${restarted.url}/api/v1/citizens/${simulator.population.citizenAt(i).personalId}`, { headers, dispatcher })
    t.equal(res.statusCode, 200)
    await res.body.dump()
  }
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  const res = await request(`${restarted.url}/admin/v1/audit/verify`, { headers: admin, dispatcher })
  t.match(await res.body.json(), { intact: true }, 'the chain is still one after the restart')
})
