/**
 * A sample of the 2-level administrative units in force since 1 July 2025 (Resolution 202/2025/QH15: 34
 * provinces, communes and wards directly under them), used by the simulators' synthetic data.
 * Province codes are the official ones; commune codes have the official 5-digit shape but this sample is not
 * the official register — load the full list (Decision 19/2025/QĐ-TTg) where exact codes matter.
 */

export interface Commune {
  code: string
  name: string
}

export interface Province {
  code: string
  name: string
  communes: readonly Commune[]
}

/** The demo province: the one-stop system, sector data and most synthetic citizens live here. */
export const HOME_PROVINCE: Province = {
  code: '25',
  name: 'Tỉnh Phú Thọ',
  communes: [
    { code: '07900', name: 'Phường Việt Trì' },
    { code: '07909', name: 'Phường Nông Trang' },
    { code: '07918', name: 'Phường Thanh Miếu' },
    { code: '07942', name: 'Phường Vân Phú' },
    { code: '07996', name: 'Phường Phú Thọ' },
    { code: '08053', name: 'Phường Phong Châu' },
    { code: '08707', name: 'Phường Vĩnh Phúc' },
    { code: '08716', name: 'Phường Vĩnh Yên' },
    { code: '08773', name: 'Phường Phúc Yên' },
    { code: '04681', name: 'Phường Hòa Bình' },
    { code: '08110', name: 'Xã Đoan Hùng' },
    { code: '08203', name: 'Xã Hạ Hòa' },
    { code: '08290', name: 'Xã Thanh Ba' },
    { code: '08380', name: 'Xã Cẩm Khê' },
    { code: '08470', name: 'Xã Tam Nông' },
    { code: '08560', name: 'Xã Thanh Sơn' },
    { code: '08620', name: 'Xã Lâm Thao' },
    { code: '04780', name: 'Xã Mai Châu' },
    { code: '04900', name: 'Xã Lạc Sơn' },
    { code: '08900', name: 'Xã Tam Đảo' }
  ]
}

export const OTHER_PROVINCES: readonly Province[] = [
  {
    code: '01',
    name: 'Thành phố Hà Nội',
    communes: [
      { code: '00004', name: 'Phường Ba Đình' },
      { code: '00070', name: 'Phường Hoàn Kiếm' },
      { code: '00166', name: 'Phường Cầu Giấy' },
      { code: '00226', name: 'Phường Đống Đa' },
      { code: '09952', name: 'Xã Sóc Sơn' }
    ]
  },
  {
    code: '79',
    name: 'Thành phố Hồ Chí Minh',
    communes: [
      { code: '26734', name: 'Phường Sài Gòn' },
      { code: '26740', name: 'Phường Bến Thành' },
      { code: '27004', name: 'Phường Chợ Lớn' },
      { code: '25747', name: 'Phường Thủ Dầu Một' }
    ]
  },
  {
    code: '48',
    name: 'Thành phố Đà Nẵng',
    communes: [
      { code: '20194', name: 'Phường Hải Châu' },
      { code: '20257', name: 'Phường Sơn Trà' },
      { code: '20335', name: 'Phường Hội An' }
    ]
  },
  {
    code: '38',
    name: 'Tỉnh Thanh Hóa',
    communes: [
      { code: '14755', name: 'Phường Hạc Thành' },
      { code: '15853', name: 'Phường Sầm Sơn' },
      { code: '15958', name: 'Xã Hoằng Hóa' }
    ]
  },
  {
    code: '40',
    name: 'Tỉnh Nghệ An',
    communes: [
      { code: '16681', name: 'Phường Vinh Phú' },
      { code: '16732', name: 'Phường Trường Vinh' },
      { code: '17029', name: 'Xã Nam Đàn' }
    ]
  }
]
