import type { ApplicantKind, Fee, Procedure, ProcedureLevel, RequiredDocument } from './port.js'

/**
 * The simulated one-stop system's procedure catalogue: real procedures of a province after the 2025 two-level
 * reform (departments as merged in 2025, communes settling most civil-status, attestation, household-business
 * and first-level land matters). Codes have the national catalogue's shape; names, fees and documents follow the
 * published procedures, but this is a sample for simulation, not the official register.
 */

const PROVINCE = 'tỉnh Phú Thọ'
const COMMUNE_PEOPLES_COMMITTEE = 'UBND cấp xã'

export interface Field {
  code: string
  name: string
  /** Office of a commune that handles the field's dossiers; for provincial ones, the department's division. */
  unit: string
}

const FIELDS = {
  civilStatus: { code: 'TP-HT', name: 'Hộ tịch', unit: 'Văn phòng HĐND và UBND' },
  attestation: { code: 'TP-CT', name: 'Chứng thực', unit: 'Văn phòng HĐND và UBND' },
  criminalRecord: { code: 'TP-LLTP', name: 'Lý lịch tư pháp', unit: 'Phòng Hành chính tư pháp' },
  adoption: { code: 'TP-NCN', name: 'Nuôi con nuôi', unit: 'Phòng Hành chính tư pháp' },
  land: { code: 'NNMT-DD', name: 'Đất đai', unit: 'Văn phòng đăng ký đất đai' },
  environment: { code: 'NNMT-MT', name: 'Môi trường', unit: 'Chi cục Bảo vệ môi trường' },
  construction: { code: 'XD-HDXD', name: 'Hoạt động xây dựng', unit: 'Phòng Quản lý xây dựng' },
  householdBusiness: { code: 'TC-HKD', name: 'Thành lập và hoạt động của hộ kinh doanh', unit: 'Phòng Kinh tế' },
  enterprise: { code: 'TC-DN', name: 'Thành lập và hoạt động doanh nghiệp', unit: 'Phòng Đăng ký kinh doanh' },
  socialProtection: { code: 'YT-BTXH', name: 'Bảo trợ xã hội', unit: 'Phòng Văn hóa - Xã hội' },
  meritoriousPeople: { code: 'NV-NCC', name: 'Người có công', unit: 'Phòng Văn hóa - Xã hội' },
  labour: { code: 'NV-LD', name: 'Lao động, tiền lương', unit: 'Phòng Lao động - Việc làm' },
  employment: { code: 'NV-VL', name: 'Việc làm', unit: 'Phòng Lao động - Việc làm' },
  education: { code: 'GD-GDDT', name: 'Giáo dục và Đào tạo', unit: 'Phòng Văn hóa - Xã hội' },
  trade: { code: 'CT-LTHH', name: 'Lưu thông hàng hóa trong nước', unit: 'Phòng Quản lý thương mại' },
  health: { code: 'YT-KCB', name: 'Khám bệnh, chữa bệnh', unit: 'Phòng Nghiệp vụ Y' },
  culture: { code: 'VH-VHCS', name: 'Văn hóa cơ sở', unit: 'Phòng Quản lý văn hóa' }
} as const satisfies Record<string, Field>

type FieldKey = keyof typeof FIELDS

const DEPARTMENTS = {
  justice: `Sở Tư pháp ${PROVINCE}`,
  agricultureEnvironment: `Sở Nông nghiệp và Môi trường ${PROVINCE}`,
  construction: `Sở Xây dựng ${PROVINCE}`,
  finance: `Sở Tài chính ${PROVINCE}`,
  home: `Sở Nội vụ ${PROVINCE}`,
  health: `Sở Y tế ${PROVINCE}`,
  education: `Sở Giáo dục và Đào tạo ${PROVINCE}`,
  industryTrade: `Sở Công Thương ${PROVINCE}`,
  culture: `Sở Văn hóa, Thể thao và Du lịch ${PROVINCE}`
} as const

const PEOPLE: ApplicantKind[] = ['citizen']
const FIRMS: ApplicantKind[] = ['business']
const ANYONE: ApplicantKind[] = ['citizen', 'business']

