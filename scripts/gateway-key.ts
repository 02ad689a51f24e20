import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { newGatewayKeyPem } from '../src/signing/gateway-key.js'

/**
 * Makes the gateway's own signing key (Ed25519, PKCS#8 PEM, readable by its owner only) unless the file exists:
 *   npm run -s gateway-key -- FILE
 * Then point GATEWAY_SIGNING_KEY_FILE at it. Rotating: make a new file and set GATEWAY_SIGNING_KEY_ID to a new id;
 * the old public key stays in the store, so what it signed still verifies.
 */
const file = process.argv[2]
if (file === undefined || file.startsWith('-')) {
  process.stderr.write('Usage: npm run -s gateway-key -- FILE\nMakes an Ed25519 signing key in FILE (PKCS#8 PEM) unless FILE exists.\n')
  process.exit(2)
}
if (existsSync(file)) {
  process.stdout.write(`${file} exists: kept\n`)
} else {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, newGatewayKeyPem(), { mode: 0o600 })
  process.stdout.write(`${file}: new Ed25519 gateway signing key\n`)
}
