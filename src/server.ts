import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config/index.js'
import { demoBanner, startDemo, type Demo } from './demo.js'
import { GATEWAY_GRACE_MS } from './grace.js'

/** The only place that listens: reads the environment, starts demo upstreams if asked, serves, drains on exit. */

function configOrExit (): Config {
  try {
    return loadConfig(process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}

let config = configOrExit()
let demo: Demo | undefined
if (config.demo) {
  demo = await startDemo(config)
  config = demo.config
}

const app = await buildApp(config)
if (demo !== undefined && config.sector.database === undefined) await demo.seed(app.store)

/**
 * SIGTERM/SIGINT drain: app.close() stops accepting connections, closes idle keep-alive ones and lets requests in
 * flight finish, their answers saying `Connection: close`; a request that still reaches the gateway gets a 503
 * `not-ready` problem (plugins/external/under-pressure.ts). Then the store, Redis and the sync worker close, and
 * the process exits 0 — or 1 if all that takes longer than the grace period (a second signal exits at once).
 */
// close-with-grace reports a timeout or a failed close through this logger
const graceLogger = { error: (message: unknown) => { app.log.error(message instanceof Error ? { err: message } : {}, message instanceof Error ? 'close failed' : String(message)) } }
closeWithGrace({ delay: GATEWAY_GRACE_MS, logger: graceLogger }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing: draining in-flight requests')
  await app.close()
  await demo?.close()
  app.log.info('closed')
})

try {
  await app.listen({ host: config.host, port: config.port })
} catch (err) {
  app.log.fatal({ err }, 'cannot listen')
  await demo?.close()
  process.exit(1)
}

if (demo !== undefined) {
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  process.stdout.write(demoBanner(`http://localhost:${port}`, demo) + '\n')
}
