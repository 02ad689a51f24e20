import { BATCH_OPERATIONS, MAX_REFERENCE_LENGTH, MAX_RESULTS_PAGE, VERDICTS } from './batch.js'
import { FAULT_DETAIL, NAMESPACE, OPERATION } from './soap.js'

/**
 * The WSDL 1.1 description of the population database's SOAP endpoint as the simulator speaks it: an XSD for the
 * request, the result (with the citizen record) and the fault detail, a SOAP 1.1 document/literal binding and the
 * endpoint address. Standard toolkits (node-soap, SoapUI, wsimport, svcutil) build their client from it, so it
 * must say exactly what goes on the wire: element names, the namespace (every element qualified, the fault's
 * faultcode/faultstring/detail excepted, as SOAP 1.1 wants) and the order mapping.ts and client.ts use.
 * Kept as code so the address, namespace and operation names come from the same constants as the envelopes.
 */

const { submit: SUBMIT, status: STATUS, results: RESULTS } = BATCH_OPERATIONS
const OPERATIONS = [OPERATION, SUBMIT, STATUS, RESULTS]
const enumeration = (values: readonly string[]): string => values.map((value) => `<xs:enumeration value="${value}"/>`).join('')

/** Who asks, as every batch call begins. */
const CALLER = `
          <xs:element name="MaYeuCau" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaTichHop" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaCanBo" type="xs:string" minOccurs="0"/>
          <xs:element name="MaDonVi" type="tns:ChuoiKhongRong"/>`

/** What TrangThaiLo answers, and KetQuaLo before its page (not an xs:group: some toolkits do not read groups). */
const BATCH_HEAD = `
        <xs:element name="MaYeuCau" type="xs:string"/>
        <xs:element name="MaKetQua" type="tns:MaKetQuaLo"/>
        <xs:element name="MoTaKetQua" type="xs:string"/>
        <xs:element name="MaLo" type="tns:ChuoiKhongRong" minOccurs="0"/>
        <xs:element name="TrangThai" type="tns:TrangThaiXuLy" minOccurs="0"/>
        <xs:element name="TongSo" type="xs:int" minOccurs="0"/>
        <xs:element name="DaXuLy" type="xs:int" minOccurs="0"/>`

