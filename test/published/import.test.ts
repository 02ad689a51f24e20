import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import YAML from 'yaml'
import { loadPublishedServices, type PublishedService } from '../../adapters/published/loader.js'
import { schemasDir } from '../../src/paths.js'
import { ImportError, importService, PLACEHOLDER_AGENCY_CODE, PLACEHOLDER_URL, serviceIdFromTitle, type ImportResult } from '../../src/published/import.js'
import { main } from '../../scripts/service-import.js'

/**
 * `npm run service:import`: a provider's OpenAPI document, written here as an agency would (Vietnamese names, OAuth
 * 2.0 client credentials, a list, a write, operations the gateway cannot publish), becomes a starting declaration
 * that the gateway's loader accepts, with its guesses and placeholders listed; the command line writes it whole or
 * not at all.
 */

const PROVIDER = `
openapi: 3.0.3
info:
  title: Cơ sở dữ liệu hộ tịch điện tử
  version: 2.3.1
  description: Tra cứu khai sinh của Sở Tư pháp.
servers:
  - url: https://hotich.phutho.gov.vn/api
  - url: /noi-bo
security:
  - sso: [hotich.doc]
paths:
  /khai-sinh:
    get:
      operationId: timKhaiSinh
      parameters:
        - { name: soDinhDanh, in: query, required: true, schema: { type: string, pattern: '^[0-9]{12}$' } }
        - { name: trang, in: query, schema: { type: integer, format: int32 } }
      responses:
        '200':
          description: Danh sách
          content:
            application/json:
              schema: { type: object, properties: { items: { type: array, items: { $ref: '#/components/schemas/KhaiSinh' } }, tongSo: { type: integer } } }
  /khai-sinh/{soDangKy}:
    get:
      operationId: layKhaiSinh
      parameters: [{ name: soDangKy, in: path, required: true, schema: { type: string } }]
      responses:
        '200': { description: Một bản ghi, content: { application/json: { schema: { $ref: '#/components/schemas/KhaiSinh' } } } }
        '404': { description: Không có }
  /ban-sao/{soDangKy}:
    get:
      operationId: taiBanSao
      parameters: [{ name: soDangKy, in: path, required: true, schema: { type: string } }]
      responses:
        '200': { description: Bản sao, content: { application/pdf: { schema: { type: string, format: binary } } } }
  /phien:
    get:
      operationId: xemPhien
      parameters: [{ name: PHIEN, in: cookie, required: true, schema: { type: string } }]
      responses:
        '200': { description: Phiên, content: { application/json: { schema: { type: object, properties: { hieuLuc: { type: boolean } } } } } }
  /yeu-cau:
    post:
      operationId: nopYeuCau
      security: [{ sso: [hotich.ghi] }]
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, required: [soDinhDanh], properties: { soDinhDanh: { type: string }, noiDung: { type: string } } } } }
      responses:
        '201':
          description: Đã nhận
          content: { application/json: { schema: { type: object, required: [maYeuCau], properties: { maYeuCau: { type: string }, hoTen: { type: string }, soDinhDanh: { type: string } } } } }
components:
  securitySchemes:
    sso:
      type: oauth2
      flows: { clientCredentials: { tokenUrl: 'https://sso.phutho.gov.vn/oauth2/token', scopes: { hotich.doc: Đọc, hotich.ghi: Ghi } } }
  schemas:
    KhaiSinh:
      type: object
      required: [soDangKy, nguoiDuocKhaiSinh]
      properties:
        soDangKy: { type: string, example: KS-2024-000001 }
        ngayDangKy: { type: string, format: date }
        nguoiDuocKhaiSinh:
          type: object
          properties:
            hoTen: { type: string }
            ngaySinh: { type: string, format: date }
            gioiTinh: { type: string, enum: [Nam, Nữ] }
            soDinhDanh: { type: string }
        cha: { type: object, properties: { ten: { type: string }, namSinh: { type: integer }, cccd: { type: string } } }
        noiDangKy: { type: object, properties: { ten: { type: string }, diaChi: { type: string } } }
`

