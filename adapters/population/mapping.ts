import type { IdentityField } from '../../domain/identity.js'
import { BATCH_STATES, COMPARED_FIELDS, VERDICTS, type Verdict, type WireBatchState, type WireField } from './batch.js'
import type { Address, Citizen, VerificationBatchStatus, VerificationRecord, VerificationResult } from './port.js'
import { isXmlObject, type XmlList, type XmlObject } from './soap.js'

/**
 * The population database's record (`CongDan`, Vietnamese field names, dates yyyyMMdd, gender 1/2)
 * and the gateway's Citizen, both ways: the client reads records, the simulator writes them. Likewise the batch
 * verification's records, statuses and results (batch.ts).
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
  if (!isXmlObject(value)) throw new MappingError(`CongDan.${name} missing`)
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

// Batch verification. Its messages name fields, never values: they end up in errors and logs.

const WIRE_FIELDS = Object.fromEntries(Object.entries(COMPARED_FIELDS).map(([wire, field]) => [field, wire])) as Record<IdentityField, WireField>

export function verificationRecordToXml (record: VerificationRecord): XmlObject {
  return {
    MaBanGhi: record.reference,
    SoDinhDanh: record.personalId,
    HoVaTen: record.fullName,
    NgayThangNamSinh: record.dateOfBirth.replaceAll('-', ''),
    ...(record.gender === undefined ? {} : { GioiTinh: GENDER_CODES[record.gender] })
  }
}

function batchText (record: XmlObject, name: string, pattern: RegExp): string {
  const value = record[name]
  if (typeof value !== 'string' || !pattern.test(value)) throw new MappingError(`${name} missing or malformed`)
  return value
}

/** The simulator's reading of a submitted BanGhi; MappingError names the field at fault. */
export function verificationRecordFromXml (record: XmlObject): VerificationRecord {
  const born = batchText(record, 'NgayThangNamSinh', /^[0-9]{8}$/)
  const genderCode = record.GioiTinh
  if (genderCode !== undefined && genderCode !== '1' && genderCode !== '2') throw new MappingError('GioiTinh malformed')
  return {
    reference: batchText(record, 'MaBanGhi', /^.{1,64}$/su),
    personalId: batchText(record, 'SoDinhDanh', /^[0-9]{12}$/),
    fullName: batchText(record, 'HoVaTen', /\S/u),
    dateOfBirth: `${born.slice(0, 4)}-${born.slice(4, 6)}-${born.slice(6)}`,
    ...(genderCode === undefined ? {} : { gender: genderCode === '1' ? 'male' : 'female' })
  }
}

export function verificationResultToXml (result: VerificationResult): XmlObject {
  const verdict: Verdict = !result.found ? 'KHONG_TIM_THAY' : result.match ? 'KHOP' : 'KHONG_KHOP'
  return { MaBanGhi: result.reference, KetQua: verdict, TruongKhongKhop: result.mismatches.map((field) => WIRE_FIELDS[field]) }
}

/** A list element as parsed (always a list, see soap.ts), or an empty one when the element is empty or absent. */
export function xmlList (parent: XmlObject, name: string): XmlList {
  const value = parent[name]
  if (value === undefined || value === '') return []
  if (!Array.isArray(value)) throw new MappingError(`${name} is not a list`)
  return value
}

export function verificationResultFromXml (item: XmlObject): VerificationResult {
  const reference = item.MaBanGhi
  const verdict = item.KetQua
  if (typeof reference !== 'string' || reference === '') throw new MappingError('KetQuaBanGhi.MaBanGhi missing')
  if (typeof verdict !== 'string' || !(VERDICTS as readonly string[]).includes(verdict)) throw new MappingError('KetQuaBanGhi.KetQua unknown')
  const mismatches = xmlList(item, 'TruongKhongKhop').map((wire) => {
    if (typeof wire !== 'string' || !Object.hasOwn(COMPARED_FIELDS, wire)) throw new MappingError('KetQuaBanGhi.TruongKhongKhop unknown')
    return COMPARED_FIELDS[wire as WireField]
  })
  // The verdict and the fields must agree, or the result cannot be trusted either way.
  if ((verdict === 'KHONG_KHOP') !== (mismatches.length > 0)) throw new MappingError(`KetQuaBanGhi ${verdict} with ${mismatches.length} differing fields`)
  return { reference, found: verdict !== 'KHONG_TIM_THAY', match: verdict === 'KHOP', mismatches }
}

function count (result: XmlObject, name: string): number {
  const value = result[name]
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) throw new MappingError(`${name} is not a count`)
  return Number(value)
}

export function batchStatusFromXml (result: XmlObject): VerificationBatchStatus {
  const batchId = result.MaLo
  const state = result.TrangThai
  if (typeof batchId !== 'string' || batchId === '') throw new MappingError('MaLo missing')
  if (typeof state !== 'string' || !Object.hasOwn(BATCH_STATES, state)) throw new MappingError('TrangThai unknown')
  const total = count(result, 'TongSo')
  const processed = count(result, 'DaXuLy')
  if (processed > total) throw new MappingError('DaXuLy exceeds TongSo')
  return { batchId, state: BATCH_STATES[state as WireBatchState], total, processed }
}