/** The batch types and the elements of GuiLoXacThuc, TrangThaiLo and KetQuaLo (protocol in batch.ts). */
const BATCH_SCHEMA = `
    <xs:simpleType name="MaBanGhi">
      <xs:restriction base="xs:string"><xs:minLength value="1"/><xs:maxLength value="${MAX_REFERENCE_LENGTH}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaKetQuaLo">
      <xs:annotation><xs:documentation>0 the batch is held (its fields follow), 1 no such batch for this MaTichHop (never submitted, or past its retention).</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string">${enumeration(['0', '1'])}</xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="TrangThaiXuLy">
      <xs:annotation><xs:documentation>DANG_XU_LY processing, HOAN_THANH every record verified, LOI stopped: results only for the records processed (DaXuLy).</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string">${enumeration(['DANG_XU_LY', 'HOAN_THANH', 'LOI'])}</xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="KetQuaDoiChieu">
      <xs:annotation><xs:documentation>KHOP every given field matches the record, KHONG_KHOP some differ (TruongKhongKhop), KHONG_TIM_THAY no citizen has this SoDinhDanh.</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string">${enumeration(VERDICTS)}</xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="TruongDoiChieu">
      <xs:restriction base="xs:string">${enumeration(['HoVaTen', 'NgayThangNamSinh', 'GioiTinh'])}</xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="SoLuongTrang">
      <xs:restriction base="xs:int"><xs:minInclusive value="1"/><xs:maxInclusive value="${MAX_RESULTS_PAGE}"/></xs:restriction>
    </xs:simpleType>
    <xs:complexType name="BanGhiXacThuc">
      <xs:annotation><xs:documentation>HoVaTen compares ignoring case and spacing, never diacritics; GioiTinh only when given.</xs:documentation></xs:annotation>
      <xs:sequence>
        <xs:element name="MaBanGhi" type="tns:MaBanGhi"/>
        <xs:element name="SoDinhDanh" type="tns:SoDinhDanh"/>
        <xs:element name="HoVaTen" type="tns:ChuoiKhongRong"/>
        <xs:element name="NgayThangNamSinh" type="tns:NgaySinh"/>
        <xs:element name="GioiTinh" type="tns:GioiTinh" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
    <xs:complexType name="KetQuaBanGhi">
      <xs:sequence>
        <xs:element name="MaBanGhi" type="tns:MaBanGhi"/>
        <xs:element name="KetQua" type="tns:KetQuaDoiChieu"/>
        <xs:element name="TruongKhongKhop" type="tns:TruongDoiChieu" minOccurs="0" maxOccurs="3"/>
      </xs:sequence>
    </xs:complexType>
    <xs:complexType name="KetQuaGuiLo">
      <xs:sequence>
        <xs:element name="MaYeuCau" type="xs:string"/>
        <xs:element name="MaLo" type="tns:ChuoiKhongRong"/>
        <xs:element name="TongSo" type="xs:int"/>
      </xs:sequence>
    </xs:complexType>
    <xs:complexType name="KetQuaTrangThaiLo">
      <xs:sequence>${BATCH_HEAD}
      </xs:sequence>
    </xs:complexType>
    <xs:complexType name="KetQuaTrangLo">
      <xs:sequence>${BATCH_HEAD}
        <xs:element name="DanhSachKetQua" minOccurs="0">
          <xs:complexType><xs:sequence><xs:element name="KetQuaBanGhi" type="tns:KetQuaBanGhi" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
        </xs:element>
        <xs:element name="ConTro" type="tns:ChuoiKhongRong" minOccurs="0">
          <xs:annotation><xs:documentation>Absent at the end of the batch (or of what a failed batch processed); else pass it back for the next page.</xs:documentation></xs:annotation>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
    <xs:element name="${SUBMIT}">
      <xs:annotation><xs:documentation>Submits records for verification; answers the batch id (MaLo). Sent again with the same MaYeuCau and records, it answers the same MaLo. More records than the service takes at once: a soap:Client.VuotQuaGioiHan fault; a malformed or repeated MaBanGhi: soap:Client.</xs:documentation></xs:annotation>
      <xs:complexType>
        <xs:sequence>
          <xs:element name="MaYeuCau" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaDVC" type="xs:string" minOccurs="0"/>
          <xs:element name="MaTichHop" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaCanBo" type="xs:string" minOccurs="0"/>
          <xs:element name="MaDonVi" type="tns:ChuoiKhongRong"/>
          <xs:element name="DanhSachBanGhi">
            <xs:complexType><xs:sequence><xs:element name="BanGhi" type="tns:BanGhiXacThuc" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
          </xs:element>
        </xs:sequence>
      </xs:complexType>
    </xs:element>
    <xs:element name="${SUBMIT}Response">
      <xs:complexType><xs:sequence><xs:element name="${SUBMIT}Result" type="tns:KetQuaGuiLo"/></xs:sequence></xs:complexType>
    </xs:element>
    <xs:element name="${STATUS}">
      <xs:complexType>
        <xs:sequence>${CALLER}
          <xs:element name="MaLo" type="tns:ChuoiKhongRong"/>
        </xs:sequence>
      </xs:complexType>
    </xs:element>
    <xs:element name="${STATUS}Response">
      <xs:complexType><xs:sequence><xs:element name="${STATUS}Result" type="tns:KetQuaTrangThaiLo"/></xs:sequence></xs:complexType>
    </xs:element>
    <xs:element name="${RESULTS}">
      <xs:annotation><xs:documentation>A page of results in submission order, only of records processed so far. A ConTro this batch did not issue: a soap:Client.ConTroKhongHopLe fault.</xs:documentation></xs:annotation>
      <xs:complexType>
        <xs:sequence>${CALLER}
          <xs:element name="MaLo" type="tns:ChuoiKhongRong"/>
          <xs:element name="ConTro" type="xs:string" minOccurs="0"/>
          <xs:element name="SoLuong" type="tns:SoLuongTrang"/>
        </xs:sequence>
      </xs:complexType>
    </xs:element>
    <xs:element name="${RESULTS}Response">
      <xs:complexType><xs:sequence><xs:element name="${RESULTS}Result" type="tns:KetQuaTrangLo"/></xs:sequence></xs:complexType>
    </xs:element>`

