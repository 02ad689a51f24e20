import { random } from '../shared/random.js'

/** Synthetic enterprises of the province, applicants of business procedures (LoaiDoiTuong 2). */

export interface Business {
  /** 10-digit enterprise (tax) code. */
  enterpriseCode: string
  name: string
}

const FORMS = [['Công ty TNHH', 45], ['Công ty TNHH Một thành viên', 20], ['Công ty Cổ phần', 25], ['Doanh nghiệp tư nhân', 6], ['Hợp tác xã', 4]] as const
const TRADES = ['Thương mại', 'Xây dựng', 'Vận tải', 'Dịch vụ', 'Thương mại và Dịch vụ', 'Sản xuất', 'Chè', 'Chế biến gỗ',
  'Nông sản', 'Du lịch', 'Đầu tư', 'May mặc', 'Vật liệu xây dựng', 'Điện nước']
const BRANDS = ['Hùng Vương', 'Việt Trì', 'Sông Lô', 'Đất Tổ', 'Tam Đảo', 'Phong Châu', 'Thanh Thủy', 'Xuân Sơn', 'An Phát',
  'Minh Phú', 'Phúc Thịnh', 'Hưng Thịnh', 'Thành Đạt', 'Tân Phú', 'Hoàng Long', 'Đại Việt', 'Sao Mai', 'Bình Minh', 'Vĩnh Yên',
  'Mường Động', 'Hòa Phát', 'Trường Sơn']

const CODE_SPACE = 10_000_000
const MULTIPLIER = 7919 // coprime with 10^7: distinct indexes give distinct codes
const STREAM = 3_000_000

/** Business N from (seed, N) alone; codes start with 260, as enterprises registered in the province do here. */
export function businessAt (seed: number, index: number): Business {
  const rng = random(seed, STREAM + index)
  return {
    enterpriseCode: '260' + String((index * MULTIPLIER + 104_729) % CODE_SPACE).padStart(7, '0'),
    name: `${rng.weighted(FORMS)} ${rng.pick(TRADES)} ${rng.pick(BRANDS)}`
  }
}