async function tempDir (t: Test, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `service-import-${name}-`))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The declaration and the document written as the CLI writes them, then read by the gateway's loader. */
async function load (t: Test, result: ImportResult, documentText: string): Promise<PublishedService> {
  const dir = await tempDir(t, 'load')
  const folder = join(dir, result.declaration.service)
  await mkdir(folder)
  await writeFile(join(folder, 'service.json'), JSON.stringify(result.declaration))
  await writeFile(join(folder, result.declaration.openapi), documentText)
  const [service] = await loadPublishedServices(dir, schemasDir)
  if (service === undefined) throw new Error('no service loaded')
  return service
}

const json = (document: object): string => JSON.stringify(document)

test('a provider document becomes a declaration the loader accepts, guesses and placeholders listed', async (t) => {
  const result = importService(YAML.parse(PROVIDER), { openapiFile: 'provider.yaml', service: 'tuphap.ho-tich', owner: { agencyCode: 'H25.18', name: 'Sở Tư pháp tỉnh Phú Thọ' } })
  const { declaration, review, skipped } = result
  t.match(declaration, {
    service: 'tuphap.ho-tich',
    version: '2.3.1',
    title: 'Cơ sở dữ liệu hộ tịch điện tử',
    description: 'Tra cứu khai sinh của Sở Tư pháp.',
    owner: { agencyCode: 'H25.18', name: 'Sở Tư pháp tỉnh Phú Thọ' },
    classification: 'restricted',
    openapi: 'provider.yaml'
  })
  t.same(declaration.upstream, {
    urls: ['https://hotich.phutho.gov.vn/api'],
    credentials: { kind: 'oauth2-client-credentials', tokenUrl: 'https://sso.phutho.gov.vn/oauth2/token', scope: 'hotich.doc hotich.ghi' }
  }, 'absolute servers only; the scopes the published operations ask for')
  t.same(declaration.operations.map((operation) => operation.operationId), ['timKhaiSinh', 'layKhaiSinh', 'nopYeuCau'])

  const [list, one, write] = declaration.operations
  const personal = ['/nguoiDuocKhaiSinh/hoTen', '/nguoiDuocKhaiSinh/ngaySinh', '/nguoiDuocKhaiSinh/gioiTinh', '/nguoiDuocKhaiSinh/soDinhDanh', '/cha/ten', '/cha/namSinh', '/cha/cccd']
  t.same(list, {
    operationId: 'timKhaiSinh',
    purposes: ['TTHC'],
    records: '/items',
    keyFields: ['soDangKy'],
    personalData: { properties: personal, subjects: { request: ['/query/soDinhDanh'], response: ['/nguoiDuocKhaiSinh/soDinhDanh', '/cha/cccd'] } }
  }, 'records at the only list; `ten` personal under cha, not under noiDangKy')
  t.same(one?.personalData?.subjects, { response: ['/nguoiDuocKhaiSinh/soDinhDanh', '/cha/cccd'] })
  t.equal(one?.records, undefined, 'one record')
  t.same(write, {
    operationId: 'nopYeuCau',
    idempotent: false,
    purposes: ['TTHC'],
    keyFields: ['maYeuCau'],
    personalData: { properties: ['/hoTen', '/soDinhDanh'], subjects: { request: ['/body/soDinhDanh'], response: ['/soDinhDanh'] } }
  }, 'a POST says it is not idempotent')

  t.same(skipped.map((skip) => skip.operation), ['taiBanSao', 'xemPhien'])
  t.match(skipped[0]?.reason, /application\/pdf: the gateway publishes JSON bodies only/)
  t.match(skipped[1]?.reason, /cookie PHIEN/)
  const placeholders = review.filter((note) => note.kind === 'placeholder').map((note) => note.at)
  t.same(placeholders.sort(), ['/legalBasis', '/operations/0/purposes', '/operations/1/purposes', '/operations/2/purposes'])
  t.ok(review.some((note) => note.kind === 'note' && /\/noiDangKy\/ten, \/noiDangKy\/diaChi/.test(note.text)), 'names that could be personal but are not, said')
  t.ok(review.some((note) => note.at === '/operations/2/idempotent'))

  const service = await load(t, result, PROVIDER)
  t.same(service.operations.map((operation) => [operation.declaration.operationId, operation.personal, operation.idempotent]), [
    ['timKhaiSinh', true, true], ['layKhaiSinh', true, true], ['nopYeuCau', true, false]
  ])
})

