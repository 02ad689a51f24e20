/** Code lists the sector datasets use, with their official Vietnamese names. */

/** Land use types (loại đất) of the cadastral register, Land Law 2024 and its circulars; a common subset. */
export const LAND_USE_TYPES = {
  ODT: 'Đất ở tại đô thị',
  ONT: 'Đất ở tại nông thôn',
  LUC: 'Đất chuyên trồng lúa',
  BHK: 'Đất bằng trồng cây hàng năm khác',
  CLN: 'Đất trồng cây lâu năm',
  RSX: 'Đất rừng sản xuất',
  NTS: 'Đất nuôi trồng thủy sản',
  TMD: 'Đất thương mại, dịch vụ',
  SKC: 'Đất cơ sở sản xuất phi nông nghiệp'
} as const

export type LandUseType = keyof typeof LAND_USE_TYPES

/** Enterprise types of the Enterprise Law 2020 (and cooperatives, registered alongside), by the name's prefix. */
export const ENTERPRISE_TYPES = [
  { prefix: 'Công ty TNHH Một thành viên', code: 'llc-single-member', name: 'Công ty trách nhiệm hữu hạn một thành viên' },
  { prefix: 'Công ty TNHH', code: 'llc', name: 'Công ty trách nhiệm hữu hạn hai thành viên trở lên' },
  { prefix: 'Công ty Cổ phần', code: 'joint-stock', name: 'Công ty cổ phần' },
  { prefix: 'Doanh nghiệp tư nhân', code: 'sole-proprietorship', name: 'Doanh nghiệp tư nhân' },
  { prefix: 'Hợp tác xã', code: 'cooperative', name: 'Hợp tác xã' }
] as const

export type EnterpriseTypeCode = typeof ENTERPRISE_TYPES[number]['code']

/** The main business line (ngành nghề kinh doanh chính), VSIC 2018 level 4, by the trade a company's name shows. */
export const MAIN_BUSINESS_LINES: ReadonlyArray<{ trade: string, vsicCode: string, vsicName: string }> = [
  { trade: 'Thương mại và Dịch vụ', vsicCode: '4690', vsicName: 'Bán buôn tổng hợp' },
  { trade: 'Thương mại', vsicCode: '4690', vsicName: 'Bán buôn tổng hợp' },
  { trade: 'Xây dựng', vsicCode: '4100', vsicName: 'Xây dựng nhà các loại' },
  { trade: 'Vận tải', vsicCode: '4933', vsicName: 'Vận tải hàng hóa bằng đường bộ' },
  { trade: 'Dịch vụ', vsicCode: '8299', vsicName: 'Hoạt động dịch vụ hỗ trợ kinh doanh khác còn lại chưa được phân vào đâu' },
  { trade: 'Sản xuất', vsicCode: '2599', vsicName: 'Sản xuất sản phẩm khác bằng kim loại chưa được phân vào đâu' },
  { trade: 'Chè', vsicCode: '1076', vsicName: 'Sản xuất chè' },
  { trade: 'Chế biến gỗ', vsicCode: '1610', vsicName: 'Cưa, xẻ, bào gỗ và bảo quản gỗ' },
  { trade: 'Nông sản', vsicCode: '4620', vsicName: 'Bán buôn nông, lâm sản nguyên liệu (trừ gỗ, tre, nứa) và động vật sống' },
  { trade: 'Du lịch', vsicCode: '7912', vsicName: 'Điều hành tua du lịch' },
  { trade: 'Đầu tư', vsicCode: '6810', vsicName: 'Kinh doanh bất động sản, quyền sử dụng đất thuộc chủ sở hữu, chủ sử dụng hoặc đi thuê' },
  { trade: 'May mặc', vsicCode: '1410', vsicName: 'May trang phục (trừ trang phục từ da lông thú)' },
  { trade: 'Vật liệu xây dựng', vsicCode: '4663', vsicName: 'Bán buôn vật liệu, thiết bị lắp đặt khác trong xây dựng' },
  { trade: 'Điện nước', vsicCode: '4321', vsicName: 'Lắp đặt hệ thống điện' }
]

export const ENTERPRISE_STATUSES = ['active', 'suspended', 'dissolved'] as const
export type EnterpriseStatus = typeof ENTERPRISE_STATUSES[number]

/** Technical levels of health facilities (cấp chuyên môn kỹ thuật), Law on Medical Examination and Treatment 2023. */
export const FACILITY_LEVELS = { primary: 'Cấp ban đầu', basic: 'Cấp cơ bản', specialised: 'Cấp chuyên sâu' } as const
export type FacilityLevel = keyof typeof FACILITY_LEVELS
