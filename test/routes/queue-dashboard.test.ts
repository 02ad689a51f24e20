import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { DASHBOARD_COOKIE } from '../../src/plugins/app/dashboard-cookie.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'

async function admin (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

t.test('the dashboard, its assets and its JSON API are for administrators only', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  let res = await app.inject({ method: 'GET', url: '/admin/queues' })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', 'our problem, not bull-board\'s error shape')
  t.match(res.json(), { type: 'https://errors.gateway.local/unauthorized', instance: '/admin/queues' })
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues', headers: await headers() })).statusCode, 403, 'not an administrator')

  res = await app.inject({ method: 'GET', url: '/admin/queues', headers: await admin() })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.body, '<base href="/admin/queues/" />')
  const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(res.body)?.[1]
  t.ok(script, 'the page names its script')
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/queue/%7Bsync-population-changes%7D', headers: await admin() })).statusCode, 200, 'a deep link')

  const asset = `/admin/queues/${script ?? ''}`
  t.equal((await app.inject({ method: 'GET', url: asset })).statusCode, 401, 'assets too')
  t.equal((await app.inject({ method: 'HEAD', url: asset })).statusCode, 401, 'HEAD too')
  res = await app.inject({ method: 'GET', url: asset, headers: await admin() })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /javascript/)

  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode, 401, 'the JSON API too')
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: await headers() })).statusCode, 403)
  res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: await admin() })
  t.equal(res.statusCode, 200)
  const queues = res.json().queues as Array<{ name: string, displayName?: string, readOnlyMode: boolean }>
  t.same(queues.map((queue) => queue.displayName).sort(), [...app.syncs.names].sort(), 'one queue per sync, shown by sync name')
  t.ok(queues.every((queue) => queue.readOnlyMode), 'read-only')

  const population = queues.find((queue) => queue.displayName === 'population-changes')
  res = await app.inject({ method: 'PUT', url: `/admin/queues/api/queues/${encodeURIComponent(population?.name ?? '')}/pause`, headers: await admin() })
  t.equal(res.statusCode, 405, 'a read-only board cannot pause a queue')
  t.equal(await app.syncs.queues[0]?.isPaused(), false)

  const audit = await app.inject({ method: 'GET', url: '/admin/v1/audit?client=VN.TEST.ADMIN&limit=100', headers: await admin() })
  const routes = (audit.json().items as Array<{ route: string, status: number }>).map((item) => `${item.route} ${item.status}`)
  t.ok(routes.includes('/admin/queues/api/queues 200'), 'the calls are audited')
  t.ok(routes.some((route) => route.startsWith('/admin/queues/static/')), 'asset reads too')
})

t.test('a session cookie lets a browser open the dashboard, and only the dashboard', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  t.equal((await app.inject({ method: 'POST', url: '/admin/queues/session' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/admin/queues/session', headers: await headers() })).statusCode, 403, 'no session for a client that is not an administrator')

  const token = await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'], ttlSeconds: 600 })
  let res = await app.inject({ method: 'POST', url: '/admin/queues/session', headers: { authorization: `Bearer ${token}` } })
  t.equal(res.statusCode, 204)
  const attributes = String(res.headers['set-cookie']).split('; ')
  t.same(attributes.slice(0, 5), [`${DASHBOARD_COOKIE}=${token}`, 'Path=/admin/queues', 'HttpOnly', 'Secure', 'SameSite=Strict'])
  t.match(attributes[5], /^Max-Age=\d+$/)
  const maxAge = Number(attributes[5]?.slice('Max-Age='.length))
  t.ok(maxAge > 590 && maxAge <= 600, 'expires with the token')
  const session = { cookie: attributes[0] ?? '' }

  for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
    t.equal((await app.inject({ method: 'GET', url, headers: session })).statusCode, 200, `${url} with the cookie alone`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: `theme=dark; ${session.cookie}; lang=vi` } })).statusCode, 200, 'among other cookies')
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/syncs', headers: session })).statusCode, 401, 'the cookie is no token for the admin API')
  t.equal((await app.inject({ method: 'POST', url: '/admin/queues/session', headers: session })).statusCode, 401, 'nor does it open another session')
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { ...session, ...await headers() } })).statusCode, 403, 'a bearer header wins over the cookie')
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: `${DASHBOARD_COOKIE}=not.a.token` } })).statusCode, 401, 'a forged cookie')
  t.equal((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: `${DASHBOARD_COOKIE}=a.b.c d` } })).statusCode, 401, 'a cookie that is no JWS is ignored')

  const member = `Bearer ${await signTestToken({ clientId: 'VN.TEST.FULL', scopes: ['admin'] })}`
  res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: `${DASHBOARD_COOKIE}=${member.slice('Bearer '.length)}` } })
  t.equal(res.statusCode, 403, 'a cookie holding a non-admin client\'s token is refused like its header')
})

t.test('the dashboard stays out of the API description, the session route is in it', async (t) => {
  const { app } = await buildTestGateway(t)
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const paths = Object.keys(spec.paths as Record<string, unknown>)
  t.same(paths.filter((path) => path.startsWith('/admin/queues')), ['/admin/queues/session'])
  t.match(spec.paths['/admin/queues/session'].post, { operationId: 'openQueueDashboardSession', security: [{ bearerAuth: [] }] })
})

t.test('without Redis there is no dashboard', async (t) => {
  const gateway = await buildTestGateway(t)
  const config = gateway.app.config
  await gateway.app.close()
  const app: FastifyInstance = await buildApp({ ...config, redis: {} })
  t.teardown(() => app.close())
  let res = await app.inject({ method: 'GET', url: '/admin/queues', headers: await admin() })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { type: 'https://errors.gateway.local/route-not-found' })
  res = await app.inject({ method: 'POST', url: '/admin/queues/session', headers: await admin() })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { type: 'https://errors.gateway.local/syncs-unavailable' })
  t.notOk(res.headers['set-cookie'])
})
