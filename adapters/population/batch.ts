/**
 * The population database's batch identity verification (Project 06 data cleaning) on the wire, as the client and
 * the simulator speak it: three SOAP operations on the lookup's endpoint, signed and faulted like it.
 *
 *   GuiLoXacThuc  {MaYeuCau, MaDVC?, MaTichHop, MaCanBo?, MaDonVi, DanhSachBanGhi: BanGhi+ {MaBanGhi, SoDinhDanh,
 *                  HoVaTen, NgayThangNamSinh yyyyMMdd, GioiTinh?}}  →  {MaYeuCau, MaLo, TongSo}
 *   TrangThaiLo   {MaYeuCau, MaTichHop, MaCanBo?, MaDonVi, MaLo}
 *                 →  {MaYeuCau, MaKetQua 0|1, MoTaKetQua, MaLo?, TrangThai? DANG_XU_LY|HOAN_THANH|LOI, TongSo?, DaXuLy?}
 *   KetQuaLo      {MaYeuCau, MaTichHop, MaCanBo?, MaDonVi, MaLo, ConTro?, SoLuong 1…1000}
 *                 →  {… as TrangThaiLo, DanhSachKetQua: KetQuaBanGhi* {MaBanGhi, KetQua KHOP|KHONG_KHOP|KHONG_TIM_THAY,
 *                     TruongKhongKhop* HoVaTen|NgayThangNamSinh|GioiTinh}, ConTro?}
 *
 * A batch is seen only by the integration code (MaTichHop) that submitted it; MaKetQua 1 is "no such batch". A
 * submission is keyed by (MaTichHop, MaYeuCau): sent again with the same records it answers the same MaLo, so a
 * retried submission creates nothing. Results come in submission order, for the records processed so far; ConTro
 * is absent once the page reaches the end of the batch (or of what a failed batch processed). Refusals are
 * soap:Client faults, two with a sub-code a caller can act on (SOAP 1.1 dotted fault codes).
 */

export const BATCH_OPERATIONS = { submit: 'GuiLoXacThuc', status: 'TrangThaiLo', results: 'KetQuaLo' } as const

export const MAX_RESULTS_PAGE = 1000
export const MAX_REFERENCE_LENGTH = 64

/** MaKetQua of TrangThaiLo and KetQuaLo. */
export const BATCH_RESULT_CODES = { found: '0', noSuchBatch: '1' } as const

export const BATCH_STATES = { DANG_XU_LY: 'processing', HOAN_THANH: 'completed', LOI: 'failed' } as const
export type WireBatchState = keyof typeof BATCH_STATES

export const VERDICTS = ['KHOP', 'KHONG_KHOP', 'KHONG_TIM_THAY'] as const
export type Verdict = typeof VERDICTS[number]

/** TruongKhongKhop → the gateway's field names (domain/identity.ts). */
export const COMPARED_FIELDS = { HoVaTen: 'fullName', NgayThangNamSinh: 'dateOfBirth', GioiTinh: 'gender' } as const
export type WireField = keyof typeof COMPARED_FIELDS

/** faultcode sub-codes (after `soap:`) of refusals the client turns into the caller's input errors. */
export const BATCH_FAULTS = { tooLarge: 'Client.VuotQuaGioiHan', badCursor: 'Client.ConTroKhongHopLe' } as const

/** A results cursor: the batch and the position of the next record, base64url, so it cannot serve another batch. */
export function encodeResultsCursor (batchId: string, next: number): string {
  return Buffer.from(JSON.stringify({ l: batchId, o: next })).toString('base64url')
}

/** The position a cursor of this batch resumes at, or undefined when it is not one this batch issued. */
export function decodeResultsCursor (batchId: string, cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  const next = (decoded as { o?: unknown } | null)?.o
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0) return undefined
  return encodeResultsCursor(batchId, next) === cursor ? next : undefined
}
