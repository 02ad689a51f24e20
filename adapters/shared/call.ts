/** Shapes every adapter's port shares. */

/** Who asks: upstreams log the request id and the acting official with every call. */
export interface CallContext {
  requestId: string
  /** The exchange's message id (X-Message-Id), the same in both ends' logs. */
  messageId?: string
  /** The official acting inside the calling system (X-User-Id). */
  officialId?: string
  signal?: AbortSignal
}

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[]
  /** Absent on the last page. Opaque: pass it back unchanged (with the same filters). */
  nextCursor?: string
}

/**
 * HTTP header values travel as bytes, and Node (like undici) reads and writes header strings one latin1 character
 * per byte. Text beyond ASCII (an official's Vietnamese id) is therefore sent as its UTF-8 bytes...
 */
export function utf8HeaderValue (text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** ...and read back from them: the text, or undefined when the bytes are not UTF-8 (or the value is not bytes). */
export function textOfUtf8Header (value: string): string | undefined {
  // a character above U+00FF cannot have come off the wire as one byte
  if ([...value].some((char) => char.charCodeAt(0) > 0xff)) return undefined
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'))
  } catch {
    return undefined
  }
}
