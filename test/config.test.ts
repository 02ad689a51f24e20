import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('nothing configured means demo mode with defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.demo, true)
  t.equal(config.port, 3000)
  t.equal(config.population.url, '')
})

t.test('configuring the population database turns demo mode off', async (t) => {
  const config = loadConfig({ POPULATION_URL: 'https://dancu.example/ws/dancu', POPULATION_USERNAME: 'lgsp', POPULATION_SECRET: 'a-long-secret', PORT: '8080' })
  t.equal(config.demo, false)
  t.equal(config.port, 8080)
  t.equal(config.population.url, 'https://dancu.example/ws/dancu')
})

t.test('a bad variable is named, with the value given', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: 'ConfigError', message: /PORT must be integer \(got "eighty"\)/ })
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud', POPULATION_TIMEOUT_MS: '-1' }), { message: /LOG_LEVEL must be equal to one of the allowed values.*POPULATION_TIMEOUT_MS must be >= 10/ })
  t.throws(() => loadConfig({ DEMO: 'false' }), { message: /POPULATION_URL is required unless DEMO=true/ })
  t.throws(() => loadConfig({ POPULATION_URL: 'ftp://x' }), ConfigError)
})
