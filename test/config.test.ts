import t from 'tap'
import { ConfigError, loadConfig } from '../src/config/index.js'

t.test('nothing configured means demo mode with defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.demo, true)
  t.equal(config.port, 3000)
  t.equal(config.population.url, '')
})

const PRODUCTION = {
  POPULATION_URL: 'https://dancu.example/ws/dancu',
  POPULATION_USERNAME: 'lgsp',
  POPULATION_SECRET: 'a-long-secret',
  AUTH_ISSUER: 'https://idp.example',
  AUTH_AUDIENCE: 'lgsp-gateway',
  AUTH_JWKS_URL: 'https://idp.example/jwks.json',
  GRANTS_FILE: '/etc/lgsp/grants.yaml',
  REDIS_URL: 'redis://redis:6379',
  DATABASE_URL: 'postgres://lgsp@db:5432/lgsp',
  PROCEDURES_URL: 'https://motcua.example/api',
  PROCEDURES_API_KEY: 'a-long-api-key',
  SECTOR_CURSOR_SECRET: 'a-cursor-secret-shared-by-gateways',
  GATEWAY_SIGNING_KEY_FILE: '/etc/lgsp-keys/gateway-signing-key.pem'
}

t.test('configuring the population database turns demo mode off', async (t) => {
  const config = loadConfig({ ...PRODUCTION, PORT: '8080' })
  t.equal(config.demo, false)
  t.equal(config.port, 8080)
  t.equal(config.population.url, 'https://dancu.example/ws/dancu')
  t.match(config.auth, { issuer: 'https://idp.example', audience: 'lgsp-gateway', jwksUrl: 'https://idp.example/jwks.json', grantsFile: '/etc/lgsp/grants.yaml' })
  t.same(config.redis.target, { topology: 'single', url: 'redis://redis:6379' })
  t.same(config.store, { driver: 'postgres', url: 'postgres://lgsp@db:5432/lgsp', schema: 'public', poolSize: 10 })
})

t.test('the store is PostgreSQL, or embedded PGlite on disk; never both, and demo keeps its own', async (t) => {
  const embedded: Record<string, string> = { ...PRODUCTION, STORE_DIR: '/var/lib/lgsp/store' }
  delete embedded.DATABASE_URL
  t.same(loadConfig(embedded).store, { driver: 'pglite', dataDir: '/var/lib/lgsp/store' })
  t.throws(() => loadConfig({ ...PRODUCTION, STORE_DIR: '/var/lib/lgsp/store' }), { message: /DATABASE_URL or STORE_DIR, not both/ })
  const none: Record<string, string> = { ...PRODUCTION }
  delete none.DATABASE_URL
  t.throws(() => loadConfig(none), { message: /DATABASE_URL \(PostgreSQL\) or STORE_DIR \(embedded\) is required/ })
  t.throws(() => loadConfig({ ...PRODUCTION, DATABASE_SCHEMA: 'x; DROP TABLE audit_records' }), { message: /DATABASE_SCHEMA must match pattern/ })
  t.match(loadConfig({}).store, { driver: 'pglite', dataDir: /\.demo[/\\]store$/ })
})

t.test('production needs identity, grants and Redis settings', async (t) => {
  for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'PROCEDURES_URL', 'PROCEDURES_API_KEY', 'SECTOR_CURSOR_SECRET', 'GATEWAY_SIGNING_KEY_FILE'] as const) {
    const env: Record<string, string> = { ...PRODUCTION }
    delete env[name]
    t.throws(() => loadConfig(env), { message: new RegExp(`${name} is required unless DEMO=true`) })
  }
  const { REDIS_URL: _none, ...noRedis } = PRODUCTION
  t.throws(() => loadConfig(noRedis), { message: /Redis is required unless DEMO=true: set REDIS_URL \(one node\), or REDIS_SENTINELS with REDIS_SENTINEL_NAME \(Sentinel\), or REDIS_CLUSTER_NODES \(Cluster\)/ })
  t.equal(loadConfig({ ...noRedis, DEMO: 'true' }).redis.target, undefined, 'the demo starts its own Redis, or goes without')
  t.throws(() => loadConfig({ ...PRODUCTION, AUTH_JWKS_FILE: '/etc/lgsp/jwks.json' }), { message: /exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE/ })
})