// Documents asked for again and again
const ID_SHOWN: RequiredDocument = { name: 'Giấy tờ tùy thân có ảnh của người yêu cầu (xuất trình bản chính)' }
const AUTHORISATION: RequiredDocument = { name: 'Văn bản ủy quyền được chứng thực (nếu nộp thay)', copies: 1 }
const LAND_CERTIFICATE: RequiredDocument = { name: 'Bản gốc Giấy chứng nhận quyền sử dụng đất đã cấp', copies: 1 }

interface Entry {
  code: string
  name: string
  field: FieldKey
  level: ProcedureLevel
  /** Defaults to the commune People's Committee for commune-level procedures. */
  agency?: string
  days: number
  applicants: ApplicantKind[]
  fees: Fee[]
  documents: RequiredDocument[]
  /** How often applicants file it, relative to the others (for synthetic dossiers). */
  demand: number
}

const ENTRIES: Entry[] = [
  // Hộ tịch (commune)
  { code: '1.001193', name: 'Đăng ký khai sinh', field: 'civilStatus', level: 'commune', days: 0, applicants: PEOPLE, demand: 60, fees: [], documents: [{ name: 'Tờ khai đăng ký khai sinh theo mẫu', copies: 1 }, { name: 'Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh', copies: 1 }, ID_SHOWN] },
  { code: '1.000689', name: 'Đăng ký khai sinh quá hạn', field: 'civilStatus', level: 'commune', days: 0, applicants: PEOPLE, demand: 4, fees: [{ description: 'Lệ phí đăng ký khai sinh quá hạn', amountVnd: 5000 }], documents: [{ name: 'Tờ khai đăng ký khai sinh theo mẫu', copies: 1 }, { name: 'Giấy tờ, tài liệu chứng minh nội dung khai sinh', copies: 1 }, ID_SHOWN] },
  { code: '1.000894', name: 'Đăng ký kết hôn', field: 'civilStatus', level: 'commune', days: 0, applicants: PEOPLE, demand: 25, fees: [], documents: [{ name: 'Tờ khai đăng ký kết hôn theo mẫu', copies: 1 }, { name: 'Giấy xác nhận tình trạng hôn nhân (nếu đăng ký tại nơi không thường trú)', copies: 1 }, ID_SHOWN] },
  { code: '1.000656', name: 'Đăng ký khai tử', field: 'civilStatus', level: 'commune', days: 0, applicants: PEOPLE, demand: 18, fees: [], documents: [{ name: 'Tờ khai đăng ký khai tử theo mẫu', copies: 1 }, { name: 'Giấy báo tử hoặc giấy tờ thay thế giấy báo tử', copies: 1 }, ID_SHOWN] },
  { code: '1.004873', name: 'Cấp Giấy xác nhận tình trạng hôn nhân', field: 'civilStatus', level: 'commune', days: 3, applicants: PEOPLE, demand: 30, fees: [{ description: 'Lệ phí cấp Giấy xác nhận tình trạng hôn nhân', amountVnd: 3000 }], documents: [{ name: 'Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu', copies: 1 }, ID_SHOWN] },
  { code: '2.000635', name: 'Cấp bản sao trích lục hộ tịch', field: 'civilStatus', level: 'commune', days: 0, applicants: PEOPLE, demand: 20, fees: [{ description: 'Phí cấp bản sao trích lục hộ tịch (mỗi bản)', amountVnd: 8000 }], documents: [{ name: 'Tờ khai cấp bản sao trích lục hộ tịch theo mẫu', copies: 1 }, ID_SHOWN, AUTHORISATION] },
  { code: '1.004884', name: 'Đăng ký lại khai sinh', field: 'civilStatus', level: 'commune', days: 5, applicants: PEOPLE, demand: 3, fees: [{ description: 'Lệ phí đăng ký lại khai sinh', amountVnd: 5000 }], documents: [{ name: 'Tờ khai đăng ký lại khai sinh theo mẫu', copies: 1 }, { name: 'Bản sao giấy tờ có thông tin khai sinh', copies: 1 }, ID_SHOWN] },
  { code: '1.001022', name: 'Đăng ký nhận cha, mẹ, con', field: 'civilStatus', level: 'commune', days: 3, applicants: PEOPLE, demand: 2, fees: [{ description: 'Lệ phí đăng ký nhận cha, mẹ, con', amountVnd: 15000 }], documents: [{ name: 'Tờ khai đăng ký nhận cha, mẹ, con theo mẫu', copies: 1 }, { name: 'Văn bản của cơ quan y tế hoặc giám định xác nhận quan hệ cha, mẹ, con', copies: 1 }, ID_SHOWN] },
  { code: '1.000593', name: 'Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch', field: 'civilStatus', level: 'commune', days: 3, applicants: PEOPLE, demand: 6, fees: [{ description: 'Lệ phí thay đổi, cải chính hộ tịch', amountVnd: 15000 }], documents: [{ name: 'Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch theo mẫu', copies: 1 }, { name: 'Giấy tờ làm căn cứ thay đổi, cải chính, bổ sung', copies: 1 }, ID_SHOWN] },
  { code: '1.001695', name: 'Đăng ký giám hộ', field: 'civilStatus', level: 'commune', days: 3, applicants: PEOPLE, demand: 1, fees: [], documents: [{ name: 'Tờ khai đăng ký giám hộ theo mẫu', copies: 1 }, { name: 'Văn bản cử người giám hộ', copies: 1 }, ID_SHOWN] },
  { code: '2.000986', name: 'Trích lục hộ tịch có yếu tố nước ngoài', field: 'civilStatus', level: 'province', agency: DEPARTMENTS.justice, days: 0, applicants: PEOPLE, demand: 1, fees: [{ description: 'Phí cấp bản sao trích lục (mỗi bản)', amountVnd: 8000 }], documents: [{ name: 'Tờ khai cấp bản sao trích lục hộ tịch theo mẫu', copies: 1 }, ID_SHOWN] },

  // Chứng thực (commune)
  { code: '2.000815', name: 'Chứng thực bản sao từ bản chính giấy tờ, văn bản', field: 'attestation', level: 'commune', days: 0, applicants: ANYONE, demand: 55, fees: [{ description: 'Phí chứng thực bản sao từ bản chính (mỗi trang, từ trang thứ ba trở đi 1.000 đồng)', amountVnd: 2000 }], documents: [{ name: 'Bản chính giấy tờ, văn bản cần chứng thực', copies: 1 }, { name: 'Bản sao cần chứng thực', copies: 1 }] },
  { code: '2.000884', name: 'Chứng thực chữ ký trong các giấy tờ, văn bản', field: 'attestation', level: 'commune', days: 0, applicants: PEOPLE, demand: 25, fees: [{ description: 'Phí chứng thực chữ ký (mỗi trường hợp)', amountVnd: 10000 }], documents: [{ name: 'Giấy tờ, văn bản cần chứng thực chữ ký', copies: 1 }, ID_SHOWN] },
  { code: '2.001035', name: 'Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở', field: 'attestation', level: 'commune', days: 2, applicants: PEOPLE, demand: 12, fees: [{ description: 'Phí chứng thực hợp đồng, giao dịch', amountVnd: 50000 }], documents: [{ name: 'Dự thảo hợp đồng, giao dịch', copies: 1 }, { name: 'Bản sao giấy tờ chứng minh quyền sở hữu, quyền sử dụng tài sản', copies: 1 }, ID_SHOWN] },
  { code: '2.000913', name: 'Chứng thực văn bản thỏa thuận phân chia di sản', field: 'attestation', level: 'commune', days: 2, applicants: PEOPLE, demand: 4, fees: [{ description: 'Phí chứng thực văn bản thỏa thuận phân chia di sản', amountVnd: 50000 }], documents: [{ name: 'Dự thảo văn bản thỏa thuận phân chia di sản', copies: 1 }, { name: 'Bản sao giấy chứng tử của người để lại di sản', copies: 1 }, ID_SHOWN] },
  { code: '2.000927', name: 'Sửa lỗi sai sót trong hợp đồng, giao dịch đã được chứng thực', field: 'attestation', level: 'commune', days: 0, applicants: PEOPLE, demand: 1, fees: [{ description: 'Phí sửa lỗi sai sót trong hợp đồng, giao dịch', amountVnd: 25000 }], documents: [{ name: 'Hợp đồng, giao dịch đã được chứng thực', copies: 1 }, ID_SHOWN] },

  // Lý lịch tư pháp, nuôi con nuôi (province)
  { code: '2.000488', name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam', field: 'criminalRecord', level: 'province', agency: DEPARTMENTS.justice, days: 10, applicants: PEOPLE, demand: 20, fees: [{ description: 'Phí cung cấp thông tin lý lịch tư pháp', amountVnd: 200000 }, { description: 'Phí đối với sinh viên, người có công với cách mạng', amountVnd: 100000 }], documents: [{ name: 'Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp theo mẫu', copies: 1 }, { name: 'Bản chụp giấy tờ tùy thân', copies: 1 }] },
  { code: '1.003160', name: 'Đăng ký nuôi con nuôi trong nước', field: 'adoption', level: 'commune', days: 30, applicants: PEOPLE, demand: 1, fees: [{ description: 'Lệ phí đăng ký nuôi con nuôi trong nước', amountVnd: 400000 }], documents: [{ name: 'Đơn xin nhận con nuôi theo mẫu', copies: 1 }, { name: 'Phiếu lý lịch tư pháp của người nhận con nuôi', copies: 1 }, { name: 'Giấy khám sức khỏe của người nhận con nuôi', copies: 1 }, ID_SHOWN] },

  // Đất đai
  { code: '1.012773', name: 'Đăng ký biến động đất đai, tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế', field: 'land', level: 'province', agency: `Văn phòng đăng ký đất đai ${PROVINCE}`, days: 10, applicants: ANYONE, demand: 35, fees: [{ description: 'Lệ phí cấp Giấy chứng nhận (cấp mới do biến động)', amountVnd: 50000 }, { description: 'Phí thẩm định hồ sơ (mỗi hồ sơ)', amountVnd: 400000 }], documents: [{ name: 'Đơn đăng ký biến động đất đai, tài sản gắn liền với đất (Mẫu 11/ĐK)', copies: 1 }, LAND_CERTIFICATE, { name: 'Hợp đồng, văn bản chuyển quyền đã công chứng, chứng thực', copies: 1 }] },
  { code: '1.012760', name: 'Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu', field: 'land', level: 'commune', days: 20, applicants: ANYONE, demand: 15, fees: [{ description: 'Lệ phí cấp Giấy chứng nhận lần đầu', amountVnd: 100000 }, { description: 'Phí thẩm định hồ sơ cấp Giấy chứng nhận', amountVnd: 500000 }], documents: [{ name: 'Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu 04/ĐK)', copies: 1 }, { name: 'Giấy tờ về quyền sử dụng đất (nếu có)', copies: 1 }, { name: 'Sơ đồ nhà ở, công trình xây dựng (nếu có)', copies: 1 }] },
  { code: '1.012790', name: 'Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất', field: 'land', level: 'province', agency: `Văn phòng đăng ký đất đai ${PROVINCE}`, days: 7, applicants: ANYONE, demand: 10, fees: [{ description: 'Lệ phí cấp đổi Giấy chứng nhận', amountVnd: 50000 }], documents: [{ name: 'Đơn đề nghị cấp đổi Giấy chứng nhận (Mẫu 11/ĐK)', copies: 1 }, LAND_CERTIFICATE] },
  { code: '1.012791', name: 'Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất', field: 'land', level: 'province', agency: `Văn phòng đăng ký đất đai ${PROVINCE}`, days: 10, applicants: ANYONE, demand: 3, fees: [{ description: 'Lệ phí cấp lại Giấy chứng nhận', amountVnd: 50000 }], documents: [{ name: 'Đơn đề nghị cấp lại Giấy chứng nhận (Mẫu 11/ĐK)', copies: 1 }, { name: 'Giấy xác nhận của UBND cấp xã về việc đã niêm yết thông báo mất giấy', copies: 1 }] },
  { code: '1.012801', name: 'Chuyển mục đích sử dụng đất không phải xin phép cơ quan nhà nước có thẩm quyền', field: 'land', level: 'commune', days: 10, applicants: ANYONE, demand: 6, fees: [{ description: 'Lệ phí chỉnh lý Giấy chứng nhận', amountVnd: 30000 }], documents: [{ name: 'Đơn đăng ký biến động đất đai (Mẫu 11/ĐK)', copies: 1 }, LAND_CERTIFICATE] },
  { code: '1.012812', name: 'Giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất', field: 'land', level: 'province', agency: DEPARTMENTS.agricultureEnvironment, days: 20, applicants: FIRMS, demand: 2, fees: [{ description: 'Phí thẩm định hồ sơ giao đất, cho thuê đất', amountVnd: 3000000 }], documents: [{ name: 'Đơn xin giao đất, cho thuê đất (Mẫu 02a)', copies: 1 }, { name: 'Văn bản chấp thuận chủ trương đầu tư', copies: 1 }, { name: 'Trích lục bản đồ địa chính thửa đất', copies: 1 }] },

  // Môi trường
  { code: '1.010727', name: 'Cấp giấy phép môi trường', field: 'environment', level: 'province', agency: DEPARTMENTS.agricultureEnvironment, days: 30, applicants: FIRMS, demand: 2, fees: [{ description: 'Phí thẩm định cấp giấy phép môi trường', amountVnd: 25000000 }], documents: [{ name: 'Văn bản đề nghị cấp giấy phép môi trường', copies: 1 }, { name: 'Báo cáo đề xuất cấp giấy phép môi trường', copies: 1 }] },
  { code: '1.010733', name: 'Đăng ký môi trường', field: 'environment', level: 'commune', days: 15, applicants: ANYONE, demand: 2, fees: [], documents: [{ name: 'Văn bản đăng ký môi trường theo mẫu', copies: 1 }] },

  // Xây dựng
  { code: '1.009994', name: 'Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ', field: 'construction', level: 'commune', days: 15, applicants: PEOPLE, demand: 22, fees: [{ description: 'Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ', amountVnd: 75000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép xây dựng theo mẫu', copies: 1 }, { name: 'Bản sao giấy tờ chứng minh quyền sử dụng đất', copies: 1 }, { name: 'Bản vẽ thiết kế xây dựng', copies: 2 }] },
  { code: '1.009995', name: 'Cấp giấy phép sửa chữa, cải tạo đối với nhà ở riêng lẻ', field: 'construction', level: 'commune', days: 15, applicants: PEOPLE, demand: 5, fees: [{ description: 'Lệ phí cấp giấy phép xây dựng', amountVnd: 75000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép sửa chữa, cải tạo theo mẫu', copies: 1 }, { name: 'Ảnh chụp hiện trạng công trình', copies: 1 }, { name: 'Bản vẽ thiết kế sửa chữa, cải tạo', copies: 2 }] },
  { code: '1.009974', name: 'Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II', field: 'construction', level: 'province', agency: DEPARTMENTS.construction, days: 20, applicants: FIRMS, demand: 3, fees: [{ description: 'Lệ phí cấp giấy phép xây dựng công trình', amountVnd: 150000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép xây dựng theo mẫu', copies: 1 }, { name: 'Quyết định phê duyệt dự án', copies: 1 }, { name: 'Bản vẽ thiết kế xây dựng', copies: 2 }, { name: 'Văn bản thẩm định thiết kế về phòng cháy, chữa cháy', copies: 1 }] },
  { code: '1.009977', name: 'Gia hạn giấy phép xây dựng', field: 'construction', level: 'province', agency: DEPARTMENTS.construction, days: 5, applicants: ANYONE, demand: 2, fees: [{ description: 'Lệ phí gia hạn giấy phép xây dựng', amountVnd: 15000 }], documents: [{ name: 'Đơn đề nghị gia hạn giấy phép xây dựng', copies: 1 }, { name: 'Bản chính giấy phép xây dựng đã được cấp', copies: 1 }] },

  // Hộ kinh doanh (commune since 2025), doanh nghiệp (province)
  { code: '1.001612', name: 'Đăng ký thành lập hộ kinh doanh', field: 'householdBusiness', level: 'commune', days: 3, applicants: PEOPLE, demand: 28, fees: [{ description: 'Lệ phí đăng ký hộ kinh doanh', amountVnd: 100000 }], documents: [{ name: 'Giấy đề nghị đăng ký hộ kinh doanh', copies: 1 }, { name: 'Bản sao biên bản họp thành viên hộ gia đình (nếu các thành viên cùng đăng ký)', copies: 1 }, ID_SHOWN] },
  { code: '2.000720', name: 'Đăng ký thay đổi nội dung đăng ký hộ kinh doanh', field: 'householdBusiness', level: 'commune', days: 3, applicants: PEOPLE, demand: 10, fees: [{ description: 'Lệ phí đăng ký thay đổi', amountVnd: 50000 }], documents: [{ name: 'Thông báo thay đổi nội dung đăng ký hộ kinh doanh', copies: 1 }, { name: 'Bản gốc Giấy chứng nhận đăng ký hộ kinh doanh', copies: 1 }] },
  { code: '2.000575', name: 'Chấm dứt hoạt động hộ kinh doanh', field: 'householdBusiness', level: 'commune', days: 3, applicants: PEOPLE, demand: 5, fees: [], documents: [{ name: 'Thông báo về việc chấm dứt hoạt động hộ kinh doanh', copies: 1 }, { name: 'Bản gốc Giấy chứng nhận đăng ký hộ kinh doanh', copies: 1 }] },
  { code: '2.002035', name: 'Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh', field: 'householdBusiness', level: 'commune', days: 3, applicants: PEOPLE, demand: 3, fees: [], documents: [{ name: 'Thông báo tạm ngừng hoặc tiếp tục kinh doanh', copies: 1 }] },
  { code: '2.001610', name: 'Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên', field: 'enterprise', level: 'province', agency: DEPARTMENTS.finance, days: 3, applicants: PEOPLE, demand: 10, fees: [{ description: 'Lệ phí đăng ký doanh nghiệp (miễn khi nộp qua mạng)', amountVnd: 50000 }, { description: 'Phí công bố nội dung đăng ký doanh nghiệp', amountVnd: 100000 }], documents: [{ name: 'Giấy đề nghị đăng ký doanh nghiệp', copies: 1 }, { name: 'Điều lệ công ty', copies: 1 }, { name: 'Danh sách thành viên', copies: 1 }, { name: 'Bản sao giấy tờ pháp lý của các thành viên', copies: 1 }] },
  { code: '2.002040', name: 'Đăng ký thay đổi nội dung đăng ký doanh nghiệp', field: 'enterprise', level: 'province', agency: DEPARTMENTS.finance, days: 3, applicants: FIRMS, demand: 14, fees: [{ description: 'Lệ phí đăng ký doanh nghiệp (miễn khi nộp qua mạng)', amountVnd: 50000 }], documents: [{ name: 'Thông báo thay đổi nội dung đăng ký doanh nghiệp', copies: 1 }, { name: 'Nghị quyết, quyết định của chủ sở hữu hoặc hội đồng thành viên', copies: 1 }] },
  { code: '1.005373', name: 'Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn của doanh nghiệp', field: 'enterprise', level: 'province', agency: DEPARTMENTS.finance, days: 3, applicants: FIRMS, demand: 4, fees: [], documents: [{ name: 'Thông báo tạm ngừng kinh doanh theo mẫu', copies: 1 }] },
  { code: '2.002044', name: 'Giải thể doanh nghiệp', field: 'enterprise', level: 'province', agency: DEPARTMENTS.finance, days: 5, applicants: FIRMS, demand: 2, fees: [], documents: [{ name: 'Thông báo về giải thể doanh nghiệp', copies: 1 }, { name: 'Báo cáo thanh lý tài sản doanh nghiệp', copies: 1 }, { name: 'Danh sách chủ nợ và số nợ đã thanh toán', copies: 1 }] },

  // Bảo trợ xã hội, người có công, lao động, việc làm
  { code: '1.001776', name: 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng', field: 'socialProtection', level: 'commune', days: 15, applicants: PEOPLE, demand: 14, fees: [], documents: [{ name: 'Tờ khai đề nghị trợ giúp xã hội theo mẫu', copies: 1 }, { name: 'Bản sao giấy xác nhận khuyết tật (nếu có)', copies: 1 }] },
  { code: '1.001731', name: 'Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở, sửa chữa nhà ở', field: 'socialProtection', level: 'commune', days: 10, applicants: PEOPLE, demand: 2, fees: [], documents: [{ name: 'Tờ khai đề nghị hỗ trợ về nhà ở theo mẫu', copies: 1 }] },
  { code: '2.000286', name: 'Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật', field: 'socialProtection', level: 'commune', days: 20, applicants: PEOPLE, demand: 6, fees: [], documents: [{ name: 'Đơn đề nghị xác định mức độ khuyết tật theo mẫu', copies: 1 }, { name: 'Bản sao hồ sơ bệnh án, giấy tờ khám, điều trị (nếu có)', copies: 1 }] },
  { code: '1.010801', name: 'Giải quyết chế độ trợ cấp thờ cúng liệt sĩ', field: 'meritoriousPeople', level: 'province', agency: DEPARTMENTS.home, days: 12, applicants: PEOPLE, demand: 3, fees: [], documents: [{ name: 'Đơn đề nghị giải quyết chế độ thờ cúng liệt sĩ theo mẫu', copies: 1 }, { name: 'Biên bản ủy quyền của thân nhân liệt sĩ', copies: 1 }] },
  { code: '1.010803', name: 'Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ và hỗ trợ thăm viếng mộ liệt sĩ', field: 'meritoriousPeople', level: 'commune', days: 5, applicants: PEOPLE, demand: 3, fees: [], documents: [{ name: 'Đơn đề nghị theo mẫu', copies: 1 }] },
  { code: '1.001978', name: 'Giải quyết hưởng trợ cấp thất nghiệp', field: 'employment', level: 'province', agency: DEPARTMENTS.home, days: 15, applicants: PEOPLE, demand: 12, fees: [], documents: [{ name: 'Đề nghị hưởng trợ cấp thất nghiệp theo mẫu', copies: 1 }, { name: 'Quyết định thôi việc hoặc văn bản chấm dứt hợp đồng lao động', copies: 1 }, { name: 'Sổ bảo hiểm xã hội', copies: 1 }] },
  { code: '1.000105', name: 'Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam', field: 'labour', level: 'province', agency: DEPARTMENTS.home, days: 5, applicants: FIRMS, demand: 3, fees: [{ description: 'Lệ phí cấp giấy phép lao động', amountVnd: 600000 }], documents: [{ name: 'Văn bản đề nghị cấp giấy phép lao động', copies: 1 }, { name: 'Giấy chứng nhận sức khỏe', copies: 1 }, { name: 'Phiếu lý lịch tư pháp', copies: 1 }, { name: 'Văn bằng, chứng chỉ chuyên môn', copies: 1 }] },
  { code: '1.009873', name: 'Đăng ký nội quy lao động của doanh nghiệp', field: 'labour', level: 'province', agency: DEPARTMENTS.home, days: 7, applicants: FIRMS, demand: 3, fees: [], documents: [{ name: 'Văn bản đề nghị đăng ký nội quy lao động', copies: 1 }, { name: 'Nội quy lao động', copies: 1 }] },

  // Giáo dục, y tế, thương mại, văn hóa
  { code: '1.005099', name: 'Chuyển trường đối với học sinh trung học cơ sở', field: 'education', level: 'commune', days: 3, applicants: PEOPLE, demand: 5, fees: [], documents: [{ name: 'Đơn xin chuyển trường của cha, mẹ hoặc người giám hộ', copies: 1 }, { name: 'Học bạ', copies: 1 }] },
  { code: '1.005092', name: 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc', field: 'education', level: 'province', agency: DEPARTMENTS.education, days: 5, applicants: PEOPLE, demand: 8, fees: [{ description: 'Phí cấp bản sao từ sổ gốc (mỗi bản)', amountVnd: 3000 }], documents: [{ name: 'Đơn đề nghị cấp bản sao từ sổ gốc theo mẫu', copies: 1 }, ID_SHOWN] },
  { code: '1.005088', name: 'Chỉnh sửa nội dung văn bằng, chứng chỉ', field: 'education', level: 'province', agency: DEPARTMENTS.education, days: 5, applicants: PEOPLE, demand: 2, fees: [], documents: [{ name: 'Đơn đề nghị chỉnh sửa văn bằng, chứng chỉ', copies: 1 }, { name: 'Văn bằng, chứng chỉ đề nghị chỉnh sửa', copies: 1 }, { name: 'Giấy tờ làm căn cứ chỉnh sửa', copies: 1 }] },
  { code: '1.004624', name: 'Cấp giấy phép hành nghề khám bệnh, chữa bệnh', field: 'health', level: 'province', agency: DEPARTMENTS.health, days: 20, applicants: PEOPLE, demand: 3, fees: [{ description: 'Phí thẩm định cấp giấy phép hành nghề', amountVnd: 360000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép hành nghề theo mẫu', copies: 1 }, { name: 'Văn bằng chuyên môn', copies: 1 }, { name: 'Giấy chứng nhận đủ sức khỏe để hành nghề', copies: 1 }] },
  { code: '2.000633', name: 'Cấp Giấy phép bán lẻ sản phẩm thuốc lá', field: 'trade', level: 'province', agency: DEPARTMENTS.industryTrade, days: 15, applicants: ANYONE, demand: 2, fees: [{ description: 'Phí thẩm định cấp giấy phép bán lẻ sản phẩm thuốc lá', amountVnd: 1100000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép theo mẫu', copies: 1 }, { name: 'Bản sao Giấy chứng nhận đăng ký kinh doanh', copies: 1 }] },
  { code: '2.000181', name: 'Cấp Giấy phép bán lẻ rượu', field: 'trade', level: 'commune', days: 10, applicants: ANYONE, demand: 4, fees: [{ description: 'Phí thẩm định cấp giấy phép bán lẻ rượu', amountVnd: 400000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép bán lẻ rượu theo mẫu', copies: 1 }, { name: 'Bản sao Giấy chứng nhận đăng ký kinh doanh', copies: 1 }] },
  { code: '1.003645', name: 'Công nhận lần đầu "Cơ quan đạt chuẩn văn hóa", "Đơn vị đạt chuẩn văn hóa", "Doanh nghiệp đạt chuẩn văn hóa"', field: 'culture', level: 'commune', days: 5, applicants: FIRMS, demand: 1, fees: [], documents: [{ name: 'Báo cáo thành tích xây dựng đơn vị văn hóa', copies: 1 }] },
  { code: '1.001029', name: 'Cấp giấy phép kinh doanh karaoke', field: 'culture', level: 'province', agency: DEPARTMENTS.culture, days: 5, applicants: ANYONE, demand: 2, fees: [{ description: 'Phí thẩm định cấp giấy phép kinh doanh karaoke (đến 3 phòng)', amountVnd: 4000000 }], documents: [{ name: 'Đơn đề nghị cấp giấy phép kinh doanh karaoke theo mẫu', copies: 1 }, { name: 'Bản sao Giấy chứng nhận đăng ký kinh doanh', copies: 1 }] }
]

export interface CatalogueEntry {
  procedure: Procedure
  field: Field
  demand: number
}

function catalogueEntry (entry: Entry): CatalogueEntry {
  const field = FIELDS[entry.field]
  return {
    procedure: {
      procedureCode: entry.code,
      name: entry.name,
      fieldCode: field.code,
      fieldName: field.name,
      level: entry.level,
      agency: entry.agency ?? COMMUNE_PEOPLES_COMMITTEE,
      processingTimeDays: entry.days,
      applicantKinds: entry.applicants,
      fees: entry.fees,
      requiredDocuments: entry.documents
    },
    field,
    demand: entry.demand
  }
}

/** Ordered by procedure code, as the system lists them. */
export const CATALOGUE: readonly CatalogueEntry[] = ENTRIES.map(catalogueEntry)
  .sort((a, b) => a.procedure.procedureCode.localeCompare(b.procedure.procedureCode))
