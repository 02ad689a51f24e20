import { startCivilStatusSimulator } from '../adapters/civil-status/simulator.js'
import { startDigitalAddressSimulator } from '../adapters/digital-address/simulator.js'
import { startNationalPortalSimulator } from '../adapters/national-portal/simulator.js'
import { startPopulationSimulator } from '../adapters/population/simulator.js'
import { startProceduresSimulator } from '../adapters/procedures/simulator.js'
import { startSectorRestSimulator } from '../adapters/sector/simulator.js'

/**
 * Runs an upstream simulator as its own process (docker compose, manual testing):
 *   SIMULATOR=population SIM_PORT=8081 SIM_USERNAME=… SIM_SECRET=… node dist/scripts/simulator.js
 *   SIMULATOR=procedures SIM_PORT=8082 SIM_API_KEY=… node dist/scripts/simulator.js
 *   SIMULATOR=health SIM_PORT=8083 SIM_API_KEY=… node dist/scripts/simulator.js   (health-facility register, REST sector dataset)
 *   SIMULATOR=portal SIM_PORT=8084 SIM_USERNAME=… SIM_PASSWORD=… node dist/scripts/simulator.js   (national public-service portal)
 *   SIMULATOR=civil-status SIM_PORT=4311 SIM_CLIENT_ID=… SIM_CLIENT_SECRET=… [SIM_TOKEN_TTL=300] node dist/scripts/simulator.js
 *       (published service tuphap.ho-tich: OAuth 2.0 client credentials at /oauth/token, API at /api/v1)
 *   SIMULATOR=digital-address SIM_PORT=4312 SIM_API_KEY=… node dist/scripts/simulator.js   (published service khcn.dia-chi-so, API at /api)
 * The kind may also be the first argument: `npm run simulator -- civil-status`.
 */
const kind = process.argv[2] ?? process.env.SIMULATOR ?? 'population'
const port = Number(process.env.SIM_PORT ?? 8081)
const host = process.env.SIM_HOST ?? '127.0.0.1'
const seed = Number(process.env.SIM_SEED ?? 2025)

function required (name: string): string {
  const value = process.env[name]
  if (value === undefined) {
    process.stderr.write(`${name} is required (the credential the gateway uses)\n`)
    process.exit(1)
  }
  return value
}

let simulator: { url: string, close: () => Promise<void> }
if (kind === 'population') {
  simulator = await startPopulationSimulator({
    credentials: { username: required('SIM_USERNAME'), secret: required('SIM_SECRET') },
    host,
    port,
    seed,
    size: Number(process.env.SIM_SIZE ?? 5000)
  })
} else if (kind === 'procedures') {
  simulator = await startProceduresSimulator({ apiKey: required('SIM_API_KEY'), host, port, seed })
} else if (kind === 'health') {
  simulator = await startSectorRestSimulator({ apiKey: required('SIM_API_KEY'), host, port, seed })
} else if (kind === 'portal') {
  simulator = await startNationalPortalSimulator({ credentials: { username: required('SIM_USERNAME'), password: required('SIM_PASSWORD') }, host, port })
} else if (kind === 'civil-status') {
  simulator = await startCivilStatusSimulator({
    credentials: { clientId: required('SIM_CLIENT_ID'), clientSecret: required('SIM_CLIENT_SECRET') },
    tokenTtlSeconds: Number(process.env.SIM_TOKEN_TTL ?? 300),
    host,
    port,
    seed
  })
} else if (kind === 'digital-address') {
  simulator = await startDigitalAddressSimulator({ apiKey: required('SIM_API_KEY'), host, port, seed })
} else {
  throw new Error(`unknown simulator ${kind} (population, procedures, health, portal, civil-status, digital-address)`)
}
process.stdout.write(`${kind} simulator at ${simulator.url}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void simulator.close().then(() => process.exit(0)) })
}
