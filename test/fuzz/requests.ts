import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import type { DocumentTools, Operation, Parameter } from './openapi-document.js'
import { HEADER_SAFE, invalidValue, NASTY_STRINGS, validValue, type JsonSchema } from './schema-arbitraries.js'

/**
 * One HTTP request to an operation, kept in parts (decoded path parameters, query pairs, headers, body) so it
 * can be checked against the document, mutated one part at a time, rendered for `inject` and printed.
 */

export type Body =
  | { kind: 'none' }
  | { kind: 'json', value: unknown, contentType: string }
  | { kind: 'raw', text: string, contentType?: string }

export interface RequestParts {
  /** Decoded values; `rawPath` holds segments sent verbatim (already percent-encoded, or deliberately not). */
  path: Record<string, string>
  rawPath: Record<string, string>
  query: Array<[string, string]>
  headers: Record<string, string>
  body: Body
}

/** What the answer must be, when the mutation alone decides it. */
export interface Expectation {
  why: string
  accepts: (status: number) => boolean
}

export interface FuzzRequest {
  operation: Operation
  parts: RequestParts
  /** What was done to a valid request, or `valid`. */
  label: string
  expect?: Expectation
}

export interface AuthVariant {
  label: string
  /** The Authorization header, or undefined for none. */
  authorization: string | undefined
  expect: Expectation
}

export interface RequestFactoryOptions {
  tools: DocumentTools
  /** Authorization for a caller holding every scope the operation needs. */
  authorization: (operation: Operation) => string
  /** Callers who must be refused by secured operations. */
  badAuth: readonly AuthVariant[]
  /** The gateway's body limit, to send one byte more. */
  bodyLimitBytes: number
}

// ---- rendering ----

function encodeSegment (value: string): string {
  return encodeURIComponent(value)
}

export function urlOf (request: FuzzRequest): string {
  const { operation, parts } = request
  const path = operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => parts.rawPath[name] ?? encodeSegment(parts.path[name] ?? ''))
  const query = parts.query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')
  return query === '' ? path : `${path}?${query}`
}

function payloadOf (body: Body): string | undefined {
  if (body.kind === 'none') return undefined
  return body.kind === 'raw' ? body.text : JSON.stringify(body.value)
}

export function injectOptions (request: FuzzRequest): InjectOptions {
  const { body } = request.parts
  const headers: Record<string, string> = { ...request.parts.headers }
  if (body.kind !== 'none' && body.contentType !== undefined) headers['content-type'] = body.contentType
  const payload = payloadOf(body)
  return { method: request.operation.method as InjectOptions['method'], url: urlOf(request), headers, ...(payload === undefined ? {} : { payload }) }
}

const clip = (text: string, max = 600): string => text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text

/** The request as a reader can replay it. */
export function describe (request: FuzzRequest): string {
  const options = injectOptions(request)
  const headers = Object.entries(options.headers as Record<string, string>)
    .map(([name, value]) => `  ${name}: ${name === 'authorization' && value.length > 40 ? `${value.slice(0, 30)}…` : clip(JSON.stringify(value), 200)}`)
  const payload = options.payload === undefined ? '' : `\n  body: ${clip(JSON.stringify(options.payload))}`
  return `[${request.label}] ${options.method} ${clip(urlOf(request), 400)}\n${headers.join('\n')}${payload}`
}

/** A request that prints as what it is (fast-check shows counterexamples with this), not as its operation object. */
function makeRequest (operation: Operation, label: string, parts: RequestParts, expect?: Expectation): FuzzRequest {
  const request: FuzzRequest = { operation, label, parts, ...(expect === undefined ? {} : { expect }) }
  return Object.defineProperty(request, fc.toStringMethod, { value: () => describe(request), enumerable: false })
}

function withParts (request: FuzzRequest, label: string, change: Partial<RequestParts>, expect?: Expectation): FuzzRequest {
  return makeRequest(request.operation, label, { ...request.parts, ...change }, expect)
}

// ---- the document's verdict on a request ----

/** The request as the gateway's validation sees it: query pairs grouped (a repeated name is an array). */
function queryObject (pairs: Array<[string, string]>): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of pairs) {
    const existing = object[name]
    object[name] = existing === undefined ? value : [...[existing].flat(), value]
  }
  return object
}

