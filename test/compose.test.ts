import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import YAML from 'yaml'
import { loadConfig } from '../src/config/index.js'
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
  t.same(config.redis.target, { topology: 'single', url: 'redis://redis:6379' })
  t.same(config.store, { driver: 'postgres', url: 'postgres://lgsp:change-me-compose-db@postgres:5432/lgsp', schema: 'lgsp', poolSize: 10 })
  t.match(config.sector.upstreams, { health: { url: 'http://health:8083/api', apiKey: 'change-me-compose-health', timeoutMs: 5000, connections: 8 } })
  t.same(Object.keys(gateway?.depends_on ?? {}).sort(), ['civil-status', 'digital-address', 'gateway-key', 'health', 'idp', 'population', 'postgres', 'procedures', 'redis', 'sector-seed'])
  t.equal(config.signing.keyFile, '/app/keys/gateway-signing-key.pem', 'the key the gateway-key service makes once')
  t.equal(config.syncs.portal.url, 'http://portal:8084/api')
  t.equal(config.syncs.embeddedWorker, false, 'the gateway only queues syncs')
  const worker = compose.services.worker as { environment?: Record<string, string>, command?: string[] } | undefined
  t.same(worker?.environment, gateway?.environment, 'the worker has the gateway\'s configuration')
  t.same(worker?.command, ['node', 'dist/src/worker.js'])
})

interface ComposeService {
  image?: string
  build?: unknown
  command?: string[]
  container_name?: string
  ports?: string[]
  expose?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition?: string }>
  healthcheck?: unknown
}

// `docker compose up --scale gateway=3`: replicas share no host port, a load balancer finds them all through DNS.
t.test('docker-compose.yml runs N gateways behind a load balancer that finds every replica', async (t) => {
  const text = await readFile(join(projectRoot, 'docker-compose.yml'), 'utf8')
  const { services } = YAML.parse(text, { merge: true }) as { services: Record<string, ComposeService> }
  t.match(text, /^#.*docker compose up --build --scale gateway=3 --scale worker=2$/m, 'the header says how to scale')

  const { gateway, lb, worker } = services
  t.equal(gateway?.ports, undefined, 'the gateway publishes no host port (replicas cannot share one)')
  for (const name of ['gateway', 'worker']) t.equal(services[name]?.container_name, undefined, `${name} has no fixed container name (it would forbid --scale)`)
  t.ok(gateway?.healthcheck, 'the gateway has a healthcheck for lb to wait on')

  t.match(lb?.image, /^(nginx|haproxy):/, 'lb is nginx (or haproxy)')
  t.same(lb?.ports, ['127.0.0.1:3000:3000'], 'lb publishes 3000 on loopback')
  t.same(lb?.depends_on, { gateway: { condition: 'service_healthy' } }, 'lb waits for a healthy gateway')
  const publishers = Object.entries(services).filter(([, service]) => (service.ports ?? []).some((port) => /:3000:\d+$/.test(port))).map(([name]) => name)
  t.same(publishers, ['lb'], 'only lb takes host port 3000')

  const mount = lb?.volumes?.find((volume) => volume.endsWith(':/etc/nginx/nginx.conf:ro'))
  t.ok(mount, 'lb mounts its configuration read-only')
  const hostPath = join(projectRoot, (mount ?? '').split(':')[0] ?? '')
  t.equal(hostPath, join(projectRoot, 'deploy', 'compose', 'nginx.conf'), 'from deploy/compose')
  await t.resolves(access(hostPath), 'which exists')

  // nginx resolves a name once at start unless proxy_pass holds a variable and a resolver is set
  const conf = (await readFile(hostPath, 'utf8')).replace(/#.*$/gm, '')
  t.match(conf, /\bresolver\s+127\.0\.0\.11\b[^;]*\bvalid=\d+s/, "Docker's embedded DNS, answers kept briefly")
  const variable = /\bset\s+\$(\w+)\s+"?gateway:3000"?\s*;/.exec(conf)?.[1]
  t.ok(variable, 'the upstream gateway:3000 is held in a variable')
  t.match(conf, new RegExp(`\\bproxy_pass\\s+http://\\$\\{?${variable ?? 'none'}\\}?\\s*;`), 'so proxy_pass re-resolves it while running')
  t.match(conf, /\blisten\s+3000\s*;/, 'nginx listens on the port lb publishes')
  t.match(conf, /\bproxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for\s*;/, 'X-Forwarded-For is passed on, with the caller added')
  t.match(conf, /\bproxy_set_header\s+X-Request-Id\s+\$http_x_request_id\s*;/, "the caller's X-Request-Id is passed on")
  t.notMatch(conf, /\bproxy_next_upstream\b[^;]*\bnon_idempotent\b/, 'a POST is never sent twice')

  t.ok(worker, 'the worker is still there')
  t.equal(worker?.ports, undefined, 'and serves no port')
  t.same(worker?.depends_on, { gateway: { condition: 'service_healthy' } }, 'it starts once a gateway has migrated the store')
})
