import fc from 'fast-check'
import t from 'tap'
import type { Client } from '../../src/auth/grants.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken, TEST_CLIENTS } from '../support/identity.js'
import { refusedAuthorizations } from './auth-variants.js'
import { documentTools, operationsOf, type OpenApiDocument, type Operation } from './openapi-document.js'
import { describe, documentVerdict, injectOptions, invalidRequest, validRequest, type FuzzRequest, type RequestFactoryOptions } from './requests.js'
import { responseViolations } from './response-checks.js'
import type { SchemaContext } from './schema-arbitraries.js'
import { SeedPool } from './seed-pool.js'

/**
 * API fuzz test generated from the gateway's own OpenAPI document (app.swagger()). For every operation, valid
 * requests drawn from the declared parameter and body schemas, and invalid ones: a valid request with one thing
 * wrong (a parameter, the body, its media type or size, the token). Every answer must be a status the operation
 * declares, with a body valid against the schema declared for it, problem+json for errors, the request id
 * echoed, no stack trace, and never a 5xx (the simulators are healthy: a 502/503/504 is a bug too).
 *
 * FUZZ_SEED and FUZZ_RUNS (per operation, for valid and for invalid requests each) override the defaults. A
 * failure prints fast-check's seed and path, and the request and answer; rerun with that FUZZ_SEED to replay.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20250701)
const RUNS = Number(process.env.FUZZ_RUNS ?? 30)
/** Per operation and kind: generating and, after a failure, shrinking stop here (the property then fails). */
const TIME_LIMIT_MS = 10_000
/** Operations besides the sector datasets' (which add two each): routes only get added. */
const MIN_OPERATIONS = 18

const FUZZER = 'VN.FUZZ.ALL'
const WITHOUT_GRANTS = 'VN.FUZZ.NOBODY'
const SUSPENDED = 'VN.FUZZ.SUSPENDED'
/** The clients the fuzzer's own tokens depend on: never offered to the write operations. */
const FUZZER_CLIENTS = /^VN\.FUZZ\./
const PURPOSES = ['TTHC', 'FUZZ']
const UNLIMITED = 1_000_000
const OPEN_DOSSIER = ['received', 'processing', 'additional-documents-requested']

const isUndocumented = (path: string): boolean => path === '/docs' || path.startsWith('/docs/') || path === '/openapi.json'

/** Collections before the items they list (their answers seed the item ids); revocations last. */
function rank (operation: Operation): number {
  return operation.parameters.filter((parameter) => parameter.in === 'path').length + (operation.method === 'DELETE' ? 100 : 0)
}

function statuses (counts: ReadonlyMap<number, number>): string {
  return [...counts].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')
}