interface LocationSchemas {
  path: JsonSchema
  query: JsonSchema
  header: JsonSchema
}

const locationSchemaCache = new WeakMap<Operation, LocationSchemas>()

function locationSchemas (operation: Operation): LocationSchemas {
  let schemas = locationSchemaCache.get(operation)
  if (schemas === undefined) {
    const of = (location: Parameter['in']): JsonSchema => {
      const parameters = operation.parameters.filter((parameter) => parameter.in === location)
      return {
        type: 'object',
        properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
        required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name)
      }
    }
    schemas = { path: of('path'), query: of('query'), header: of('header') }
    locationSchemaCache.set(operation, schemas)
  }
  return schemas
}

/** Why the document says this request is invalid (empty: valid as far as the document can tell). */
export function documentVerdict (tools: DocumentTools, request: FuzzRequest): string[] {
  const { operation, parts } = request
  const schemas = locationSchemas(operation)
  const errors = [
    ...tools.requestErrors(schemas.path, parts.path).map((error) => `path${error}`),
    ...tools.requestErrors(schemas.query, queryObject(parts.query)).map((error) => `query${error}`),
    ...tools.requestErrors(schemas.header, parts.headers).map((error) => `header${error}`)
  ]
  const body = operation.body
  if (body !== undefined) {
    if (parts.body.kind === 'none') {
      if (body.required) errors.push('body is required')
    } else if (parts.body.kind === 'json' && body.schema !== undefined) {
      errors.push(...tools.requestErrors(body.schema, parts.body.value).map((error) => `body${error}`))
    }
  }
  return errors
}

// ---- valid requests ----

/** Wire text of a generated value: numbers and booleans as text, anything else as JSON. */
function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

/** Query pairs for a value: arrays repeat the name (OpenAPI's default `form`, `explode`). */
function queryPairs (name: string, value: unknown): Array<[string, string]> {
  return Array.isArray(value) ? value.map((item) => [name, text(item)]) : [[name, text(value)]]
}

/** Path segments a client or the router normalises away: they would reach another route, not this operation. */
const UNROUTABLE_SEGMENT = (value: string): boolean => value === '' || value === '.' || value === '..'

export function validRequest (operation: Operation, options: RequestFactoryOptions): fc.Arbitrary<FuzzRequest> {
  const { tools } = options
  const parameterArb = (parameter: Parameter): fc.Arbitrary<unknown> =>
    validValue(parameter.schema, tools, { name: parameter.name, headerSafe: parameter.in === 'header' })
  const ofLocation = (location: Parameter['in']): Parameter[] => operation.parameters.filter((parameter) => parameter.in === location)
  // An optional parameter is sent when its draw is under the request's density: some requests send none of
  // them (lists that are not empty), some all, most a few.
  const optional = (parameter: Parameter): fc.Arbitrary<{ draw: number, value: unknown }> =>
    fc.record({ draw: parameter.required ? fc.constant(-1) : fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), value: parameterArb(parameter) })
  const density = fc.constantFrom(0, 0.25, 0.5, 1)

  const path = fc.record(Object.fromEntries(ofLocation('path').map((parameter) => [parameter.name,
    parameterArb(parameter).map(text).filter((value) => !UNROUTABLE_SEGMENT(value))])))
  const queryDraws = fc.tuple(...ofLocation('query').map((parameter) => optional(parameter).map((drawn) => ({ ...drawn, name: parameter.name }))))
  const headerDraws = fc.tuple(...ofLocation('header').map((parameter) => optional(parameter).map((drawn) => ({ ...drawn, name: parameter.name }))))
  const chosen = <T extends { draw: number }>(draws: T[], cut: number): T[] => draws.filter(({ draw }) => draw < cut)
  const query = fc.tuple(queryDraws, density).map(([draws, cut]) => chosen(draws, cut).flatMap(({ name, value }) => queryPairs(name, value)))
  const headers = fc.tuple(headerDraws, density).map(([draws, cut]) => Object.fromEntries(chosen(draws, cut).map(({ name, value }) => [name, text(value)])))
  const bodySpec = operation.body
  const body: fc.Arbitrary<Body> = bodySpec?.schema === undefined
    ? fc.constant({ kind: 'none' })
    : fc.tuple(validValue(bodySpec.schema, tools), fc.constantFrom('application/json', 'application/json; charset=utf-8'))
      .map(([value, contentType]) => ({ kind: 'json', value, contentType }))
  const requestId = fc.option(fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/), { nil: undefined, freq: 3 })

  return fc.record({ path, query, headers, body, requestId }).map(({ path, query, headers, body, requestId }) => makeRequest(operation, 'valid', {
    path: path as Record<string, string>,
    rawPath: {},
    query,
    headers: {
      ...headers,
      ...(operation.secured ? { authorization: options.authorization(operation) } : {}),
      ...(requestId === undefined ? {} : { 'x-request-id': requestId })
    },
    body
  }))
}

