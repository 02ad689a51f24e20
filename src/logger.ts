import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config/index.js'

/**
 * A personal id is personal data wherever it turns up in a log line: in a path, glued to other characters
 * (`?personalId=025090001234x`, `HS-025090001234` as a request id), its digits percent-encoded (`%30%32%35…`),
 * or in a `%2F`-encoded path. Any run of 12 or more digits, each written as itself or as `%3N`, is masked: a
 * longer number loses its digits too, which costs a log reader little and never lets an id through.
 */
const DIGIT_RUN = /(?:[0-9]|%3[0-9]){12,}/g

export function maskPersonalIds (text: string): string {
  return text.replace(DIGIT_RUN, '************')
}

// Credentials a careless client puts in a URL (`?access_token=…`), in any case, the name percent-encoded or not;
// and a bearer token quoted in free text. The name is kept, so the log still says what was sent.
const CREDENTIAL_PARAMETER = /([?&;](?:access(?:_|%5f)token|token|api(?:_|%5f|-)?key|password|passwd|secret)=)[^&#;"\s]*/gi
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi

export function maskCredentials (text: string): string {
  return text.replace(CREDENTIAL_PARAMETER, '$1[redacted]').replace(BEARER, '$1[redacted]')
}

function masked (text: string): string {
  return maskCredentials(maskPersonalIds(text))
}

// a JSON string literal, escapes included
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g

/**
 * The last look at every log line, serialized: each string in it — any field at any depth, bindings such as the
 * request id, messages, error stacks — masked. Numbers (the time) are left alone, so the line stays JSON.
 */
export function maskLogLine (line: string): string {
  return line.replace(JSON_STRING, masked)
}

// Fields that identify or describe a person, wherever a log call puts them (top level or one level down).
const PERSONAL_FIELDS = ['personalId', 'fullName', 'fatherFullName', 'motherFullName', 'dateOfBirth', 'permanentAddress', 'currentAddress', 'placeOfOrigin']
// Credential headers, in a request logged whole or in headers an adapter logs (up to two levels down).
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization', 'set-cookie']
const CREDENTIAL_PATHS = ['headers', '*.headers', '*.*.headers'].flatMap((at) =>
  CREDENTIAL_HEADERS.map((name) => /^[a-z]+$/.test(name) ? `${at}.${name}` : `${at}["${name}"]`))

export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: [...CREDENTIAL_PATHS, ...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((field) => `*.${field}`)],
      censor: '[redacted]'
    },
    // every string of every line, whoever logged it (Fastify, pino's bindings, a serializer, an error's stack)
    hooks: { streamWrite: maskLogLine },
    serializers: {
      req: (req: { method: string, url: string, ip?: string }) => ({ method: req.method, url: req.url, remoteAddress: req.ip })
    }
  }
}