test('credentials from the security scheme the operations use', async (t) => {
  const document = (openapi: string, schemes: object, security: object[] | undefined, extra: object = {}): Record<string, unknown> => ({
    openapi,
    info: { title: 'Đất đai: Thửa đất', version: '1.0' },
    servers: [{ url: 'http://datdai.local:8080' }],
    ...(security === undefined ? {} : { security }),
    paths: {
      '/thua-dat/{maThua}': {
        get: {
          operationId: 'layThuaDat',
          parameters: [{ name: 'maThua', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: ['maThua'], properties: { maThua: { type: 'string' }, dienTich: { type: 'number' } } } } } } }
        }
      },
      ...extra
    },
    components: { securitySchemes: schemes }
  })
  const cases: Array<[string, Record<string, unknown>, object]> = [
    ['api key in a header', document('3.0.3', { khoa: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } }, [{ khoa: [] }]), { kind: 'api-key', header: 'X-Api-Key' }],
    ['HTTP Basic', document('3.0.3', { coBan: { type: 'http', scheme: 'Basic' } }, [{ coBan: [] }]), { kind: 'basic' }],
    ['mutual TLS (3.1)', document('3.1.0', { tls: { type: 'mutualTLS' } }, [{ tls: [] }]), { kind: 'tls-client-certificate' }],
    ['no security', document('3.0.3', {}, undefined), { kind: 'none' }],
    ['OAuth 2.0, a token URL relative to the server', document('3.0.3', { o: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/token', scopes: {} } } } }, [{ o: [] }]), { kind: 'oauth2-client-credentials', tokenUrl: 'http://datdai.local:8080/token' }],
    ['the scheme most operations accept', document('3.0.3', { coBan: { type: 'http', scheme: 'basic' }, khoa: { type: 'apiKey', in: 'header', name: 'X-Key' } }, [{ coBan: [] }, { khoa: [] }], {
      '/khac': { get: { operationId: 'khac', security: [{ khoa: [] }], responses: { 204: { description: 'ok' } } } }
    }), { kind: 'api-key', header: 'X-Key' }]
  ]
  for (const [name, parsed, credentials] of cases) {
    const result = importService(parsed, { openapiFile: 'provider.json' })
    t.same(result.declaration.upstream.credentials, credentials, name)
    t.equal(result.declaration.service, 'dat-dai.thua-dat', `${name}: the id from the title`)
    t.equal(result.declaration.upstream.urls[0], 'http://datdai.local:8080')
    t.same(result.declaration.operations[0]?.keyFields, ['maThua'])
    t.equal(result.declaration.operations[0]?.personalData, undefined, `${name}: nothing personal`)
    t.equal((await load(t, result, json(parsed))).declaration.upstream.credentials.kind, (credentials as { kind: string }).kind)
  }

  const mixed = importService(document('3.0.3', { bearer: { type: 'http', scheme: 'bearer' }, coBan: { type: 'http', scheme: 'basic' } }, [{ coBan: [] }], {
    '/token': { get: { operationId: 'chiBearer', security: [{ bearer: [] }], responses: { 204: { description: 'ok' } } } }
  }), { openapiFile: 'provider.json' })
  t.same(mixed.declaration.operations.map((operation) => operation.operationId), ['layThuaDat'])
  t.match(mixed.skipped, [{ operation: 'chiBearer', reason: /bearer.*declare the credentials by hand/ }], 'an operation the credentials cannot call is left out, with why')
  t.throws(() => importService(document('3.0.3', { bearer: { type: 'http', scheme: 'bearer' } }, [{ bearer: [] }]), { openapiFile: 'provider.json' }),
    ImportError, 'no operation left: refused, not a declaration that cannot work')
})

