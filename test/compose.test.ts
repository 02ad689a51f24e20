import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import YAML from 'yaml'
import { loadConfig } from '../src/config.js'
import { projectRoot } from '../src/paths.js'

// No Docker engine runs here, so check what can be checked: the gateway's compose environment passes config validation.
t.test('docker-compose.yml gives the gateway a valid production configuration', async (t) => {
  const compose = YAML.parse(await readFile(join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>, depends_on?: Record<string, unknown> }>
  }
  const gateway = compose.services.gateway
  t.ok(gateway, 'a gateway service')
  const env = Object.fromEntries(Object.entries(gateway?.environment ?? {}).map(([name, value]) =>
    [name, String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]))
  const config = loadConfig(env)
  t.equal(config.demo, false)
  t.equal(config.population.url, 'http://population:8081/ws/dancu')
  t.equal(config.population.secret, 'change-me-compose-secret')
  t.equal(config.procedures.url, 'http://procedures:8082/api')
  t.equal(config.rateLimit.redisUrl, 'redis://redis:6379')
  t.same(config.store, { driver: 'postgres', url: 'postgres://lgsp:change-me-compose-db@postgres:5432/lgsp', schema: 'lgsp', poolSize: 10 })
  t.match(config.sector.upstreams, { health: { url: 'http://health:8083/api', apiKey: 'change-me-compose-health', timeoutMs: 5000, connections: 8 } })
  t.same(Object.keys(gateway?.depends_on ?? {}).sort(), ['health', 'idp', 'population', 'postgres', 'procedures', 'redis', 'sector-seed'])
  t.equal(config.syncs.portal.url, 'http://portal:8084/api')
  t.equal(config.syncs.embeddedWorker, false, 'the gateway only queues syncs')
  const worker = compose.services.worker as { environment?: Record<string, string>, command?: string[] } | undefined
  t.same(worker?.environment, gateway?.environment, 'the worker has the gateway\'s configuration')
  t.same(worker?.command, ['node', 'dist/src/worker.js'])
})