// ---- invalid requests: a valid one with one thing wrong ----

type Mutation = (request: FuzzRequest) => fc.Arbitrary<FuzzRequest>

const STATUS = (statuses: number[], why: string): Expectation => ({ why, accepts: (status) => statuses.includes(status) })
const CLIENT_ERROR = (why: string): Expectation => ({ why, accepts: (status) => status >= 400 && status < 500 })

const BAD_JSON = ['{', '{"status":', '[1,2', "{'status':'received'}", 'nul', '{"a":1}}', '{"a":1,}', '\u0000', '"unterminated', '{"a":NaN}',
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":"\\ud800"', '['.repeat(3000) + ']'.repeat(2999)]
const BAD_CONTENT_TYPES = ['text/plain', 'application/xml', 'text/xml; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/octet-stream', 'application/jsonp', 'image/png']
const BAD_PERCENT = ['%', '%E0%A4%A', '%zz', 'abc%', '%C0%AF', '%FF%FE']
const ODD_QUERY_NAMES = ['__proto__', 'constructor', 'limit[]', 'a[b]', 'toString', '', ' ', 'cursor\u0000', 'Limit', 'LIMIT', 'q;x']

export function invalidRequest (operation: Operation, options: RequestFactoryOptions): fc.Arbitrary<FuzzRequest> {
  const { tools } = options
  const mutations: Mutation[] = []
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path')
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query')
  const headerParameters = operation.parameters.filter((parameter) => parameter.in === 'header')

  if (pathParameters.length > 0) {
    mutations.push((request) => fc.constantFrom(...pathParameters).chain((parameter) =>
      invalidValue(parameter.schema, tools).map(text).filter((value) => !UNROUTABLE_SEGMENT(value))
        .map((value) => withParts(request, `path ${parameter.name}`, { path: { ...request.parts.path, [parameter.name]: value } }))))
    mutations.push((request) => fc.tuple(fc.constantFrom(...pathParameters), fc.constantFrom(...BAD_PERCENT)).map(([parameter, raw]) =>
      withParts(request, `path ${parameter.name} badly percent-encoded`, { rawPath: { ...request.parts.rawPath, [parameter.name]: raw } }, CLIENT_ERROR('a malformed URL'))))
  }
  if (queryParameters.length > 0) {
    mutations.push((request) => fc.constantFrom(...queryParameters).chain((parameter) => invalidValue(parameter.schema, tools).map((value) =>
      withParts(request, `query ${parameter.name}`, { query: [...request.parts.query.filter(([name]) => name !== parameter.name), ...queryPairs(parameter.name, value)] }))))
    // the same parameter twice: an array where the schema wants one value
    mutations.push((request) => fc.constantFrom(...queryParameters).chain((parameter) =>
      fc.tuple(validValue(parameter.schema, tools, { name: parameter.name }), validValue(parameter.schema, tools, { name: parameter.name })).map(([first, second]) =>
        withParts(request, `query ${parameter.name} repeated`, { query: [...request.parts.query.filter(([name]) => name !== parameter.name), [parameter.name, text(first)], [parameter.name, text(second)]] }))))
  }
  const required = operation.parameters.filter((parameter) => parameter.required && parameter.in !== 'path')
  if (required.length > 0) {
    mutations.push((request) => fc.constantFrom(...required).map((parameter) => parameter.in === 'query'
      ? withParts(request, `query ${parameter.name} missing`, { query: request.parts.query.filter(([name]) => name !== parameter.name) })
      : withParts(request, `header ${parameter.name} missing`, { headers: Object.fromEntries(Object.entries(request.parts.headers).filter(([name]) => name !== parameter.name)) })))
  }
  // a parameter the operation does not declare (refused or ignored, never a failure)
  mutations.push((request) => fc.tuple(fc.oneof(fc.constantFrom(...ODD_QUERY_NAMES), fc.string({ minLength: 1, maxLength: 10 })), fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string())).map(([name, value]) =>
    withParts(request, `query ${JSON.stringify(name)} undeclared`, { query: [...request.parts.query, [name, value]] })))
  if (headerParameters.length > 0) {
    mutations.push((request) => fc.constantFrom(...headerParameters).chain((parameter) => invalidValue(parameter.schema, tools, { headerSafe: true }).map((value) =>
      withParts(request, `header ${parameter.name}`, { headers: { ...request.parts.headers, [parameter.name]: text(value) } }))))
  }
  // headers every call may carry: a request id the gateway must not trust blindly, an official, a purpose
  mutations.push((request) => fc.tuple(fc.constantFrom('x-request-id', 'x-user-id', 'x-purpose', 'accept', 'x-forwarded-for'),
    fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary-ascii', maxLength: 300 }), fc.constant('x'.repeat(8000)))
      .filter((value) => HEADER_SAFE.test(value)))
    .map(([name, value]) => withParts(request, `header ${name} odd`, { headers: { ...request.parts.headers, [name]: value } })))

  const body = operation.body
  const jsonType = 'application/json'
  if (body !== undefined) {
    if (body.schema !== undefined) {
      const schema = body.schema
      mutations.push((request) => invalidValue(schema, tools).map((value) =>
        withParts(request, 'body invalid', { body: { kind: 'json', value, contentType: jsonType } })))
    }
    mutations.push((request) => fc.constantFrom(...BAD_JSON).map((textBody) =>
      withParts(request, 'body not JSON', { body: { kind: 'raw', text: textBody, contentType: jsonType } }, STATUS([400], 'a body that is not JSON'))))
    mutations.push((request) => fc.constantFrom('', ' ', '\n').map((textBody) =>
      withParts(request, 'body empty', { body: { kind: 'raw', text: textBody, contentType: jsonType } }, STATUS([400], 'an empty JSON body'))))
    if (body.required) {
      mutations.push((request) => fc.constant(withParts(request, 'body missing', { body: { kind: 'none' } }, STATUS([400, 415], 'no body where one is required'))))
    }
    mutations.push((request) => fc.constantFrom(...BAD_CONTENT_TYPES).map((contentType) =>
      withParts(request, `body as ${contentType}`, { body: { kind: 'raw', text: payloadOf(request.parts.body) ?? 'x', contentType } }, STATUS([415], 'a media type the operation does not accept'))))
    mutations.push((request) => fc.constantFrom('string', 'object').map((shape) => {
      const filler = 'x'.repeat(options.bodyLimitBytes + 1)
      const textBody = shape === 'string' ? JSON.stringify(filler) : JSON.stringify({ filler })
      return withParts(request, 'body over the limit', { body: { kind: 'raw', text: textBody, contentType: jsonType } }, STATUS([413], 'a body over the limit'))
    }))
  } else if (operation.method !== 'GET' && operation.method !== 'HEAD') {
    // a body the operation does not take
    mutations.push((request) => fc.tuple(fc.constantFrom(...BAD_CONTENT_TYPES, jsonType), fc.constantFrom('{"a":1}', 'hello', '')).map(([contentType, textBody]) =>
      withParts(request, `unexpected body as ${contentType}`, { body: { kind: 'raw', text: textBody, contentType } })))
  }

  if (operation.secured) {
    mutations.push((request) => fc.constantFrom(...options.badAuth).map((variant) => {
      const headers = Object.fromEntries(Object.entries(request.parts.headers).filter(([name]) => name !== 'authorization'))
      return withParts(request, `auth: ${variant.label}`, { headers: variant.authorization === undefined ? headers : { ...headers, authorization: variant.authorization } }, variant.expect)
    }))
  }

  return validRequest(operation, options).chain((request) => fc.oneof(...mutations.map((mutate) => mutate(request))))
}
