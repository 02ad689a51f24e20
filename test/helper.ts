import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { startPopulationSimulator, type PopulationSimulator } from '../adapters/population/simulator.js'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'

/** Test scaffolding: a gateway built against its own simulator on an ephemeral loopback port, closed by teardown. */

interface Teardown {
  teardown (fn: () => unknown): void
}

export const TEST_CREDENTIALS = { username: 'lgsp-test', secret: 'test-secret-not-for-production' }

/** A production-shaped config (demo off) pointing at the given population endpoint. */
export function testConfig (populationUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    POPULATION_URL: populationUrl,
    POPULATION_USERNAME: TEST_CREDENTIALS.username,
    POPULATION_SECRET: TEST_CREDENTIALS.secret,
    POPULATION_TIMEOUT_MS: '1000',
    ...env
  })
}

export async function startSimulator (t: Teardown, options: { size?: number, seed?: number } = {}): Promise<PopulationSimulator> {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

export interface TestGateway {
  app: FastifyInstance
  simulator: PopulationSimulator
}

export async function buildTestGateway (
  t: Teardown, options: { env?: Record<string, string>, logger?: Logger } = {}
): Promise<TestGateway> {
  const simulator = await startSimulator(t)
  const app = await buildApp(testConfig(simulator.url, options.env), options.logger === undefined ? {} : { logger: options.logger })
  t.teardown(() => app.close())
  return { app, simulator }
}
