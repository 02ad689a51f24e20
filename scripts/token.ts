import { parseArgs } from 'node:util'
import { loadGrantsFile } from '../src/auth/grants.js'
import { signClientToken } from '../src/auth/sign-token.js'
import { DEMO_AUDIENCE, DEMO_GRANTS_FILE, DEMO_ISSUER, defaultScopes, demoSigningKey } from '../src/demo-identity.js'

/**
 * Development and demo only: signs a client token with the demo key (the key `npm start` trusts in demo mode).
 *   npm run -s token -- --client VN.H23.MOTCUA [--scope "citizens.read citizens.verify"] [--ttl 3600]
 * Without --scope the token carries every service granted to the client in demo/grants.json.
 */
const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'VN.H23.MOTCUA' },
    scope: { type: 'string' },
    ttl: { type: 'string', default: '3600' }
  }
})
const clients = await loadGrantsFile(DEMO_GRANTS_FILE)
const client = clients.find((candidate) => candidate.clientId === values.client)
if (client === undefined) {
  process.stderr.write(`unknown demo client ${values.client}; demo clients: ${clients.map((c) => c.clientId).join(', ')}\n`)
  process.exit(1)
}
const scopes = values.scope?.split(/[\s,]+/).filter(Boolean) ?? defaultScopes(client)
const { key, kid, alg } = await demoSigningKey()
process.stdout.write(await signClientToken({
  clientId: client.clientId, scopes, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, key, kid, alg, ttlSeconds: Number(values.ttl)
}) + '\n')
