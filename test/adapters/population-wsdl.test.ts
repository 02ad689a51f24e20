import t from 'tap'
import * as soap from 'soap'
import { request } from 'undici'
import { validateXML } from 'xmllint-wasm'
import { signRequest } from '../../adapters/population/signature.js'
import type { PopulationSimulator } from '../../adapters/population/simulator.js'
import { startSimulator, TEST_CREDENTIALS } from '../support/upstreams.js'

/**
 * The simulator's WSDL is complete enough for a standard SOAP toolkit: node-soap (a third party) builds its
 * client from `?wsdl` alone and calls the simulator. libxml2 (xmllint, as WebAssembly) compiles the WSDL's schema
 * and checks what node-soap sent and what the simulator answered against it, faults included, so the
 * description cannot drift from the wire.
 */

const OPERATION = 'TraCuuThongTinCongDan'

/** The signing headers the database expects (the WSDL documents them; WSDL 1.1 cannot declare HTTP headers). */
function signed (simulator: PopulationSimulator, credentials = TEST_CREDENTIALS): Record<string, string> {
  const timestamp = String(Date.now())
  return { timestamp, authorization: signRequest(simulator.url, credentials.username, credentials.secret, timestamp) }
}

async function fetchWsdl (simulator: PopulationSimulator): Promise<string> {
  const response = await request(`${simulator.url}?wsdl`)
  if (response.statusCode !== 200) throw new Error(`WSDL answered HTTP ${response.statusCode}`)
  return await response.body.text()
}

function schemaOf (wsdl: string): string {
  const schema = /<xs:schema\b[\s\S]*<\/xs:schema>/.exec(wsdl)?.[0]
  if (schema === undefined) throw new Error('the WSDL has no xs:schema in wsdl:types')
  return schema
}

/**
 * The SOAP 1.1 envelope (Envelope, Header, Body, Fault as in the SOAP 1.1 note, section 4), with one deliberate
 * strictness: Body entries and fault detail entries must be declared — by the WSDL's schema, imported here.
 */
