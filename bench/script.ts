import { writeFile } from 'node:fs/promises'
import { constants } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot } from '../src/paths.js'
import type { Teardown } from '../test/support/teardown.js'

/**
 * A benchmark script's frame: its command line, a cleanup stack that also runs on Ctrl-C, how it ends (exit code,
 * failure printed), and where its report goes.
 */

export interface Cleanup extends Teardown {
  /**
   * Registers a step; steps run last registered first (a gateway stops before its store is removed). Once run()
   * has begun, the step runs at once and this throws: what it undoes should not have started.
   */
  add (name: string, step: () => unknown): void
  /** Runs every step once, even when some fail; later calls wait for the same run. */
  run (): Promise<void>
}

const STEP_TIMEOUT_MS = 30_000

export function createCleanup (): Cleanup {
  const steps: Array<{ name: string, step: () => unknown }> = []
  let running: Promise<void> | undefined
  return {
    add (name, step) {
      if (running === undefined) {
        steps.push({ name, step })
        return
      }
      Promise.resolve().then(step).catch((err: unknown) => { process.stderr.write(`cleanup: ${name}: ${(err as Error).message}\n`) })
      throw new Error(`${name}: cleaning up, nothing more starts`)
    },
    teardown (step, name = 'a cleanup step') { this.add(name, step) },
    async run () {
      running ??= (async () => {
        for (let next = steps.pop(); next !== undefined; next = steps.pop()) {
          let timer: NodeJS.Timeout | undefined
          try {
            await Promise.race([
              Promise.resolve().then(next.step),
              new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timed out')), STEP_TIMEOUT_MS) })
            ])
          } catch (err) {
            process.stderr.write(`cleanup: ${next.name}: ${(err as Error).message}\n`)
          } finally {
            clearTimeout(timer)
          }
        }
      })()
      await running
    }
  }
}

/**
 * Ctrl-C (or SIGTERM): `stopping` first (e.g. stop the running autocannon), then the cleanup stack, then exit
 * 128+signal. A second Ctrl-C exits at once.
 */
export function cleanUpOnSignals (cleanup: Cleanup, stopping: () => void = () => {}): void {
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (constants.signals[signal] ?? 2)
    if (interrupted) process.exit(code)
    interrupted = true
    process.stderr.write(`\n${signal}: stopping and cleaning up (again to exit at once)\n`)
    stopping()
    void cleanup.run().finally(() => process.exit(code))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** A wrong command-line option: printed with the script's usage line. */
export class UsageError extends Error {}

/** The run broke a rule it checks (a non-2xx answer, a chain that does not verify, memory that grew): printed as FAILED. */
export class BenchFailure extends Error {}

/** The number given for `--name`, within min…max (and whole unless `integer` is false); else a UsageError. */
export function numberOption (name: string, text: string, min: number, max: number, integer = true): number {
  const value = Number(text)
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ${min}…${max} (got ${text})`)
  }
  return value
}

export interface NumberOptionSpec { default: number, min: number, max: number, integer?: boolean }

export const CONNECTIONS_OPTION: NumberOptionSpec = { default: 50, min: 1, max: 10_000 }
/** Personal ids to ask for: the simulator's default population is 5000 citizens. */
export const IDS_OPTION: NumberOptionSpec = { default: 1000, min: 1, max: 5000 }

/** A script's options: numbers with their defaults and ranges, and others with what their value is (for the usage line). */
export interface ScriptOptions<N extends string, S extends string> {
  numbers: Record<N, NumberOptionSpec>
  strings?: Record<S, string>
}

export type ParsedOptions<N extends string, S extends string> = Record<N, number> & Partial<Record<S, string>>

function usageOf (spec: ScriptOptions<string, string>): string {
  const script = relative(projectRoot, process.argv[1] ?? 'the script')
  const numbers = Object.entries(spec.numbers).map(([name, { default: value }]) => `[--${name} ${value}]`)
  const strings = Object.entries(spec.strings ?? {}).map(([name, value]) => `[--${name} ${value}]`)
  return `usage: node ${script} ${[...numbers, ...strings].join(' ')}`
}

/** The command line: every number checked by numberOption (its default when not given), the others as given. */
function parseOptions<N extends string, S extends string> (spec: ScriptOptions<N, S>, usage: string): ParsedOptions<N, S> {
  const strings = Object.keys(spec.strings ?? {})
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: { help: { type: 'boolean' }, ...Object.fromEntries([...Object.keys(spec.numbers), ...strings].map((name) => [name, { type: 'string' as const }])) }
    }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const options: Record<string, number | string> = {}
  for (const [name, { min, max, integer = true, default: value }] of Object.entries(spec.numbers) as Array<[string, NumberOptionSpec]>) {
    const text = values[name]
    options[name] = typeof text === 'string' ? numberOption(name, text, min, max, integer) : value
  }
  for (const name of strings) if (typeof values[name] === 'string') options[name] = values[name]
  return options as ParsedOptions<N, S>
}

/**
 * A benchmark script's whole run: `body` gets the options (`--help` prints the usage line made from `spec` and
 * exits), a cleanup stack that also runs on Ctrl-C, and a signal raised then. The cleanup runs in every case; the
 * process exits 0, or 1 when `body` throws (a UsageError is printed with the usage line, a BenchFailure as its
 * message, anything else with its stack), or 130 when interrupted.
 */
export async function runBenchScript<N extends string, S extends string = never> (
  spec: ScriptOptions<N, S>,
  body: (options: ParsedOptions<N, S>, cleanup: Cleanup, stopping: AbortSignal) => Promise<void>
): Promise<never> {
  const usage = usageOf(spec)
  const cleanup = createCleanup()
  const stopping = new AbortController()
  cleanUpOnSignals(cleanup, () => stopping.abort())
  let exitCode = 0
  try {
    await body(parseOptions(spec, usage), cleanup, stopping.signal)
  } catch (err) {
    if (!stopping.signal.aborted) {
      exitCode = 1
      if (err instanceof UsageError) process.stderr.write(`${err.message}\n${usage}\n`)
      else if (err instanceof BenchFailure) process.stderr.write(`\nFAILED: ${err.message}\n`)
      else process.stderr.write(`\nFAILED: ${(err as Error).stack ?? String(err)}\n`)
    }
  }
  await cleanup.run()
  process.exit(stopping.signal.aborted ? 130 : exitCode)
}

/** The report on stdout and in bench/`file` (committed: the figures the README quotes). */
export async function writeResults (file: string, report: string): Promise<void> {
  const path = join(projectRoot, 'bench', file)
  process.stdout.write(`\n${report}`)
  await writeFile(path, report)
  process.stderr.write(`\nwritten to ${relative(process.cwd(), path) || path}\n`)
}

/** BENCH_DATABASE_URL (a PostgreSQL store instead of PGlite) and BENCH_REDIS_URL (instead of a private redis-server), when set. */
export function benchServiceUrls (): { databaseUrl?: string, redisUrl?: string } {
  return {
    ...(process.env.BENCH_DATABASE_URL === undefined ? {} : { databaseUrl: process.env.BENCH_DATABASE_URL }),
    ...(process.env.BENCH_REDIS_URL === undefined ? {} : { redisUrl: process.env.BENCH_REDIS_URL })
  }
}
