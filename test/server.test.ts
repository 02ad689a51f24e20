import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { projectRoot } from '../src/paths.js'
import { pgliteDir } from './support/store.js'

/** The process as a newcomer starts it: nothing configured → demo mode, simulators on loopback, a banner. */

function startServer (env: Record<string, string>) {
  // Same TypeScript loader this test runs under, so the source is tested without a build step.
  const child = spawn(process.execPath, [...process.execArgv, join(projectRoot, 'src/server.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return { child, output: () => ({ stdout, stderr }) }
}

t.test('with nothing configured it starts in demo mode, prints a working curl line, and drains on SIGTERM', async (t) => {
  // its own embedded store, so the test never touches the one `npm start` keeps in .demo/
  const { child, output } = startServer({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', STORE_DIR: await pgliteDir(t) })
  t.teardown(() => { child.kill('SIGKILL') })
  const deadline = Date.now() + 30_000
  while (!output().stdout.includes('Try:') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const { stdout, stderr } = output()
  t.match(stdout, /demo mode/, stderr)
  const curl = /curl (http:\/\/localhost:[0-9]+)\/api\/v1\/citizens\/([0-9]{12})/.exec(stdout)
  t.ok(curl, 'banner has a curl line')
  if (curl === null) return
  const [, base, personalId] = curl
  const token = /TOKEN=([A-Za-z0-9._-]+)/.exec(stdout)?.[1]
  t.ok(token, 'banner has a demo token')
  const res = await request(`${base}/api/v1/citizens/${personalId}`, { headers: { authorization: `Bearer ${token ?? ''}`, 'x-purpose': 'TTHC' } })
  t.equal(res.statusCode, 200)
  t.match(await res.body.json(), { personalId, fullName: String })
  const refused = await request(`${base}/api/v1/citizens/${personalId}`)
  t.equal(refused.statusCode, 401, 'no token, no data')
  await refused.body.dump()
  const docs = await request(`${base}/docs`)
  t.equal(docs.statusCode, 200)
  await docs.body.dump()

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'exits 0 after draining')
})

t.test('a bad variable stops the start with a message naming it and exit code 1', async (t) => {
  const { child, output } = startServer({ PORT: 'three-thousand' })
  t.teardown(() => { child.kill('SIGKILL') })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(output().stderr, /Invalid configuration: PORT must be integer \(got "three-thousand"\)/)
})
