import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

// A personal id in a URL is personal data: logs keep the shape of the path, not the id.
const PERSONAL_ID_IN_PATH = /\b[0-9]{12}\b/g

export function maskPersonalIds (text: string): string {
  return text.replace(PERSONAL_ID_IN_PATH, '************')
}

export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string, url: string, ip?: string }) => ({ method: req.method, url: maskPersonalIds(req.url), remoteAddress: req.ip })
    }
  }
}
