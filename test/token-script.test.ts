import t from 'tap'
import { runBuiltScript, type ScriptResult } from './support/processes.js'

/** `npm run -s token -- …`: help and bad options answer in words and an exit code, never a stack trace. */

// the built script, as `npm run token` runs it (a TypeScript loader per call would take the test's whole time)
async function token (...args: string[]): Promise<ScriptResult> {
  return await runBuiltScript('token', args)
}

t.test('--help prints the usage and exits 0', async (t) => {
  const flags = ['--help', '-h']
  for (const [i, { code, stdout, stderr }] of (await Promise.all(flags.map((flag) => token(flag)))).entries()) {
    t.equal(code, 0, String(flags[i]))
    t.match(stdout, /Usage: npm run -s token -- \[--client ID\]/)
    t.match(stdout, /--scope/)
    t.equal(stderr, '')
  }
})

t.test('a bad option is one line of error, then the usage, and exit 2; no stack', async (t) => {
  const calls = [['--nope'], ['--client'], ['--ttl', 'soon'], ['--ttl', '0'], ['extra']]
  for (const [i, { code, stdout, stderr }] of (await Promise.all(calls.map((args) => token(...args)))).entries()) {
    const args = calls[i] as string[]
    t.equal(code, 2, args.join(' '))
    t.equal(stdout, '')
    t.match(stderr, /^token: .+\nUsage: npm run -s token/, args.join(' '))
    t.notMatch(stderr, /\n\s+at /, 'no stack trace')
  }
})

t.test('an unknown client is named, exit 1; a good call prints a token', async (t) => {
  const [unknown, good] = await Promise.all([token('--client', 'VN.NOBODY'), token('--client', 'VN.H23.MOTCUA', '--ttl', '60')])
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /VN\.NOBODY/)
  t.notMatch(unknown.stderr, /\n\s+at /)
  t.equal(good.code, 0, good.stderr)
  t.match(good.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/)
})
