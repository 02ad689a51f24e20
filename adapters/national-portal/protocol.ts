/**
 * The national public-service portal's synchronisation protocol, shared by the client and the simulator.
 *
 * JSON over HTTP, two endpoints under the portal's base URL (the simulator's is `http://127.0.0.1:<port>/api`):
 *
 *   POST {base}/login  {username, password}
 *        → 200 {error_code: 0, session, message}
 *        | 200 {error_code: 1, message}                 wrong user name or password
 *   POST {base}/dvc    {session, service, isUpdating: "True" | "False", data: [item, …]}
 *        → 200 {error_code: 0, message, data: [{MaHoSo, SoThuTuTrangThai, KetQua}, …]}, one result per item, in order
 *        | 200 {error_code: ≠ 0, message}               nothing of the call was recorded
 *
 * `error_code` is the outcome, whatever the HTTP status says: 0 success, 1 login refused, 2 session unknown or
 * expired (log in again), 3 invalid data (the message names the item and field), 4 unknown service, 5 progress of a
 * dossier the portal does not hold, 99 portal busy or failing. An HTTP 503 means the portal is unavailable.
 *
 * Services (`service`):
 * - `DongBoHoSoMC`: creates (`isUpdating: "False"`) or updates (`"True"`) dossiers. Item fields: `MaHoSo`,
 *   `MaTTHC` (national procedure code), `ChuHoSo`, `LoaiDoiTuong` (1 citizen, 2 business), `MaDoiTuong`,
 *   `NgayTiepNhan`, `NgayHenTra`, `NgayTra` ("" until finished), `TrangThaiHoSo` (national status code),
 *   `SoThuTuTrangThai` (the sequence of the status change this state reflects). The portal upserts by `MaHoSo`
 *   and keeps the state of the highest `SoThuTuTrangThai`: an older or equal one is `DaTonTai` and changes nothing.
 * - `CapNhatTienDoHoSoMC`: adds progress entries (`isUpdating: "False"`) or corrects them (`"True"`). Item fields:
 *   `MaHoSo`, `SoThuTuTrangThai`, `NguoiXuLy` (official's name), `ChucDanh` (title), `PhongBanXuLy` (department),
 *   `ThoiDiemXuLy`, `NoiDungXuLy`, `TrangThai` (national status code), `NgayBatDau` (start of the step),
 *   `NgayKetThucTheoQuyDinh` (statutory end). Entries are keyed by (`MaHoSo`, `SoThuTuTrangThai`): adding one the
 *   portal already holds is `DaTonTai` and records nothing, so a repeated push is harmless.
 *
 * Times are `yyyyMMddHHmmss`, Vietnam time. Status codes are text, as the portal's catalogue numbers them.
 */

export type PortalRecord = Record<string, unknown>

export const PORTAL_PATHS = { login: '/login', data: '/dvc' } as const

export const SERVICES = { dossier: 'DongBoHoSoMC', progress: 'CapNhatTienDoHoSoMC' } as const
export type PortalService = typeof SERVICES[keyof typeof SERVICES]

export const ERROR_CODES = {
  ok: 0,
  badCredentials: 1,
  sessionExpired: 2,
  invalidData: 3,
  unknownService: 4,
  dossierNotFound: 5,
  busy: 99
} as const

/** `KetQua` of one item: recorded new, changed what the portal held, or already held (nothing changed). */
export const ITEM_RESULTS = { created: 'ThemMoi', updated: 'CapNhat', existing: 'DaTonTai' } as const
export type ItemResult = typeof ITEM_RESULTS[keyof typeof ITEM_RESULTS]

/** The field that, with `MaHoSo`, identifies one status change on the portal. */
export const SEQUENCE_FIELD = 'SoThuTuTrangThai'

/** Most items one data call may carry. */
export const MAX_ITEMS = 100

/**
 * The portal's dossier statuses (`TrangThaiHoSo`, `TrangThai`): 1 mới đăng ký, 2 được tiếp nhận, 3 không được
 * tiếp nhận, 4 đang xử lý, 5 yêu cầu bổ sung giấy tờ, 6 yêu cầu thực hiện nghĩa vụ tài chính, 7 rút hồ sơ theo yêu
 * cầu, 8 dừng xử lý, 9 đã xử lý xong, 10 đã trả kết quả.
 */
export const NATIONAL_STATUS_LABELS: Readonly<Record<string, string>> = {
  1: 'Mới đăng ký',
  2: 'Được tiếp nhận',
  3: 'Không được tiếp nhận',
  4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Rút hồ sơ theo yêu cầu',
  8: 'Dừng xử lý',
  9: 'Đã xử lý xong',
  10: 'Đã trả kết quả'
}

export function isNationalStatus (code: unknown): code is string {
  return typeof code === 'string' && Object.hasOwn(NATIONAL_STATUS_LABELS, code)
}

export interface PortalAnswer {
  errorCode: number
  message: string
  body: PortalRecord
}

/** `{error_code, message?, …}`; undefined when the body is not a portal answer. Accepts `"0"` as well as `0`. */
export function readAnswer (value: unknown): PortalAnswer | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const body = value as PortalRecord
  const raw = body.error_code
  const errorCode = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?[0-9]{1,6}$/.test(raw) ? Number(raw) : undefined
  if (errorCode === undefined || !Number.isSafeInteger(errorCode)) return undefined
  return { errorCode, message: typeof body.message === 'string' ? body.message : '', body }
}
