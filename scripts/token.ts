import { parseArgs } from 'node:util'
import { signDemoToken, UnknownDemoClientError } from '../src/demo-identity.js'

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
try {
  const scopes = values.scope?.split(/[\s,]+/).filter(Boolean)
  process.stdout.write(await signDemoToken(values.client, { ...(scopes === undefined ? {} : { scopes }), ttlSeconds: Number(values.ttl) }) + '\n')
} catch (err) {
  if (!(err instanceof UnknownDemoClientError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