t.test('a bad variable is named, with the value given', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: 'ConfigError', message: /PORT must be integer \(got "eighty"\)/ })
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud', POPULATION_TIMEOUT_MS: '-1' }), { message: /LOG_LEVEL must be equal to one of the allowed values.*POPULATION_TIMEOUT_MS must be >= 10/ })
  t.throws(() => loadConfig({ DEMO: 'false' }), { message: /POPULATION_URL is required unless DEMO=true/ })
  t.throws(() => loadConfig({ POPULATION_URL: 'ftp://x' }), ConfigError)
})

t.test('sector settings: REST upstreams named by their declarations, an optional database of their own', async (t) => {
  const config = loadConfig({
    ...PRODUCTION,
    SECTOR_UPSTREAM_HEALTH_URL: 'https://syt.example/api',
    SECTOR_UPSTREAM_HEALTH_API_KEY: 'k',
    SECTOR_UPSTREAM_WATER_SUPPLY_URL: 'http://water.example',
    SECTOR_UPSTREAM_WATER_SUPPLY_TIMEOUT_MS: '800',
    SECTOR_DATABASE_URL: 'postgres://sector@db:5432/sector'
  })
  const resilience = { breakerFailures: 10, breakerHalfOpenAfterMs: 10000, retries: 2 }
  t.same(config.sector.upstreams, {
    health: { url: 'https://syt.example/api', apiKey: 'k', timeoutMs: 5000, connections: 8, resilience },
    water_supply: { url: 'http://water.example', timeoutMs: 800, connections: 8, resilience }
  })
  t.same(config.population.resilience, resilience, 'every upstream gets the breaker and retry settings')
  t.same(config.sector.database, { driver: 'postgres', url: 'postgres://sector@db:5432/sector', schema: 'public', poolSize: 10 })
  t.equal(config.sector.cursorSecret, PRODUCTION.SECTOR_CURSOR_SECRET)
  t.throws(() => loadConfig({ ...PRODUCTION, SECTOR_UPSTREAM_HEALTH_API_KEY: 'k' }), { message: /SECTOR_UPSTREAM_HEALTH_URL must be an http\(s\) URL/ })
  t.throws(() => loadConfig({ ...PRODUCTION, SECTOR_UPSTREAM_HEALTH_URL: 'http://h', SECTOR_UPSTREAM_HEALTH_TIMEOUT_MS: 'soon' }), { message: /SECTOR_UPSTREAM_HEALTH_TIMEOUT_MS must be an integer/ })
  t.throws(() => loadConfig({ ...PRODUCTION, SECTOR_CURSOR_SECRET: 'short' }), { message: /SECTOR_CURSOR_SECRET must NOT have fewer than 16 characters/ })
})

t.test('TRUST_PROXY: off by default; true, a hop count, or the proxies\' addresses', async (t) => {
  t.equal(loadConfig({}).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1)
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,fd00::/8' }).trustProxy, ['10.0.0.0/8', 'loopback', 'fd00::/8'])
  t.throws(() => loadConfig({ TRUST_PROXY: 'lb.internal' }), { name: 'ConfigError', message: /TRUST_PROXY .*"lb\.internal"/ })
})

t.test('slow clients: request, headers and keep-alive timeouts, headers within the request\'s', async (t) => {
  t.same(loadConfig({}).http, { requestTimeoutMs: 30000, headersTimeoutMs: 10000, keepAliveTimeoutMs: 72000 }, 'on by default')
  t.same(loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '2000', KEEP_ALIVE_TIMEOUT_MS: '65000' }).http, { requestTimeoutMs: 5000, headersTimeoutMs: 2000, keepAliveTimeoutMs: 65000 })
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' }), new ConfigError('Invalid configuration: HEADERS_TIMEOUT_MS (6000) must not exceed REQUEST_TIMEOUT_MS (5000): the headers are part of the request'))
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' }), /REQUEST_TIMEOUT_MS must be >= 100/, 'never off')
})
