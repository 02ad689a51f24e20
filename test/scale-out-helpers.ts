import { existsSync } from 'node:fs'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { projectRoot } from '../src/paths.js'
import { LISTENING, startNodeProcess, type NodeProcess } from './helper.js'

/**
 * Processes for the scale-out test: gateways and sync workers run from the build (dist/), as production runs
 * them — four TypeScript processes compiling at once would take most of the test's time on a small machine.
 */

interface Teardown {
  teardown (fn: () => unknown): void
}

export interface GatewayProcess extends NodeProcess {
  url: string
}

// what a child needs from this process to reach the same PostgreSQL as the test (pg takes the user from USER/PGUSER)
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

export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}
