import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'

/**
 * The queue dashboard's session cookie (routes/admin/queue-dashboard.ts): a browser sends no bearer header, so the
 * dashboard's routes (and only those) also take the admin token from an HttpOnly, Secure, SameSite=Strict cookie
 * set by `POST /admin/queues/session`.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A dashboard route: the admin token may come from the dashboard cookie. */
    dashboard?: boolean
  }
}

export const DASHBOARD_COOKIE = 'lgsp_queues'
// a compact JWS: three base64url parts (nothing that could smuggle another header value)
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

function cookieToken (request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (header === undefined) return undefined
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=')
    if (at < 0 || pair.slice(0, at).trim() !== DASHBOARD_COOKIE) continue
    const value = pair.slice(at + 1).trim()
    if (JWS.test(value)) return value
  }
  return undefined
}

/**
 * Registered before auth: on dashboard routes only, a request without an Authorization header presents the
 * cookie's token as its bearer token; the auth hook then verifies it like any other.
 */
export default fp(async function dashboardCookie (app) {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.dashboard !== true || request.headers.authorization !== undefined) return
    const token = cookieToken(request)
    if (token !== undefined) request.headers.authorization = `Bearer ${token}`
  })
}, { name: 'queue-dashboard-cookie' })
