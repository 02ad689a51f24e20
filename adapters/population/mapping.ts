import type { Address, Citizen } from './port.js'
import type { XmlObject } from './soap.js'

/**
 * The population database's record (`CongDan`, Vietnamese field names, dates yyyyMMdd, gender 1/2)
 * and the gateway's Citizen, both ways: the client reads records, the simulator writes them.
 */

const GENDER_CODES = { male: '1', female: '2' } as const

function addressToXml (address: Address): XmlObject {
  return {
    MaTinh: address.provinceCode,
    TenTinh: address.provinceName,
    ...(address.districtCode === undefined ? {} : { MaHuyen: address.districtCode }),
    ...(address.districtName === undefined ? {} : { TenHuyen: address.districtName }),
    MaXa: address.communeCode,
    TenXa: address.communeName,
    ...(address.detail === undefined ? {} : { ChiTiet: address.detail })
  }
}

export function citizenToXml (citizen: Citizen): XmlObject {
  return {
    SoDinhDanh: citizen.personalId,
    HoVaTen: citizen.fullName,
    NgayThangNamSinh: citizen.dateOfBirth.replaceAll('-', ''),
    GioiTinh: GENDER_CODES[citizen.gender],
    QuocTich: citizen.nationality,
    DanToc: citizen.ethnicity,
    TonGiao: citizen.religion,
    QueQuan: addressToXml(citizen.placeOfOrigin),
    ThuongTru: addressToXml(citizen.permanentAddress),
    NoiOHienTai: addressToXml(citizen.currentAddress),
    ...(citizen.fatherFullName === undefined ? {} : { HoTenCha: citizen.fatherFullName }),
    ...(citizen.motherFullName === undefined ? {} : { HoTenMe: citizen.motherFullName })
  }
}

export class MappingError extends Error {}

function text (record: XmlObject, name: string): string {
  const value = record[name]
  if (typeof value !== 'string' || value === '') throw new MappingError(`CongDan.${name} missing`)
  return value
}

function optionalText (record: XmlObject, name: string): string | undefined {
  const value = record[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function addressFromXml (record: XmlObject, name: string): Address {
  const value = record[name]
  if (typeof value !== 'object') throw new MappingError(`CongDan.${name} missing`)
  const detail = optionalText(value, 'ChiTiet')
  const districtCode = optionalText(value, 'MaHuyen')
  const districtName = optionalText(value, 'TenHuyen')
  return {
    provinceCode: text(value, 'MaTinh'),
    provinceName: text(value, 'TenTinh'),
    ...(districtCode === undefined ? {} : { districtCode }),
    ...(districtName === undefined ? {} : { districtName }),
    communeCode: text(value, 'MaXa'),
    communeName: text(value, 'TenXa'),
    ...(detail === undefined ? {} : { detail })
  }
}

function isoDate (yyyymmdd: string): string {
  const match = /^([0-9]{4})([0-9]{2})([0-9]{2})$/.exec(yyyymmdd)
  if (match === null) throw new MappingError(`CongDan.NgayThangNamSinh not yyyyMMdd: ${yyyymmdd}`)
  return `${match[1]}-${match[2]}-${match[3]}`
}

/** Throws MappingError when the upstream record lacks what the gateway promises its callers. */
export function citizenFromXml (record: XmlObject): Citizen {
  const genderCode = text(record, 'GioiTinh')
  const gender = genderCode === '1' ? 'male' : genderCode === '2' ? 'female' : undefined
  if (gender === undefined) throw new MappingError(`CongDan.GioiTinh unknown: ${genderCode}`)
  const fatherFullName = optionalText(record, 'HoTenCha')
  const motherFullName = optionalText(record, 'HoTenMe')
  return {
    personalId: text(record, 'SoDinhDanh'),
    fullName: text(record, 'HoVaTen'),
    dateOfBirth: isoDate(text(record, 'NgayThangNamSinh')),
    gender,
    nationality: text(record, 'QuocTich'),
    ethnicity: text(record, 'DanToc'),
    religion: text(record, 'TonGiao'),
    placeOfOrigin: addressFromXml(record, 'QueQuan'),
    permanentAddress: addressFromXml(record, 'ThuongTru'),
    currentAddress: addressFromXml(record, 'NoiOHienTai'),
    ...(fatherFullName === undefined ? {} : { fatherFullName }),
    ...(motherFullName === undefined ? {} : { motherFullName })
  }
}
