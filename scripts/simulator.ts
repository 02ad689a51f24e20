import { startPopulationSimulator } from '../adapters/population/simulator.js'

/**
 * Runs an upstream simulator as its own process (docker compose, manual testing):
 *   SIMULATOR=population SIM_PORT=8081 SIM_USERNAME=… SIM_SECRET=… node dist/scripts/simulator.js
 */
const kind = process.env.SIMULATOR ?? 'population'
const port = Number(process.env.SIM_PORT ?? 8081)
const host = process.env.SIM_HOST ?? '127.0.0.1'
const username = process.env.SIM_USERNAME
const secret = process.env.SIM_SECRET
if (kind !== 'population') throw new Error(`unknown simulator ${kind}`)
if (username === undefined || secret === undefined) {
  process.stderr.write('SIM_USERNAME and SIM_SECRET are required (the credentials the gateway signs with)\n')
  process.exit(1)
}
const simulator = await startPopulationSimulator({
  credentials: { username, secret },
  host,
  port,
  seed: Number(process.env.SIM_SEED ?? 2025),
  size: Number(process.env.SIM_SIZE ?? 5000)
})
process.stdout.write(`population simulator at ${simulator.url}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void simulator.close().then(() => process.exit(0)) })
}