test('service id, version, servers, bare arrays and enterprise registers', async (t) => {
  t.equal(serviceIdFromTitle('Tư pháp: Hộ tịch'), 'tu-phap.ho-tich')
  t.equal(serviceIdFromTitle('tuphap.ho-tich'), 'tuphap.ho-tich')
  t.equal(serviceIdFromTitle('Sở Xây dựng - Giấy phép xây dựng'), 'so-xay-dung.giay-phep-xay-dung')
  t.equal(serviceIdFromTitle('Đăng ký đất đai'), undefined, 'one part: no owner code')
  t.equal(serviceIdFromTitle('API v2: 2024'), undefined, 'a part starting with a digit')

  const parsed = {
    openapi: '3.0.3',
    info: { title: 'Đăng ký đất đai', version: 'v2-beta' },
    servers: [{ url: '/relative' }],
    paths: {
      '/chu-su-dung': {
        get: {
          operationId: 'danhSachChu',
          parameters: [{ name: 'cccd', in: 'query', schema: { type: 'string' } }],
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { type: 'object', properties: { hoTen: { type: 'string' }, cccd: { type: 'string' } } } } } } } }
        }
      },
      '/doanh-nghiep/{maSoThue}': {
        get: {
          operationId: 'layDoanhNghiep',
          parameters: [{ name: 'maSoThue', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { tenDoanhNghiep: { type: 'string' }, maSoThue: { type: 'string' }, diaChi: { type: 'string' }, email: { type: 'string' } } } } } } }
        }
      }
    }
  }
  t.throws(() => importService(parsed, { openapiFile: 'provider.json' }), { name: 'ImportError', message: /pass --service/ })
  t.throws(() => importService(parsed, { openapiFile: 'provider.json', service: 'Dat Dai' }), { name: 'ImportError', message: /--service "Dat Dai" is not a service id/ })
  t.throws(() => importService(parsed, { openapiFile: 'provider.json', service: 'tnmt.dat-dai', owner: { agencyCode: 'h25.18' } }), { name: 'ImportError', message: /--owner-code/ })
  t.throws(() => importService({ openapi: '2.0', info: { title: 'x.y', version: '1' } }, { openapiFile: 'provider.json' }), { name: 'ProviderDocumentError', message: /3\.0\.x or 3\.1\.x/ })

  const result = importService(parsed, { openapiFile: 'provider.json', service: 'tnmt.dat-dai', classification: 'confidential' })
  const { declaration, review } = result
  t.equal(declaration.version, '1.0.0')
  t.equal(declaration.classification, 'confidential')
  t.same(declaration.owner.agencyCode, PLACEHOLDER_AGENCY_CODE)
  t.same(declaration.upstream.urls, [PLACEHOLDER_URL], 'no absolute server: a placeholder')
  t.ok(review.some((note) => note.kind === 'placeholder' && note.at === '/upstream/urls'))
  t.ok(review.some((note) => note.kind === 'placeholder' && note.at === '/owner/agencyCode' && note.text.includes(PLACEHOLDER_AGENCY_CODE)))
  t.ok(review.some((note) => note.at === '/version'))
  t.same(declaration.operations[0], {
    operationId: 'danhSachChu',
    purposes: ['TTHC'],
    personalData: { properties: ['/*/hoTen', '/*/cccd'], subjects: { request: ['/query/cccd'], response: ['/*/cccd'] } }
  }, 'a bare array: no records pointer, `*` pointers')
  t.same(declaration.operations[1], { operationId: 'layDoanhNghiep' }, 'an enterprise\'s tax code, address and e-mail are not personal')
  t.ok(review.some((note) => note.at === '/operations/1' && /\/maSoThue, \/diaChi, \/email/.test(note.text)))
  await load(t, result, json(parsed))
})

