import { startPopulationSimulator, type PopulationSimulator, type PopulationSimulatorOptions } from '../../adapters/population/simulator.js'
import { startProceduresSimulator, type ProceduresSimulator } from '../../adapters/procedures/simulator.js'
import type { Teardown } from './teardown.js'

/** The upstream simulators a gateway calls, on ephemeral loopback ports, closed at teardown. */

export const TEST_CREDENTIALS = { username: 'lgsp-test', secret: 'test-secret-not-for-production' }
export const TEST_PROCEDURES_KEY = 'procedures-test-key-not-for-production'
export const TEST_SECTOR_KEY = 'sector-test-key-not-for-production'

export type SimulatorOptions = Omit<PopulationSimulatorOptions, 'credentials'>

/** The population database (SOAP, and its change feed), answering TEST_CREDENTIALS. */
export async function startSimulator (t: Teardown, options: SimulatorOptions = {}): Promise<PopulationSimulator> {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, ...options })
  t.teardown(() => simulator.close(), 'close the population simulator')
  return simulator
}

export interface Upstreams {
  population: PopulationSimulator
  procedures: ProceduresSimulator
}

/** The population database and the one-stop procedures system (TEST_PROCEDURES_KEY), on the same synthetic people. */
export async function startUpstreams (t: Teardown, options: SimulatorOptions = {}): Promise<Upstreams> {
  const population = await startSimulator(t, options)
  const procedures = await startProceduresSimulator({
    apiKey: TEST_PROCEDURES_KEY,
    population: population.population,
    ...(options.seed === undefined ? {} : { seed: options.seed })
  })
  t.teardown(() => procedures.close(), 'close the procedures simulator')
  return { population, procedures }
}
