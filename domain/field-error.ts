/**
 * One failing field of a caller's input, located by a JSON pointer inside the part of the input it came from
 * (the parts a gateway call has: body, path parameters, query, headers). Domain rules and adapters report
 * refusals in this shape; the gateway sends it unchanged as a problem's `errors[]`.
 */
export interface FieldError {
  in: 'body' | 'params' | 'query' | 'headers'
  pointer: string
  detail: string
}
