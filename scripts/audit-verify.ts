import { parseArgs } from 'node:util'
import type { JWK } from 'jose'
import { ArchiveFileError, readJwks, verifyArchiveFile } from '../src/audit/archive-file.js'
import type { ChainHead } from '../src/audit/checkpoints.js'

/**
 * Verifies audit archives offline, without the store: every record's hash and link, seq continuity, every signed
 * checkpoint, the archive's signature; with several files, that each continues where the one before ended.
 *   npm run -s audit:verify -- FILE [FILE ...] [--keys jwks.json]
 */
const USAGE = `Usage: npm run -s audit:verify -- FILE [FILE ...] [--keys JWKS]

Verifies audit archives (npm run audit:archive, GET /admin/v1/audit/archives) offline. Prints OK with the counts,
or the first record or checkpoint that does not verify (line, seq and reason), and exits 1.
  FILE ...        archives, in chain order when several: each must start where the one before ended
  --keys JWKS     a JWKS file of the gateway keys you trust: every signature must be by one of them
                  (default: the keys the archive carries, which proves integrity but not origin)
  -h, --help      this text
`

function usageError (reason: string): never {
  process.stderr.write(`audit:verify: ${reason}\n${USAGE}`)
  process.exit(2)
}

function options (): { values: { keys?: string | undefined, help: boolean }, positionals: string[] } {
  try {
    return parseArgs({ allowPositionals: true, options: { keys: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } })
  } catch (err) {
    return usageError((err as Error).message)
  }
}

const { values, positionals: files } = options()
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if (files.length === 0) usageError('name at least one archive file')

let trustedKeys: JWK[] | undefined
try {
  trustedKeys = values.keys === undefined ? undefined : await readJwks(values.keys)
} catch (err) {
  if (!(err instanceof ArchiveFileError)) throw err
  process.stderr.write(`audit:verify: ${err.message}\n`)
  process.exit(1)
}

let previous: ChainHead | undefined
for (const file of files) {
  let result
  try {
    result = await verifyArchiveFile(file, trustedKeys === undefined ? {} : { trustedKeys })
  } catch (err) {
    process.stderr.write(`${file}: cannot be read: ${(err as Error).message}\n`)
    process.exit(1)
  }
  const { header, failure } = result
  if (failure !== undefined || header === undefined) {
    process.stderr.write(`${file}: NOT OK at line ${failure?.line ?? 0}${failure?.seq === undefined ? '' : `, seq ${failure.seq}`}: ${failure?.reason ?? 'no header'}\n`)
    process.exit(1)
  }
  if (previous !== undefined && (header.anchor.seq !== previous.seq || header.anchor.hash !== previous.hash)) {
    process.stderr.write(`${file}: NOT OK: starts after seq ${header.anchor.seq}, but the archive before it ends at seq ${previous.seq}${header.anchor.seq === previous.seq ? ' with another hash' : ''}\n`)
    process.exit(1)
  }
  previous = header.last
  const range = result.records === 0 ? 'no records' : `seq ${header.anchor.seq + 1}..${header.last.seq}`
  process.stdout.write(`${file}: OK archive ${header.archiveId} of [${header.period.from}, ${header.period.to}): ${result.records} records (${range}), ` +
    `${result.checkpoints} signed checkpoints, ${trustedKeys === undefined ? 'signed by its own keys' : 'signed by trusted keys'}; sha256 ${result.sha256}\n`)
}
