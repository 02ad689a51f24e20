import type { Random } from './random.js'

/** Vietnamese names with their usual frequencies, for synthetic people. */

const FAMILY_NAMES = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Hoàng', 4], ['Huỳnh', 1.5], ['Phan', 4.5], ['Vũ', 3.9],
  ['Võ', 1], ['Đặng', 2.1], ['Bùi', 2], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1], ['Lý', 0.5],
  ['Đinh', 0.8], ['Đào', 0.6], ['Trịnh', 0.5], ['Hà', 0.5], ['Lương', 0.4], ['Cao', 0.3], ['Quách', 0.2]
] as const

const MIDDLE_NAMES = {
  male: ['Văn', 'Hữu', 'Đức', 'Minh', 'Quang', 'Công', 'Thành', 'Xuân', 'Đình', 'Anh', 'Tuấn', 'Gia'],
  female: ['Thị', 'Thị', 'Thị', 'Ngọc', 'Thu', 'Thanh', 'Kim', 'Hồng', 'Mai', 'Phương', 'Bảo', 'Diệu']
} as const

const GIVEN_NAMES = {
  male: ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hiếu', 'Hùng', 'Huy', 'Khánh', 'Khoa', 'Long', 'Nam', 'Phong',
    'Phúc', 'Quân', 'Sơn', 'Tài', 'Thắng', 'Trung', 'Tuấn', 'Việt', 'Vinh', 'Hoàng', 'Kiên', 'Lâm', 'Nghĩa', 'Toàn'],
  female: ['Anh', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hoa', 'Hương', 'Lan', 'Linh', 'Loan', 'Mai', 'My',
    'Nga', 'Ngân', 'Nhung', 'Oanh', 'Phương', 'Quỳnh', 'Tâm', 'Thảo', 'Trang', 'Uyên', 'Vân', 'Yến', 'Thư', 'Huyền']
} as const

export function familyName (rng: Random): string {
  return rng.weighted(FAMILY_NAMES)
}

export function fullName (rng: Random, gender: 'male' | 'female', family = familyName(rng)): string {
  return `${family} ${rng.pick(MIDDLE_NAMES[gender])} ${rng.pick(GIVEN_NAMES[gender])}`
}