test('the command line writes the folder whole, refuses to overwrite, and says why it refuses', async (t) => {
  const dir = await tempDir(t, 'cli')
  const source = join(dir, 'ho-tich.yaml')
  await writeFile(source, PROVIDER)
  const out = join(dir, 'services')
  const run = async (...argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
    const seen = { stdout: '', stderr: '' }
    const code = await main(argv, { stdout: { write: (text: string) => { seen.stdout += text } }, stderr: { write: (text: string) => { seen.stderr += text } } })
    return { code, ...seen }
  }
  const args = ['--openapi', source, '--service', 'tuphap.ho-tich', '--owner-code', 'H25.18', '--owner-name', 'Sở Tư pháp tỉnh Phú Thọ', '--out', out]

  const written = await run(...args)
  t.equal(written.code, 0, written.stderr)
  t.equal(written.stderr, '')
  t.same((await readdir(join(out, 'tuphap.ho-tich'))).sort(), ['ho-tich.yaml', 'service.json'])
  t.equal(await readFile(join(out, 'tuphap.ho-tich', 'ho-tich.yaml'), 'utf8'), PROVIDER, 'the document copied unchanged')
  const declaration = JSON.parse(await readFile(join(out, 'tuphap.ho-tich', 'service.json'), 'utf8'))
  t.match(declaration, { service: 'tuphap.ho-tich', openapi: 'ho-tich.yaml', owner: { agencyCode: 'H25.18' } })
  t.match(written.stdout, /Placeholders to replace:\n {2}\[ \] \/legalBasis/)
  t.match(written.stdout, /Skipped operations[^\n]*\n {2}- taiBanSao: /)
  t.match(written.stdout, /PUBLISHED_TUPHAP_HO_TICH_CLIENT_ID, PUBLISHED_TUPHAP_HO_TICH_CLIENT_SECRET/)
  t.match(written.stdout, /grants\/tuphap\.ho-tich/)
  t.equal((await loadPublishedServices(out, schemasDir)).length, 1, 'the services folder loads as the gateway reads it')

  const again = await run(...args)
  t.equal(again.code, 1)
  t.match(again.stderr, /^service:import: .*tuphap\.ho-tich exists: review it, or pass --force to replace it\n$/)
  await writeFile(join(out, 'tuphap.ho-tich', 'service.json'), '{"edited": true}')
  const forced = await run(...args, '--force', '--classification', 'confidential')
  t.equal(forced.code, 0, forced.stderr)
  t.equal(JSON.parse(await readFile(join(out, 'tuphap.ho-tich', 'service.json'), 'utf8')).classification, 'confidential', 'replaced')

  const refusals: Array<[string[], RegExp]> = [
    [['--out', out], /--openapi FILE is required/],
    [['--openapi', source, '--classification', 'secret'], /--classification must be one of public, internal, restricted, confidential/],
    [['--openapi', join(dir, 'missing.yaml')], /cannot be read/],
    [['--openapi', join(dir, 'provider.txt')], /must be a \.json, \.yaml or \.yml file/],
    [['--openapi', source, '--nope'], /Unknown option '--nope'/],
    [['--openapi', source, '--out', out], /cannot derive a service id from info\.title "Cơ sở dữ liệu hộ tịch điện tử".*pass --service/]
  ]
  for (const [argv, message] of refusals) {
    const refused = await run(...argv)
    t.equal(refused.code, 1, argv.join(' '))
    t.match(refused.stderr, message)
    t.match(refused.stderr, /^service:import: [^\n]+\n$/, 'one line')
    t.equal(refused.stdout, '')
  }
  t.same((await readdir(dir)).sort(), ['ho-tich.yaml', 'services'], 'no staging folder left behind')
  t.same(await readdir(out), ['tuphap.ho-tich'])

  const help = await run('--help')
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: npm run -s service:import -- --openapi FILE/)
})