t.test('every operation of the OpenAPI document answers generated valid and invalid requests as it declares', async (t) => {
  const clients: Client[] = [
    ...TEST_CLIENTS,
    { clientId: WITHOUT_GRANTS, name: 'Registered, granted nothing', status: 'active', grants: [] },
    { clientId: SUSPENDED, name: 'Suspended fuzzer', status: 'suspended', admin: true, grants: [] }
  ]
  // the per-address limit of failed authentications is tested on its own (test/auth); here every operation's
  // refused tokens come from one address, more of them than a minute allows as operations get added
  const gateway = await buildTestGateway(t, { clients, seedSector: true, env: { ANON_RATE_LIMIT_PER_MINUTE: String(UNLIMITED) } })
  const { app } = gateway
  await app.ready()

  const tools = documentTools(app.swagger() as unknown as OpenApiDocument)
  const operations = operationsOf(tools.document, isUndocumented)
    .map((operation, index) => ({ operation, index }))
    .sort((a, b) => rank(a.operation) - rank(b.operation) || a.index - b.index)
    .map(({ operation }) => operation)
  t.ok(operations.length >= MIN_OPERATIONS, `${operations.length} operations to fuzz (at least ${MIN_OPERATIONS})`)
  const documented = new Set(operations.map((operation) => operation.key))
  for (const [service, routes] of app.serviceOperations) {
    for (const route of routes) t.ok(documented.has(`${route.method} ${route.path}`), `${route.method} ${route.path} (${service}) is fuzzed`)
  }

  // One client granted every service a route names (every purpose it may state, no rate limit to speak of) and administration.
  const services = [...app.serviceOperations.keys()]
  await app.clients.putClient({
    clientId: FUZZER,
    name: 'Fuzzer: every service, and admin',
    status: 'active',
    admin: true,
    rateLimitPerMinute: UNLIMITED,
    grants: services.map((service) => ({ service, purposes: PURPOSES, rateLimitPerMinute: UNLIMITED }))
  })
  const scopes = [...services, 'admin']
  const authorization = `Bearer ${await signTestToken({ clientId: FUZZER, scopes })}`
  const badAuth = await refusedAuthorizations({ granted: FUZZER, scopes, withoutGrants: WITHOUT_GRANTS, suspended: SUSPENDED, unregistered: 'VN.FUZZ.GHOST' })

  // Seeds: records the simulators hold (dossiers still open, so a status change can succeed), then the answers.
  const pool = new SeedPool(FUZZER_CLIENTS)
  for (let index = 0; index < 12; index++) pool.harvest(gateway.simulator.population.citizenAt(index))
  const dossiers = gateway.procedures.register.dossiers()
  const open = dossiers.filter((dossier) => OPEN_DOSSIER.includes(dossier.status))
  for (const dossier of [...open.slice(0, 20), ...dossiers.filter((dossier) => !open.includes(dossier)).slice(0, 5)]) pool.add('dossierCode', dossier.dossierCode)
  for (const procedure of gateway.procedures.data.procedures.slice(0, 12)) pool.add('procedureCode', procedure.procedureCode)
  for (const client of TEST_CLIENTS) pool.add('clientId', client.clientId)
  for (const service of services) pool.add('service', service)

  // X-Purpose is declared as a string: its grammar (CODE or CODE:reference) and the granted codes are the gateway's rules.
  const overrides = {
    'x-purpose': fc.tuple(fc.constantFrom(...PURPOSES), fc.option(fc.stringMatching(/^[A-Za-z0-9._/-]{1,40}$/), { nil: undefined }))
      .map(([code, reference]) => reference === undefined ? code : `${code}:${reference}`)
  }
  // A fresh context per property: its seeds are what the pool holds when the property starts.
  const factoryFor = (operation: Operation): RequestFactoryOptions => {
    const context: SchemaContext & typeof tools = {
      ...tools,
      overrides,
      seeds: (name, schema) => pool.seedsFor(tools, operation, name, schema),
      seedObjects: (schema) => pool.objectsFitting(tools, schema)
    }
    return { tools: context, authorization: () => authorization, badAuth, bodyLimitBytes: app.config.bodyLimitBytes }
  }

  /** Sends a request and returns what is wrong with the answer: the checks of every answer, and those of its kind. */
  const send = async (request: FuzzRequest, kind: 'valid' | 'invalid', counts: Map<number, number>): Promise<string | undefined> => {
    const { operation } = request
    const response = await app.inject(injectOptions(request))
    const status = response.statusCode
    counts.set(status, (counts.get(status) ?? 0) + 1)
    const violations = responseViolations(tools, request, response)
    const verdict = documentVerdict(tools, request)
    if (kind === 'valid') {
      if (verdict.length > 0) violations.push(`fuzzer bug: the valid request breaks the document: ${verdict.join('; ')}`)
      if (operation.secured && (status === 401 || status === 403)) violations.push(`refused (${status}) although the token holds every scope and the purpose is granted`)
    } else if (request.expect !== undefined) {
      if (!request.expect.accepts(status)) violations.push(`${status} for ${request.expect.why}`)
    } else if (verdict.length > 0 && (status < 400 || status >= 500)) {
      violations.push(`${status} although the document refuses the request: ${verdict.join('; ')}`)
    }
    if (status >= 200 && status < 300 && response.body !== '') {
      try { pool.harvestAnswer(operation.path, JSON.parse(response.body)) } catch { /* reported by the checks */ }
    }
    if (violations.length === 0) return undefined
    return `\n${describe(request)}\n→ ${status} ${String(response.headers['content-type'] ?? '')}\n  ${response.body.slice(0, 1500)}\n${violations.map((violation) => `  ✗ ${violation}`).join('\n')}`
  }

  for (const operation of operations) {
    for (const kind of ['valid', 'invalid'] as const) {
      await t.test(`${operation.key} ${kind}`, async (t) => {
        const counts = new Map<number, number>()
        const requests = kind === 'valid' ? validRequest(operation, factoryFor(operation)) : invalidRequest(operation, factoryFor(operation))
        await fc.assert(fc.asyncProperty(requests, async (request: FuzzRequest) => {
          const failure = await send(request, kind, counts)
          if (failure !== undefined) throw new Error(failure)
        }), { seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS, { failOnInterrupt: true })] })
        t.pass(`answered ${statuses(counts)}`)
      })
    }
  }

  t.comment(`FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}: ${operations.length} operations`)
})
