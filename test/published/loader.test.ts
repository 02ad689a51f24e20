import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { loadPublishedServices, PublishedServiceError } from '../../adapters/published/loader.js'
import { projectRoot, schemasDir } from '../../src/paths.js'

/**
 * A bad declaration stops the gateway at boot with the file and the field named: the schema's rules, and the
 * ones only the provider's OpenAPI document can check (operations exist, pointers reach answered properties).
 */

const EXAMPLE = 'khcn.dia-chi-so'

test('the shipped declarations load', async (t) => {
  const services = await loadPublishedServices(join(projectRoot, 'services'), schemasDir)
  t.same(services.map((service) => service.declaration.service), ['khcn.dia-chi-so', 'tuphap.ho-tich'])
  const address = services[0]
  t.equal(address?.operations.find((operation) => operation.declaration.operationId === 'thongKeDiaChiSoTheoXa')?.personal, false, 'statistics are not personal data')
  t.ok(address?.operations.filter((operation) => operation.personal).every((operation) => operation.idempotent), 'reads are idempotent')
  const civil = services[1]
  t.equal(civil?.operations.find((operation) => operation.provider.method === 'POST')?.idempotent, false, 'the extract request is not applied once by the provider')
})

test('bad declarations are refused naming the file and the field', async (t) => {
  const cases: Array<[string, (declaration: Record<string, any>) => void, string]> = [
    ['an unknown classification', (d) => { d.classification = 'secret' }, '/classification'],
    ['a property a declaration may not have', (d) => { d.upstream.password = 'x' }, '/upstream/password'],
    ['credentials of an unknown kind', (d) => { d.upstream.credentials = { kind: 'kerberos' } }, '/upstream/credentials/kind'],
    ['an operation the document lacks', (d) => { d.operations[0].operationId = 'khongCo' }, '/operations/0/operationId'],
    ['a personal property the answer lacks', (d) => { d.operations[0].personalData.properties = ['/chuHo/khongCo'] }, '/operations/0/personalData/properties/0'],
    ['a subject in no parameter', (d) => { d.operations[0].personalData.subjects.request = ['/query/khongCo'] }, '/operations/0/personalData/subjects/request/0'],
    ['personal data without purposes', (d) => { delete d.operations[0].purposes }, '/operations/0/purposes'],
    ['a records pointer at no array', (d) => { d.operations[0].records = '/maDiaChi' }, '/operations/0/records'],
    ['a deprecation without sunset', (d) => { d.lifecycle = { status: 'deprecated', deprecatedAt: '2026-01-01' } }, '/lifecycle/sunset'],
    ['an id other than its folder\'s', (d) => { d.service = 'khcn.khac' }, '/service'],
    ['the same operation twice', (d) => { d.operations.push({ ...d.operations[0] }) }, `/operations/${3}/operationId`]
  ]
  for (const [name, change, field] of cases) {
    const dir = await mkdtemp(join(tmpdir(), 'published-bad-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    await cp(join(projectRoot, 'services', EXAMPLE), join(dir, EXAMPLE), { recursive: true })
    const file = join(dir, EXAMPLE, 'service.json')
    const declaration = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>
    change(declaration)
    await writeFile(file, JSON.stringify(declaration))
    const error = await loadPublishedServices(dir, schemasDir).then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof PublishedServiceError, `${name}: refused`)
    t.equal((error as PublishedServiceError).file, file, `${name}: names the file`)
    t.equal((error as PublishedServiceError).field, field, `${name}: names the field (${(error as Error).message})`)
  }
})

test('a provider document that is not OpenAPI 3 is refused naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'published-doc-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(projectRoot, 'services', EXAMPLE), join(dir, EXAMPLE), { recursive: true })
  const document = join(dir, EXAMPLE, 'openapi.yaml')
  await writeFile(document, (await readFile(document, 'utf8')).replace(/^openapi: .*$/m, 'swagger: "2.0"'))
  const error = await loadPublishedServices(dir, schemasDir).then(() => undefined, (err: unknown) => err) as PublishedServiceError
  t.equal(error.file, document)
  t.equal(error.field, '/openapi')
})