/** What an XML attribute may not hold unescaped; the address comes from the request's Host header. */
function escapeAttribute (value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

const ADDRESS_PARTS = `
      <xs:sequence>
        <xs:element name="MaTinh" type="tns:MaTinh"/>
        <xs:element name="TenTinh" type="tns:ChuoiKhongRong"/>
        <xs:element name="MaHuyen" type="tns:MaHuyen" minOccurs="0"/>
        <xs:element name="TenHuyen" type="tns:ChuoiKhongRong" minOccurs="0"/>
        <xs:element name="MaXa" type="tns:MaXa"/>
        <xs:element name="TenXa" type="tns:ChuoiKhongRong"/>
        <xs:element name="ChiTiet" type="tns:ChuoiKhongRong" minOccurs="0"/>
      </xs:sequence>`

/** The XSD of the operations' messages (also used alone by tests to validate what is sent and answered). */
export function populationSchema (): string {
  return `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NAMESPACE}" targetNamespace="${NAMESPACE}" elementFormDefault="qualified">
    <xs:simpleType name="ChuoiKhongRong">
      <xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="SoDinhDanh">
      <xs:annotation><xs:documentation>Personal id: 12 digits. Any other value is refused with a soap:Client fault.</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:pattern value="[0-9]{12}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="NgaySinh">
      <xs:annotation><xs:documentation>Birth date yyyyMMdd.</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:pattern value="[0-9]{8}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="NgaySinhDoiChieu">
      <xs:annotation><xs:documentation>Birth date to check: yyyyMMdd, a year yyyy, or empty (not checked).</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:pattern value="([0-9]{4}([0-9]{4})?)?"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="GioiTinh">
      <xs:annotation><xs:documentation>1 male, 2 female.</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:enumeration value="1"/><xs:enumeration value="2"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaQuocGia">
      <xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaTinh">
      <xs:restriction base="xs:string"><xs:pattern value="[0-9]{2}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaHuyen">
      <xs:annotation><xs:documentation>District code of an address recorded before 1 July 2025 (legacy units: province, district, commune).</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:pattern value="[0-9]{3}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaXa">
      <xs:restriction base="xs:string"><xs:pattern value="[0-9]{5}"/></xs:restriction>
    </xs:simpleType>
    <xs:simpleType name="MaKetQua">
      <xs:annotation><xs:documentation>0 found (CongDan present), 1 no citizen has this id, 2 the given name or birth date does not match the record.</xs:documentation></xs:annotation>
      <xs:restriction base="xs:string"><xs:enumeration value="0"/><xs:enumeration value="1"/><xs:enumeration value="2"/></xs:restriction>
    </xs:simpleType>
    <xs:complexType name="DiaChi">${ADDRESS_PARTS}
    </xs:complexType>
    <xs:complexType name="CongDan">
      <xs:sequence>
        <xs:element name="SoDinhDanh" type="tns:SoDinhDanh"/>
        <xs:element name="HoVaTen" type="tns:ChuoiKhongRong"/>
        <xs:element name="NgayThangNamSinh" type="tns:NgaySinh"/>
        <xs:element name="GioiTinh" type="tns:GioiTinh"/>
        <xs:element name="QuocTich" type="tns:MaQuocGia"/>
        <xs:element name="DanToc" type="tns:ChuoiKhongRong"/>
        <xs:element name="TonGiao" type="tns:ChuoiKhongRong"/>
        <xs:element name="QueQuan" type="tns:DiaChi"/>
        <xs:element name="ThuongTru" type="tns:DiaChi"/>
        <xs:element name="NoiOHienTai" type="tns:DiaChi"/>
        <xs:element name="HoTenCha" type="tns:ChuoiKhongRong" minOccurs="0"/>
        <xs:element name="HoTenMe" type="tns:ChuoiKhongRong" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
    <xs:complexType name="KetQuaTraCuu">
      <xs:sequence>
        <xs:element name="MaYeuCau" type="xs:string"/>
        <xs:element name="MaKetQua" type="tns:MaKetQua"/>
        <xs:element name="MoTaKetQua" type="xs:string"/>
        <xs:element name="CongDan" type="tns:CongDan" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
    <xs:element name="${OPERATION}">
      <xs:annotation><xs:documentation>MaYeuCau, MaTichHop, MaDonVi and SoDinhDanh are required and not empty (else a soap:Client fault). HoVaTen and NgayThangNamSinh, when not empty, must match the record for it to be answered.</xs:documentation></xs:annotation>
      <xs:complexType>
        <xs:sequence>
          <xs:element name="MaYeuCau" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaDVC" type="xs:string" minOccurs="0"/>
          <xs:element name="MaTichHop" type="tns:ChuoiKhongRong"/>
          <xs:element name="MaCanBo" type="xs:string" minOccurs="0"/>
          <xs:element name="MaDonVi" type="tns:ChuoiKhongRong"/>
          <xs:element name="SoDinhDanh" type="tns:SoDinhDanh"/>
          <xs:element name="HoVaTen" type="xs:string" minOccurs="0"/>
          <xs:element name="NgayThangNamSinh" type="tns:NgaySinhDoiChieu" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
    </xs:element>
    <xs:element name="${OPERATION}Response">
      <xs:complexType>
        <xs:sequence>
          <xs:element name="${OPERATION}Result" type="tns:KetQuaTraCuu"/>
        </xs:sequence>
      </xs:complexType>
    </xs:element>
${BATCH_SCHEMA}
    <xs:element name="${FAULT_DETAIL}" type="xs:string">
      <xs:annotation><xs:documentation>Detail of a refused authentication (soap:Client), inside the fault's detail. Other faults carry faultcode and faultstring only.</xs:documentation></xs:annotation>
    </xs:element>
  </xs:schema>`
}

/** The WSDL with `address` (the endpoint URL as the caller reached it) as the service's location. */
export function populationWsdl (address: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NAMESPACE}" targetNamespace="${NAMESPACE}" name="DanCuQuocGia">
  <wsdl:documentation>Population database lookup and batch identity verification (SOAP 1.1, document/literal). Every call is signed with HTTP headers: Timestamp (milliseconds since the epoch, at most 5 minutes off) and Authorization: Basic base64(user:hex(sha256(url + user + timestamp + secret))), url being this endpoint's address. Faults are answered with HTTP 500: soap:Client for a bad request or signature, soap:Server when the database is unavailable.</wsdl:documentation>
  <wsdl:types>
  ${populationSchema()}
  </wsdl:types>
${OPERATIONS.map((operation) => `  <wsdl:message name="${operation}Request"><wsdl:part name="parameters" element="tns:${operation}"/></wsdl:message>
  <wsdl:message name="${operation}Response"><wsdl:part name="parameters" element="tns:${operation}Response"/></wsdl:message>`).join('\n')}
  <wsdl:message name="${OPERATION}Fault"><wsdl:part name="detail" element="tns:${FAULT_DETAIL}"/></wsdl:message>
  <wsdl:portType name="DanCuPort">
${OPERATIONS.map((operation) => `    <wsdl:operation name="${operation}">
      <wsdl:input message="tns:${operation}Request"/>
      <wsdl:output message="tns:${operation}Response"/>
      <wsdl:fault name="${OPERATION}Fault" message="tns:${OPERATION}Fault"/>
    </wsdl:operation>`).join('\n')}
  </wsdl:portType>
  <wsdl:binding name="DanCuBinding" type="tns:DanCuPort">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
${OPERATIONS.map((operation) => `    <wsdl:operation name="${operation}">
      <soap:operation soapAction="${NAMESPACE}/${operation}" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="${OPERATION}Fault"><soap:fault name="${OPERATION}Fault" use="literal"/></wsdl:fault>
    </wsdl:operation>`).join('\n')}
  </wsdl:binding>
  <wsdl:service name="DanCuService">
    <wsdl:port name="DanCuPort" binding="tns:DanCuBinding"><soap:address location="${escapeAttribute(address)}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>`
}