function envelopeSchema (targetNamespace: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" targetNamespace="http://schemas.xmlsoap.org/soap/envelope/">
  <xs:import namespace="${targetNamespace}" schemaLocation="population.xsd"/>
  <xs:element name="Envelope">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Header" form="qualified" minOccurs="0"><xs:complexType><xs:sequence><xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
        <xs:element name="Body" form="qualified">
          <xs:complexType><xs:choice>
            <xs:element ref="env:Fault"/>
            <xs:any namespace="##other" processContents="strict"/>
          </xs:choice></xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="Fault">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="faultcode" type="xs:QName"/>
        <xs:element name="faultstring" type="xs:string"/>
        <xs:element name="faultactor" type="xs:anyURI" minOccurs="0"/>
        <xs:element name="detail" minOccurs="0"><xs:complexType><xs:sequence><xs:any namespace="##other" processContents="strict" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>`
}

/**
 * Validates SOAP messages against the envelope schema and the WSDL's schema; answers libxml2's complaints, each
 * naming its message. One call for many messages: each call starts libxml2 anew.
 */
async function soapMessageErrors (wsdl: string, messages: Record<string, string>): Promise<string[]> {
  const targetNamespace = /targetNamespace="([^"]+)"/.exec(wsdl)?.[1] ?? ''
  const result = await validateXML({
    xml: Object.entries(messages).map(([name, contents]) => ({ fileName: `${name}.xml`, contents })),
    schema: { fileName: 'envelope.xsd', contents: envelopeSchema(targetNamespace) },
    preload: { fileName: 'population.xsd', contents: `<?xml version="1.0" encoding="utf-8"?>\n${schemaOf(wsdl)}` }
  })
  return result.errors.map((error) => error.rawMessage)
}

async function wsdlClient (simulator: PopulationSimulator): Promise<soap.Client> {
  return await soap.createClientAsync(`${simulator.url}?wsdl`)
}

type Lookup = (args: Record<string, string>, options: object, headers: Record<string, string>) => Promise<[Record<string, unknown>, string, unknown, string]>
const lookupOf = (client: soap.Client): Lookup => (client as unknown as Record<string, Lookup>)[`${OPERATION}Async`] as Lookup

interface FaultError extends Error { root?: { Envelope?: { Body?: { Fault?: { faultcode?: string, faultstring?: string, detail?: Record<string, string> } } } }, body?: string }

t.test('the WSDL describes the operation with typed parts, a SOAP 1.1 document/literal binding and the real address', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const wsdl = await fetchWsdl(simulator)
  const client = await wsdlClient(simulator)
  const description = client.describe() as Record<string, Record<string, Record<string, { input: Record<string, unknown>, output: Record<string, unknown> }>>>
  const operation = description.DanCuService?.DanCuPort?.[OPERATION]
  t.ok(operation, 'node-soap finds DanCuService / DanCuPort / TraCuuThongTinCongDan')
  t.match(operation?.input, {
    MaYeuCau: /xs:string/, MaDVC: /xs:string/, MaTichHop: /xs:string/, MaCanBo: /xs:string/, MaDonVi: /xs:string/,
    SoDinhDanh: /xs:string\|pattern/, HoVaTen: /xs:string/, NgayThangNamSinh: /xs:string\|pattern/
  }, 'every request field is typed')
  t.match(operation?.output, {
    [`${OPERATION}Result`]: {
      MaYeuCau: /xs:string/,
      MaKetQua: /0,1,2/,
      MoTaKetQua: /xs:string/,
      CongDan: { SoDinhDanh: /pattern/, HoVaTen: /xs:string/, GioiTinh: /1,2/, QueQuan: { MaTinh: /pattern/, MaXa: /pattern/ } }
    }
  }, 'the result and the citizen record are typed')
  t.match(wsdl, /<soap:binding transport="http:\/\/schemas.xmlsoap.org\/soap\/http" style="document"\/>/)
  t.match(wsdl, /<soap:fault name="TraCuuThongTinCongDanFault" use="literal"\/>/)
  t.ok(wsdl.includes(`<soap:address location="${simulator.url}"/>`), 'the service address is where the simulator listens')

  // libxml2 compiles the schema: an empty message is refused *by the schema* (not for a schema error)
  const errors = await soapMessageErrors(wsdl, { empty: '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><TraCuuThongTinCongDan xmlns="http://dancuquocgia.bca"/></soap:Body></soap:Envelope>' })
  t.match(errors.join('\n'), /TraCuuThongTinCongDan.*Missing child element/, 'the schema is valid XSD and enforces the required fields')
})

t.test('a Host the WSDL cannot hold is not written into it', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const response = await request(`${simulator.url}?wsdl`, { headers: { host: 'evil"/><x a="' } })
  const wsdl = await response.body.text()
  t.ok(wsdl.includes(`<soap:address location="${simulator.url}"/>`), 'falls back to the listening address')
  t.notOk(wsdl.includes('evil'))
})

t.test('node-soap, built from the WSDL alone, looks up a seeded citizen; request and answer match the schema', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const wsdl = await fetchWsdl(simulator)
  const lookup = lookupOf(await wsdlClient(simulator))
  const citizen = simulator.population.citizenAt(7)
  const [result, rawResponse, , rawRequest] = await lookup({
    MaYeuCau: 'wsdl-found-0001', MaDVC: '1.001234', MaTichHop: 'LGSP', MaCanBo: 'can.bo@xa', MaDonVi: 'H23', SoDinhDanh: citizen.personalId
  }, {}, signed(simulator))
  t.match(result, {
    [`${OPERATION}Result`]: {
      MaYeuCau: 'wsdl-found-0001',
      MaKetQua: '0',
      CongDan: {
        SoDinhDanh: citizen.personalId,
        HoVaTen: citizen.fullName,
        NgayThangNamSinh: citizen.dateOfBirth.replaceAll('-', ''),
        GioiTinh: citizen.gender === 'male' ? '1' : '2',
        ThuongTru: { MaTinh: citizen.permanentAddress.provinceCode, MaXa: citizen.permanentAddress.communeCode }
      }
    }
  })
  t.same(await soapMessageErrors(wsdl, { request: rawRequest, response: rawResponse }), [], 'node-soap\'s request and the simulator\'s answer are valid by the schema')
})

t.test('every citizen the simulator answers is valid by the schema (optional fields present and absent)', async (t) => {
  const simulator = await startSimulator(t, { size: 30 })
  const wsdl = await fetchWsdl(simulator)
  const lookup = lookupOf(await wsdlClient(simulator))
  const answers: Record<string, string> = {}
  for (let index = 0; index < simulator.population.size; index++) {
    const citizen = simulator.population.citizenAt(index)
    const [result, rawResponse] = await lookup({ MaYeuCau: `wsdl-all-${index}`, MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: citizen.personalId }, {}, signed(simulator))
    answers[`citizen-${index}`] = rawResponse
    if ((result as { [k: string]: { CongDan?: { HoVaTen?: string } } })[`${OPERATION}Result`]?.CongDan?.HoVaTen !== citizen.fullName) t.fail(`citizen ${index} not answered`)
  }
  t.same(await soapMessageErrors(wsdl, answers), [], `${simulator.population.size} answers valid by the schema`)
})

t.test('node-soap reads "not found" and "does not match" as results, not faults', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const wsdl = await fetchWsdl(simulator)
  const lookup = lookupOf(await wsdlClient(simulator))
  const citizen = simulator.population.citizenAt(3)
  const nobody = citizen.personalId.slice(0, 6) + '999999'
  const [missing, missingXml] = await lookup({ MaYeuCau: 'wsdl-miss-0001', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: nobody }, {}, signed(simulator))
  t.match(missing, { [`${OPERATION}Result`]: { MaYeuCau: 'wsdl-miss-0001', MaKetQua: '1' } })
  t.notOk((missing as Record<string, Record<string, unknown>>)[`${OPERATION}Result`]?.CongDan)

  const [mismatch, , , mismatchRequest] = await lookup({
    MaYeuCau: 'wsdl-mismatch-0001', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: citizen.personalId, HoVaTen: 'Tên <Khác>', NgayThangNamSinh: citizen.dateOfBirth.slice(0, 4)
  }, {}, signed(simulator))
  t.match(mismatch, { [`${OPERATION}Result`]: { MaKetQua: '2' } })
  t.same(await soapMessageErrors(wsdl, { missing: missingXml, mismatchRequest }), [], 'the not-found answer and a request with a year alone are valid by the schema')
})

t.test('a bad personal id and a bad signature come back as SOAP faults node-soap parses, detail included', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const wsdl = await fetchWsdl(simulator)
  const lookup = lookupOf(await wsdlClient(simulator))

  const badId = await lookup({ MaYeuCau: 'wsdl-bad-0001', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: '12345' }, {}, signed(simulator))
    .then(() => undefined, (err: FaultError) => err)
  t.ok(badId, 'refused')
  t.match(badId?.root?.Envelope?.Body?.Fault, { faultcode: 'soap:Client', faultstring: 'Số định danh không hợp lệ' })

  const unsigned = await lookup({ MaYeuCau: 'wsdl-bad-0002', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: simulator.population.citizenAt(1).personalId },
    {}, signed(simulator, { ...TEST_CREDENTIALS, secret: 'not-the-secret' })).then(() => undefined, (err: FaultError) => err)
  t.match(unsigned?.root?.Envelope?.Body?.Fault, { faultcode: 'soap:Client', faultstring: 'Xác thực không thành công', detail: { MoTaLoi: 'Chữ ký hoặc Timestamp không hợp lệ' } })
  t.same(await soapMessageErrors(wsdl, { badId: String(badId?.body), unsigned: String(unsigned?.body) }), [], 'the faults are valid SOAP 1.1 faults, their detail declared by the WSDL')

  simulator.faults = { status: 503 }
  const outage = await lookup({ MaYeuCau: 'wsdl-down-0001', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: simulator.population.citizenAt(1).personalId }, {}, signed(simulator))
    .then(() => undefined, (err: FaultError) => err)
  t.match(outage?.root?.Envelope?.Body?.Fault, { faultcode: 'soap:Server' })
})

t.test('node-soap, from the WSDL alone, submits a verification batch, reads its status and results; every message matches the schema', async (t) => {
  const simulator = await startSimulator(t, { size: 50, batches: { maxRecords: 5 } })
  const wsdl = await fetchWsdl(simulator)
  const client = await wsdlClient(simulator)
  const operation = (name: string): Lookup => (client as unknown as Record<string, Lookup>)[`${name}Async`] as Lookup
  const description = client.describe() as Record<string, Record<string, Record<string, { input: Record<string, unknown>, output: Record<string, unknown> }>>>
  t.match(description.DanCuService?.DanCuPort?.GuiLoXacThuc?.input, { DanhSachBanGhi: { 'BanGhi[]': { MaBanGhi: /xs:string/, SoDinhDanh: /pattern/, GioiTinh: /1,2/ } } }, 'the batch\'s records are typed')

  const [a, b] = [simulator.population.citizenAt(4), simulator.population.citizenAt(5)]
  const caller = { MaTichHop: 'LGSP', MaDonVi: 'H23' }
  const [submitted, submitResponse, , submitRequest] = await operation('GuiLoXacThuc')({
    MaYeuCau: 'wsdl-lo-0001',
    ...caller,
    DanhSachBanGhi: {
      BanGhi: [
        { MaBanGhi: 'ho-so-1', SoDinhDanh: a.personalId, HoVaTen: a.fullName, NgayThangNamSinh: a.dateOfBirth.replaceAll('-', ''), GioiTinh: a.gender === 'male' ? '1' : '2' },
        { MaBanGhi: 'ho-so-2', SoDinhDanh: b.personalId, HoVaTen: 'Tên Khác', NgayThangNamSinh: b.dateOfBirth.replaceAll('-', '') },
        { MaBanGhi: 'ho-so-3', SoDinhDanh: a.personalId.slice(0, 6) + '999999', HoVaTen: a.fullName, NgayThangNamSinh: a.dateOfBirth.replaceAll('-', '') }
      ]
    }
  } as unknown as Record<string, string>, {}, signed(simulator))
  const batchId = (submitted as { GuiLoXacThucResult?: { MaLo?: string } }).GuiLoXacThucResult?.MaLo
  t.match(submitted, { GuiLoXacThucResult: { MaYeuCau: 'wsdl-lo-0001', MaLo: /^LO[0-9]+$/, TongSo: 3 } })

  await new Promise((resolve) => setTimeout(resolve, 20)) // 3 records at 50 000 a second
  const [status, statusResponse, , statusRequest] = await operation('TrangThaiLo')({ MaYeuCau: 'wsdl-lo-0002', ...caller, MaLo: String(batchId) }, {}, signed(simulator))
  t.match(status, { TrangThaiLoResult: { MaKetQua: '0', TrangThai: 'HOAN_THANH', TongSo: 3, DaXuLy: 3 } })

  const [first, firstResponse, , firstRequest] = await operation('KetQuaLo')({ MaYeuCau: 'wsdl-lo-0003', ...caller, MaLo: String(batchId), SoLuong: '2' }, {}, signed(simulator))
  const page = (first as { KetQuaLoResult: { DanhSachKetQua: { KetQuaBanGhi: unknown[] }, ConTro?: string } }).KetQuaLoResult
  t.match(page.DanhSachKetQua.KetQuaBanGhi, [{ MaBanGhi: 'ho-so-1', KetQua: 'KHOP' }, { MaBanGhi: 'ho-so-2', KetQua: 'KHONG_KHOP', TruongKhongKhop: ['HoVaTen'] }], 'repeated elements read as lists, as the schema says')
  const [last, lastResponse] = await operation('KetQuaLo')({ MaYeuCau: 'wsdl-lo-0004', ...caller, MaLo: String(batchId), ConTro: String(page.ConTro), SoLuong: '2' }, {}, signed(simulator))
  t.match(last, { KetQuaLoResult: { DanhSachKetQua: { KetQuaBanGhi: [{ MaBanGhi: 'ho-so-3', KetQua: 'KHONG_TIM_THAY' }] } } })
  t.notOk((last as { KetQuaLoResult: { ConTro?: string } }).KetQuaLoResult.ConTro, 'no cursor after the last page')

  const [unknown, unknownResponse] = await operation('TrangThaiLo')({ MaYeuCau: 'wsdl-lo-0005', ...caller, MaLo: 'LO0000009999' }, {}, signed(simulator))
  t.match(unknown, { TrangThaiLoResult: { MaKetQua: '1' } })
  const tooLarge = await operation('GuiLoXacThuc')({
    MaYeuCau: 'wsdl-lo-0006',
    ...caller,
    DanhSachBanGhi: { BanGhi: Array.from({ length: 6 }, (_, i) => ({ MaBanGhi: `x-${i}`, SoDinhDanh: a.personalId, HoVaTen: a.fullName, NgayThangNamSinh: a.dateOfBirth.replaceAll('-', '') })) }
  } as unknown as Record<string, string>, {}, signed(simulator)).then(() => undefined, (err: FaultError) => err)
  t.match(tooLarge?.root?.Envelope?.Body?.Fault, { faultcode: 'soap:Client.VuotQuaGioiHan' })

  t.same(await soapMessageErrors(wsdl, {
    submitRequest, submitResponse, statusRequest, statusResponse, firstRequest, firstResponse, lastResponse, unknownResponse, tooLarge: String(tooLarge?.body)
  }), [], 'node-soap\'s requests and the simulator\'s answers, the refusal included, are valid by the schema')
})
