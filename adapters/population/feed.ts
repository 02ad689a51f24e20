/**
 * The population database's change feed on the wire, as both the client and the simulator speak it.
 *
 *   GET <SOAP endpoint>/changes?since=<cursor>&limit=<n>      e.g. GET /ws/dancu/changes?since=eyJzIjoxMDAxfQ&limit=1000
 *
 * Signed like a SOAP call: `Timestamp` and `Authorization: Basic base64(user:sha256(url + user + timestamp +
 * secret))`, where url is the full request URL as sent, query string included (so a signed call cannot be
 * replayed for another page).
 *
 *   200 {
 *     DuLieu: [{ SoThuTu: 1, LoaiThayDoi: "THEM" | "SUA", ThoiDiem: "yyyyMMddHHmmss" (Vietnam time),
 *                CongDan: { SoDinhDanh, HoVaTen, NgayThangNamSinh, GioiTinh, … the SOAP record's fields } }],
 *     ConTro: "<cursor of the next page>" | null (nothing after this page, for now),
 *     TongSo: <changes the feed holds>
 *   }
 *
 * SoThuTu strictly increases along the feed. `since` is absent for the start of the feed, else a ConTro this feed
 * issued; `limit` is 1…5000 (default 1000). A cursor is base64url of `{"s":<SoThuTu of the next change>}`, so the
 * reader that stored the last SoThuTu it kept can resume after it once the feed has grown (ConTro is null at the
 * end). Refusals are JSON `{MaLoi, MoTaLoi}`: 400 CON_TRO_KHONG_HOP_LE (cursor not issued by this feed) or
 * THAM_SO_KHONG_HOP_LE (limit), 401 KHONG_XAC_THUC (signature or Timestamp), 5xx HE_THONG_BAN.
 */

export const CHANGES_SUFFIX = '/changes'
export const MAX_CHANGES_LIMIT = 5000
export const DEFAULT_CHANGES_LIMIT = 1000

export const FEED_ERRORS = {
  badCursor: 'CON_TRO_KHONG_HOP_LE',
  badParameter: 'THAM_SO_KHONG_HOP_LE',
  unauthorized: 'KHONG_XAC_THUC',
  busy: 'HE_THONG_BAN'
} as const

/** LoaiThayDoi → the port's change kind. */
export const CHANGE_KINDS = { THEM: 'created', SUA: 'updated' } as const
export type FeedChangeKind = keyof typeof CHANGE_KINDS

/** The cursor of the page that starts at SoThuTu `next`. */
export function encodeCursor (next: number): string {
  return Buffer.from(JSON.stringify({ s: next })).toString('base64url')
}

/** The SoThuTu a cursor starts at, or undefined when the text is not a cursor of this shape. */
export function decodeCursor (cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  const next = (decoded as { s?: unknown } | null)?.s
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1) return undefined
  // Only the exact text this feed issues: no padding, extra members or other spellings of the same number.
  return encodeCursor(next) === cursor ? next : undefined
}
