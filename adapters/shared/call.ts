/** Shapes every adapter's port shares. */

/** Who asks: upstreams log the request id and the acting official with every call. */
export interface CallContext {
  requestId: string
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
