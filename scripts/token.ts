import { parseArgs } from 'node:util'
import { signDemoToken, UnknownDemoClientError } from '../src/demo-identity.js'

/**
 * Development and demo only: signs a client token with the demo key (the key `npm start` trusts in demo mode).
 *   npm run -s token -- --client VN.H23.MOTCUA [--scope "citizens.read citizens.verify"] [--ttl 3600]
 * Without --scope the token carries every service granted to the client in demo/grants.json.
 */
const USAGE = `Usage: npm run -s token -- [--client ID] [--scope "SERVICE ..."] [--ttl SECONDS]

Signs a demo client token with the demo key (the key \`npm start\` trusts in demo mode; never in production).
  --client ID       a client of demo/grants.json (default VN.H23.MOTCUA)
  --scope LIST      services, space- or comma-separated (default: every service granted to the client)
  --ttl SECONDS     lifetime, a whole number from 1 to 86400 (default 3600)
  -h, --help        this text
`

/** A one-line reason and the usage on stderr, exit 2: a wrong call, not a failure of the script. */
function usageError (reason: string): never {
  process.stderr.write(`token: ${reason}\n${USAGE}`)
  process.exit(2)
}

function options (): { client: string, scope?: string | undefined, ttl: string, help: boolean } {
  try {
    return parseArgs({
      options: {
        client: { type: 'string', default: 'VN.H23.MOTCUA' },
        scope: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }).values
  } catch (err) {
    // parseArgs' messages are one line ("Unknown option '--x'…"); its stack helps no one calling a script
    return usageError((err as Error).message)
  }
}

const values = options()
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const ttlSeconds = Number(values.ttl)
if (!/^[0-9]+$/.test(values.ttl) || ttlSeconds < 1 || ttlSeconds > 86_400) usageError(`--ttl must be a whole number of seconds from 1 to 86400 (got ${JSON.stringify(values.ttl)})`)
try {
  const scopes = values.scope?.split(/[\s,]+/).filter(Boolean)
  process.stdout.write(await signDemoToken(values.client, { ...(scopes === undefined ? {} : { scopes }), ttlSeconds }) + '\n')
} catch (err) {
  if (!(err instanceof UnknownDemoClientError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
