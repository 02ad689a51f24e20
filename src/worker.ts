import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config/index.js'
import { WORKER_GRACE_MS } from './grace.js'
import { buildWorker } from './worker-app.js'

/** `npm run worker`: runs the nightly syncs until SIGTERM, then lets the run in hand stop after its page. */

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
if (config.redis.target === undefined) {
  process.stderr.write('The sync worker needs Redis: set REDIS_URL, REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES\n')
  process.exit(1)
}

const worker = await buildWorker(config)
await worker.ready()
closeWithGrace({ delay: WORKER_GRACE_MS }, async ({ signal, err }) => {
  if (err !== undefined) worker.log.error({ err }, 'closing after an uncaught error')
  else worker.log.info({ signal }, 'closing: the run in hand stops after its current page')
  await worker.close()
})
