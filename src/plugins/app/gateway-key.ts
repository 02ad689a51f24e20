import { createPrivateKey } from 'node:crypto'
import fp from 'fastify-plugin'
import type { SigningConfig } from '../../config/index.js'
import { registerPublicKey } from '../../signing/key-register.js'
import { gatewayKeyOf, GatewayKeyError, loadGatewayKey, newGatewayKeyPem, type GatewayKey } from '../../signing/gateway-key.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's own signing key: audit checkpoints and archives, responses signed on request. */
    gatewayKey: GatewayKey
  }
}

/**
 * Loads the gateway's key and records its public half in the store, where it stays after the key is rotated so
 * that what the old key signed still verifies. A demo gateway built without a key file gets a fresh one.
 */
export default fp<{ config: SigningConfig, demo: boolean }>(async function gatewayKey (app, { config, demo }) {
  let key: GatewayKey
  if (config.keyFile !== undefined) key = await loadGatewayKey(config.keyFile, config.keyId)
  else if (demo) key = await gatewayKeyOf(createPrivateKey(newGatewayKeyPem()), config.keyId)
  else throw new GatewayKeyError('GATEWAY_SIGNING_KEY_FILE is required unless DEMO=true')
  await registerPublicKey(app.store, key)
  app.decorate('gatewayKey', key)
}, { name: 'gateway-key', dependencies: ['store'] })
