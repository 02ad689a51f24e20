import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { createPublishedClient } from '../../adapters/published/client.js'
import { loadPublishedServices } from '../../adapters/published/loader.js'
import { UpstreamUnavailableError } from '../../adapters/shared/errors.js'
import { schemasDir } from '../../src/paths.js'

/**
 * A provider that admits only clients holding a certificate its CA signed (mutual TLS): the gateway's client
 * presents the configured certificate and trusts the configured CA; without the certificate the provider hangs up.
 */

function openssl (dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

async function certificates (dir: string): Promise<void> {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test CA')
  for (const [name, subject, extension] of [['server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['client', '/CN=VN.H25.LGSP', 'extendedKeyUsage=clientAuth']] as const) {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    await writeFile(join(dir, `${name}.ext`), `${extension}\n`)
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`)
  }
}

const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'Đất đai', version: '1.0.0' },
  paths: {
    '/thua-dat/{maThua}': {
      get: {
        operationId: 'layThuaDat',
        parameters: [{ name: 'maThua', in: 'path', required: true, schema: { type: 'string', maxLength: 20 } }],
        responses: { 200: { description: 'Thửa đất', content: { 'application/json': { schema: { type: 'object', properties: { maThua: { type: 'string' }, dienTich: { type: 'number' } } } } } } }
      }
    }
  }
}

test('a TLS client certificate opens a provider that requires one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'published-tls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await certificates(dir)
  const read = async (name: string): Promise<Buffer> => await readFile(join(dir, name))
  const seen: string[] = []
  const provider = createServer({ key: await read('server.key'), cert: await read('server.crt'), ca: await read('ca.crt'), requestCert: true, rejectUnauthorized: true }, (request, response) => {
    const peer = (request.socket as import('node:tls').TLSSocket).getPeerCertificate()
    seen.push([peer.subject?.CN ?? ''].flat().join())
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ maThua: request.url?.split('/').at(-1), dienTich: 250.5 }))
  })
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { provider.close() })
  const url = `https://127.0.0.1:${(provider.address() as AddressInfo).port}`

  const services = join(dir, 'services')
  await mkdir(join(services, 'tnmt.dat-dai'), { recursive: true })
  await writeFile(join(services, 'tnmt.dat-dai', 'openapi.json'), JSON.stringify(DOCUMENT))
  await writeFile(join(services, 'tnmt.dat-dai', 'service.json'), JSON.stringify({
    service: 'tnmt.dat-dai',
    version: '1.0.0',
    title: 'Cơ sở dữ liệu đất đai',
    owner: { agencyCode: 'H25.30', name: 'Sở Nông nghiệp và Môi trường' },
    legalBasis: [{ document: '31/2024/QH15' }],
    classification: 'internal',
    openapi: 'openapi.json',
    upstream: { urls: [url], credentials: { kind: 'tls-client-certificate' }, timeoutMs: 2000 },
    operations: [{ operationId: 'layThuaDat' }]
  }))
  const [service] = await loadPublishedServices(services, schemasDir)
  if (service === undefined) throw new Error('no service loaded')
  const operation = service.operations[0]
  if (operation === undefined) throw new Error('no operation')

  const withCertificate = createPublishedClient(service, { secrets: { tls: { cert: join(dir, 'client.crt'), key: join(dir, 'client.key'), ca: join(dir, 'ca.crt') } }, resilience: { retries: 0 } })
  t.teardown(() => withCertificate.close())
  const answer = await withCertificate.call(operation, { path: { maThua: 'T-0042' }, query: {}, headers: {} }, { requestId: 'tls-1' })
  t.same(answer, { status: 200, body: { maThua: 'T-0042', dienTich: 250.5 } })
  t.same(seen, ['VN.H25.LGSP'], 'the provider saw the gateway\'s certificate')

  // without the configured certificate and CA no TLS session is made: unavailable, and the provider sees no call
  const without = createPublishedClient(service, { secrets: {}, resilience: { retries: 0 } })
  t.teardown(() => without.close())
  await t.rejects(without.call(operation, { path: { maThua: 'T-0042' }, query: {}, headers: {} }, { requestId: 'tls-2' }), UpstreamUnavailableError)
  t.equal(seen.length, 1)
})
