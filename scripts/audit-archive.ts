import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ArchiveFileError, writeArchiveFile } from '../src/audit/archive-file.js'
import { archiveFileName, ArchiveRangeError, previousMonth } from '../src/audit/archive.js'
import { pruneArchived } from '../src/audit/retention.js'
import { ConfigError, loadConfig } from '../src/config/index.js'
import { GatewayKeyError, loadGatewayKey } from '../src/signing/gateway-key.js'
import { registerPublicKey } from '../src/signing/key-register.js'
import { openDb } from '../src/store/db.js'
import { migrate } from '../src/store/migrate.js'

/**
 * Writes the signed archive of a period of the audit trail, verifies the written file, records it as archived;
 * with --prune, then removes the months past AUDIT_RETENTION_DAYS that verified archives hold.
 *   npm run -s audit:archive -- [--from 2026-10-01 --to 2026-11-01] [--out FILE] [--prune | --prune-only]
 */
const USAGE = `Usage: npm run -s audit:archive -- [--from DATE --to DATE] [--out FILE] [--prune | --prune-only]

Archives the audit records of [from, to) into a signed NDJSON file, verifies the file as written, and only then
records it as archived. Reads the gateway's environment (store, GATEWAY_SIGNING_KEY_FILE, AUDIT_*).
  --from DATE     start, inclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant
  --to DATE       end, exclusive (default with --from unset: the previous whole UTC month)
  --out FILE      where to write (default: AUDIT_ARCHIVE_DIR or the current directory, audit-YYYY-MM.ndjson)
  --prune         then remove the months past AUDIT_RETENTION_DAYS that verified archives hold
  --prune-only    only that: write no archive (the period's archive was written before)
  -h, --help      this text
`

function usageError (reason: string): never {
  process.stderr.write(`audit:archive: ${reason}\n${USAGE}`)
  process.exit(2)
}

function failure (reason: string): never {
  process.stderr.write(`audit:archive: ${reason}\n`)
  process.exit(1)
}

function options (): { from?: string | undefined, to?: string | undefined, out?: string | undefined, prune: boolean, 'prune-only': boolean, help: boolean } {
  try {
    return parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        prune: { type: 'boolean', default: false },
        'prune-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }).values
  } catch (err) {
    return usageError((err as Error).message)
  }
}

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/
const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$/

function instant (name: string, value: string): string {
  const at = new Date(DATE.test(value) ? `${value}T00:00:00Z` : value)
  if (!(DATE.test(value) || INSTANT.test(value)) || Number.isNaN(at.getTime())) usageError(`--${name} must be YYYY-MM-DD or an ISO 8601 instant (got ${JSON.stringify(value)})`)
  return at.toISOString()
}

const values = options()
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if ((values.from === undefined) !== (values.to === undefined)) usageError('give both --from and --to, or neither (the previous month)')
const period = values.from === undefined || values.to === undefined
  ? previousMonth(new Date())
  : { from: instant('from', values.from), to: instant('to', values.to) }

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (err instanceof ConfigError) failure(err.message)
  throw err
}
if (config.signing.keyFile === undefined) failure('GATEWAY_SIGNING_KEY_FILE is required: the archive is signed with the gateway\'s key')
const out = values.out ?? join(config.audit.archiveDir ?? process.cwd(), archiveFileName(period))

const db = await openDb(config.store)
try {
  await migrate(db)
  const key = await loadGatewayKey(config.signing.keyFile, config.signing.keyId)
  await registerPublicKey(db, key)
  if (!values['prune-only']) {
    const { header, verification } = await writeArchiveFile(db, key, period, out)
    const range = header.records === 0 ? 'no records' : `seq ${header.anchor.seq + 1}..${header.last.seq}`
    process.stdout.write(`archived [${header.period.from}, ${header.period.to}): ${header.records} records (${range}), ` +
      `${verification.checkpoints} signed checkpoints, into ${out}; verified; archive ${header.archiveId}, sha256 ${verification.sha256}\n`)
  }
  if (values.prune || values['prune-only']) {
    const pruned = await pruneArchived(db, { retentionDays: config.audit.retentionDays })
    for (const month of pruned.removed) process.stdout.write(`removed ${month.month}: ${month.records} records${month.archiveId === undefined ? '' : ` (archive ${month.archiveId})`}\n`)
    if (pruned.kept !== undefined) process.stdout.write(`kept ${pruned.kept.month}: ${pruned.kept.reason}\n`)
    process.stdout.write(`removed ${pruned.messageIds} reserved message ids older than ${config.audit.retentionDays} days\n`)
  }
} catch (err) {
  if (!(err instanceof ArchiveRangeError || err instanceof ArchiveFileError || err instanceof GatewayKeyError)) throw err
  // a reason, not a stack; the store is still closed below
  process.stderr.write(`audit:archive: ${err.message}\n`)
  process.exitCode = 1
} finally {
  await db.close()
}
