import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

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
  PROCEDURES_API_KEY: 'a-long-api-key'
}

t.test('configuring the population database turns demo mode off', async (t) => {
  const config = loadConfig({ ...PRODUCTION, PORT: '8080' })
  t.equal(config.demo, false)
  t.equal(config.port, 8080)
  t.equal(config.population.url, 'https://dancu.example/ws/dancu')
  t.match(config.auth, { issuer: 'https://idp.example', audience: 'lgsp-gateway', jwksUrl: 'https://idp.example/jwks.json', grantsFile: '/etc/lgsp/grants.yaml' })
  t.equal(config.rateLimit.redisUrl, 'redis://redis:6379')
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
  for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'REDIS_URL', 'PROCEDURES_URL', 'PROCEDURES_API_KEY'] as const) {
    const env: Record<string, string> = { ...PRODUCTION }
    delete env[name]
    t.throws(() => loadConfig(env), { message: new RegExp(`${name} is required unless DEMO=true`) })
  }
  t.throws(() => loadConfig({ ...PRODUCTION, AUTH_JWKS_FILE: '/etc/lgsp/jwks.json' }), { message: /exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE/ })
})

t.test('a bad variable is named, with the value given', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: 'ConfigError', message: /PORT must be integer \(got "eighty"\)/ })
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud', POPULATION_TIMEOUT_MS: '-1' }), { message: /LOG_LEVEL must be equal to one of the allowed values.*POPULATION_TIMEOUT_MS must be >= 10/ })
  t.throws(() => loadConfig({ DEMO: 'false' }), { message: /POPULATION_URL is required unless DEMO=true/ })
  t.throws(() => loadConfig({ POPULATION_URL: 'ftp://x' }), ConfigError)
})
