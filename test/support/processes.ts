import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import type { Teardown } from './teardown.js'

/**
 * Gateways and sync workers as real node processes, for what only a process shows: signals, kill -9, several
 * processes on one Redis and store. From the TypeScript sources (under this process's loader), or from the build
 * (dist/), as production runs them — several TypeScript processes compiling at once are slow on a small machine.
 */

/** A node process, killed at teardown. */
export interface NodeProcess {
  name: string
  pid: number
  output: () => string
  signal: (signal: NodeJS.Signals) => void
  exited: Promise<[number | null, NodeJS.Signals | null]>
  /** SIGKILL, and wait for the exit. */
  kill: () => Promise<void>
}

/** `node <args>` with exactly `env` (nothing inherited), started once its output matches `ready`; SIGKILLed at teardown. */
export async function startNodeProcess (t: Teardown, options: { name: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs?: number }): Promise<NodeProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, options.args, { cwd: projectRoot, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  // a generous bound: the process compiles the TypeScript it loads, slow on a busy 2-core machine
  const deadline = Date.now() + (options.timeoutMs ?? 90_000)
  let match: RegExpExecArray | null
  while ((match = options.ready.exec(output)) === null) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${options.name} did not start: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { name: options.name, pid: child.pid as number, output: () => output, signal: (signal) => { child.kill(signal) }, exited, kill, match }
}

/** A gateway process, listening. */
export interface GatewayProcess extends NodeProcess {
  url: string
}

export const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:[0-9]+)/

/** src/server.ts under this test's TypeScript loader. */
export async function startGatewayProcess (t: Teardown, env: Record<string, string>): Promise<GatewayProcess> {
  const started = await startNodeProcess(t, {
    name: 'gateway',
    args: [...process.execArgv, join(projectRoot, 'src/server.ts')],
    env: { PATH: process.env.PATH ?? '', ...env },
    ready: LISTENING
  })
  return { ...started, url: started.match[1] as string }
}

// what a child needs from this process to reach the same PostgreSQL (pg takes the user from USER/PGUSER)
const PASSED_THROUGH = ['PATH', 'USER', 'PGUSER', 'PGPASSWORD', 'PGHOST', 'PGPORT', 'PGDATABASE']

/** `node dist/<script>.js` with exactly `env` (plus PATH and PostgreSQL login variables), killed at teardown. */
export async function startBuiltProcess (t: Teardown, options: { name: string, script: string, env: Record<string, string>, ready: RegExp, timeoutMs?: number }): Promise<NodeProcess & { match: RegExpExecArray }> {
  const file = join(projectRoot, 'dist', `${options.script}.js`)
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`)
  const inherited = Object.fromEntries(PASSED_THROUGH.flatMap((name) => process.env[name] === undefined ? [] : [[name, process.env[name] as string]]))
  return await startNodeProcess(t, { ...options, args: [file], env: { ...inherited, ...options.env } })
}

export async function startBuiltGateway (t: Teardown, name: string, env: Record<string, string>): Promise<GatewayProcess> {
  const started = await startBuiltProcess(t, { name, script: 'src/server', env: { ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' }, ready: LISTENING })
  return { ...started, url: started.match[1] as string }
}

export async function startBuiltWorker (t: Teardown, name: string, env: Record<string, string>): Promise<NodeProcess> {
  return await startBuiltProcess(t, { name, script: 'src/worker', env: { ...env, LOG_LEVEL: 'info' }, ready: /sync worker started/ })
}

/** Socket inodes of the TCP connections established to 127.0.0.1:`port` (from /proc/net/tcp). */
async function connectionsTo (port: number): Promise<Set<string>> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = await readFile(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      const remote = fields[2]
      // st 01 = ESTABLISHED; the inode is the tenth field
      if (remote === undefined || fields[3] !== '01') continue
      if (Number.parseInt(remote.split(':')[1] ?? '', 16) === port && fields[9] !== undefined) inodes.add(fields[9])
    }
  }
  return inodes
}

/**
 * Which of these processes hold a TCP connection to 127.0.0.1:`port` — e.g. which sync worker is reading the
 * simulator's change feed, i.e. running the run. Linux only (/proc).
 */
export async function processesConnectedTo<P extends { pid: number }> (processes: P[], port: number): Promise<P[]> {
  const inodes = await connectionsTo(port)
  const found: P[] = []
  for (const candidate of processes) {
    const fdDir = `/proc/${candidate.pid}/fd`
    let fds: string[]
    try {
      fds = await readdir(fdDir)
    } catch {
      continue // exited
    }
    for (const fd of fds) {
      const target = await readlink(join(fdDir, fd)).catch(() => '')
      const inode = /^socket:\[([0-9]+)\]$/.exec(target)?.[1]
      if (inode !== undefined && inodes.has(inode)) {
        found.push(candidate)
        break
      }
    }
  }
  return found
}

export interface ScriptResult {
  code: number | null
  stdout: string
  stderr: string
}

/** A built script (dist/scripts/<name>.js), as `npm run <name>` runs it, with exactly `env` (PATH added), to its exit. */
export async function runBuiltScript (name: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  const script = join(projectRoot, 'dist', 'scripts', `${name}.js`)
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first (npm test does)`)
  const child = spawn(process.execPath, [script, ...args], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stdout, stderr }
}
