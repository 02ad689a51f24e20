import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config/index.js'

// A personal id in a URL is personal data: logs keep the shape of the path, not the id.
const PERSONAL_ID_IN_PATH = /\b[0-9]{12}\b/g

export function maskPersonalIds (text: string): string {
  return text.replace(PERSONAL_ID_IN_PATH, '************')
}

// Fields that identify or describe a person, wherever a log call puts them (top level or one level down).
const PERSONAL_FIELDS = ['personalId', 'fullName', 'fatherFullName', 'motherFullName', 'dateOfBirth', 'permanentAddress', 'currentAddress', 'placeOfOrigin']

export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', ...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((field) => `*.${field}`)],
      censor: '[redacted]'
    },
    hooks: {
      // messages are free text (upstream fault strings, error messages): mask any personal id in them
      logMethod (args, method) {
        method.apply(this, args.map((arg) => typeof arg === 'string' ? maskPersonalIds(arg) : arg) as Parameters<typeof method>)
      }
    },
    serializers: {
      req: (req: { method: string, url: string, ip?: string }) => ({ method: req.method, url: maskPersonalIds(req.url), remoteAddress: req.ip })
    }
  }
}
