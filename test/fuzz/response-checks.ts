import type { LightMyRequestResponse } from 'fastify'
import { declaredResponse, type DocumentTools } from './openapi-document.js'
import type { FuzzRequest } from './requests.js'

/**
 * What every answer of the gateway must be, whatever was asked: not a server error, a status the operation
 * declares, a body valid against the schema declared for that status, problem+json for errors, the request id
 * echoed, never a stack trace.
 */

const PROBLEM_TYPE = 'application/problem+json'
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/
// a V8 stack frame ("    at fn (/path/file.js:12:34)"), a Node internal, or an error class with its stack
const STACK_TRACE = /(^|\\n|\n)\s*at (?:async )?\S.*?[(\s]?(?:file:\/\/|node:|\/)[^\s()]*:\d+:\d+\)?|node:internal\/|\b(?:TypeError|ReferenceError|RangeError|SyntaxError): [^"]*(?:\\n|\n)\s+at /

function mediaTypeOf (response: LightMyRequestResponse): string {
  return String(response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

const NDJSON = 'application/x-ndjson'

function isJson (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

export function responseViolations (tools: DocumentTools, request: FuzzRequest, response: LightMyRequestResponse): string[] {
  const { operation } = request
  const status = response.statusCode
  const violations: string[] = []
  if (status >= 500) violations.push(`server error ${status}`)

  const requestId = response.headers['x-request-id']
  const sentId = request.parts.headers['x-request-id']
  if (typeof requestId !== 'string' || requestId === '') violations.push('no X-Request-Id on the response')
  else if (sentId !== undefined && WELL_FORMED_REQUEST_ID.test(sentId) && requestId !== sentId) violations.push(`X-Request-Id ${requestId} is not the well-formed one sent (${sentId})`)

  if (STACK_TRACE.test(response.body)) violations.push('the body carries a stack trace')
  if (status === 401 && response.headers['www-authenticate'] === undefined) violations.push('401 without WWW-Authenticate')
  if (status === 429 && response.headers['retry-after'] === undefined) violations.push('429 without Retry-After')

  const declared = declaredResponse(operation, status)
  if (declared === undefined) {
    violations.push(`status ${status} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`)
    return violations
  }
  const content = declared.content ?? {}
  const mediaType = mediaTypeOf(response)
  if (Object.keys(content).length === 0) {
    if (response.body !== '') violations.push(`status ${status} declares no body, got ${mediaType || 'untyped'} ${JSON.stringify(response.body.slice(0, 200))}`)
    return violations
  }
  const media = content[mediaType]
  if (media === undefined) {
    violations.push(`content-type ${JSON.stringify(mediaType)} is not declared for ${status} (declared: ${Object.keys(content).join(', ')})`)
  }
  if (status >= 400 && mediaType !== PROBLEM_TYPE && content[PROBLEM_TYPE] !== undefined) violations.push(`error ${status} is ${mediaType || 'untyped'}, not ${PROBLEM_TYPE}`)

  if (mediaType === NDJSON) {
    // a stream of JSON values, one a line (the audit archive): each line must be one; the schema says only "text"
    const bad = response.body.split('\n').findIndex((line) => line !== '' && !isJson(line))
    if (bad >= 0) violations.push(`line ${bad + 1} of the NDJSON body is not JSON`)
    return violations
  }
  let body: unknown
  try {
    body = JSON.parse(response.body)
  } catch {
    violations.push(`body is not JSON: ${JSON.stringify(response.body.slice(0, 200))}`)
    return violations
  }
  const schema = (media ?? Object.values(content)[0])?.schema
  if (schema !== undefined) {
    for (const error of tools.responseErrors(schema, body)) violations.push(`body does not match the ${status} schema: ${error}`)
  }
  if (mediaType === PROBLEM_TYPE) {
    const problem = body as { type?: unknown, status?: unknown, requestId?: unknown }
    if (typeof problem.type !== 'string' || problem.type === '') violations.push('problem without type')
    if (problem.status !== status) violations.push(`problem status ${String(problem.status)} is not the HTTP status ${status}`)
    // a replayed answer (Idempotency-Key) too: it is the first answer addressed to this request
    if (typeof problem.requestId !== 'string' || problem.requestId !== requestId) violations.push(`problem requestId ${String(problem.requestId)} is not the X-Request-Id ${String(requestId)}`)
  }
  return violations
}
