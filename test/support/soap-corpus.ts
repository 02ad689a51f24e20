import { request } from 'undici'
import { citizenFromXml } from '../../adapters/population/mapping.js'
import { signRequest } from '../../adapters/population/signature.js'
import { startPopulationSimulator } from '../../adapters/population/simulator.js'
import { buildEnvelope, isXmlObject, OPERATION, soapAction, SOAP_CONTENT_TYPE, type ParsedEnvelope, type XmlObject } from '../../adapters/population/soap.js'
import { TEST_CREDENTIALS } from './upstreams.js'

/**
 * SOAP answers of the population database to test and time envelope parsing on (test/adapters/population-soap-parse,
 * bench/soap-parse): lookups answered by the simulator, its faults and refusals, and hand-written variants of them
 * as other servers write them (prefixes, whitespace, references, CDATA, BOM, declarations) or as no server should.
 */

export interface CorpusEntry {
  name: string
  xml: string
  /** Whether the fast reading (soap.ts readLookupAnswer) should read it itself rather than defer to the general parser. */
  fast: boolean
}

export interface SoapCorpus {
  /** The simulator's answers to lookups of its first citizens, in order. */
  lookups: string[]
  /** Other simulator answers (not found, not matching, faults, another operation) and the variants. */
  others: CorpusEntry[]
}

/** The simulator's raw answers: `count` lookups of its first citizens, then its refusals and faults. */
async function simulatorAnswers (count: number): Promise<{ lookups: string[], others: CorpusEntry[] }> {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, size: Math.max(count, 10) })
  try {
    const post = async (element: string, content: XmlObject, secret = TEST_CREDENTIALS.secret): Promise<string> => {
      const timestamp = String(Date.now())
      const response = await request(simulator.url, {
        method: 'POST',
        headers: {
          'content-type': SOAP_CONTENT_TYPE,
          soapaction: soapAction(element),
          timestamp,
          authorization: signRequest(simulator.url, TEST_CREDENTIALS.username, secret, timestamp)
        },
        body: buildEnvelope(element, content)
      })
      return await response.body.text()
    }
    const lookup = (personalId: string, more: XmlObject = {}): XmlObject =>
      ({ MaYeuCau: `corpus-${personalId}`, MaDVC: '1.001612', MaTichHop: 'LGSP', MaCanBo: '', MaDonVi: 'H23', SoDinhDanh: personalId, ...more })
    const lookups: string[] = []
    for (let i = 0; i < count; i++) lookups.push(await post(OPERATION, lookup(simulator.population.citizenAt(i).personalId)))
    const known = simulator.population.citizenAt(0)
    const others: CorpusEntry[] = [
      { name: 'not found', xml: await post(OPERATION, lookup(known.personalId.slice(0, 6) + '999999')), fast: true },
      { name: 'name does not match', xml: await post(OPERATION, lookup(known.personalId, { HoVaTen: 'Tên <Khác> & "lạ"' })), fast: true },
      { name: 'fault: bad signature (with detail)', xml: await post(OPERATION, lookup(known.personalId), 'wrong-secret'), fast: false },
      { name: 'fault: invalid personal id', xml: await post(OPERATION, lookup('12345')), fast: false },
      { name: 'fault: missing field', xml: await post(OPERATION, { MaYeuCau: 'corpus-missing' }), fast: false },
      { name: 'fault: unknown operation', xml: await post('XoaCongDan', lookup(known.personalId)), fast: false },
      { name: 'another operation (TrangThaiLo)', xml: await post('TrangThaiLo', { MaYeuCau: 'corpus-batch', MaTichHop: 'LGSP', MaCanBo: '', MaDonVi: 'H23', MaLo: 'no-such-batch' }), fast: false }
    ]
    simulator.faults = { status: 503 }
    others.push({ name: 'fault: busy (HTTP 503)', xml: await post(OPERATION, lookup(known.personalId)), fast: false })
    return { lookups, others }
  } finally {
    await simulator.close()
  }
}

/** Each character outside ASCII as a character reference, decimal or hexadecimal, in text only. */
function referenced (xml: string, hex: boolean): string {
  return xml.replace(/>([^<]+)</g, (_match, text: string) => '>' + [...text].map((char) => {
    const code = char.codePointAt(0) as number
    return code < 0x80 ? char : hex ? `&#x${code.toString(16)};` : `&#${code};`
  }).join('') + '<')
}

const withPrefix = (xml: string, prefix: string): string => xml.replaceAll('soap:', `${prefix}:`).replace('xmlns:soap=', `xmlns:${prefix}=`)

const replaceElement = (xml: string, name: string, replacement: string): string => {
  const changed = xml.replace(new RegExp(`<${name}>[^<]*</${name}>`), replacement)
  if (changed === xml) throw new Error(`corpus: no <${name}> to replace`)
  return changed
}

const insertAfter = (xml: string, marker: string, insertion: string): string => {
  const at = xml.indexOf(marker)
  if (at === -1) throw new Error(`corpus: no ${marker}`)
  return xml.slice(0, at + marker.length) + insertion + xml.slice(at + marker.length)
}

/** Variants of one found lookup answer (as the simulator writes it) and of one fault. */
function variants (answer: string, fault: string, notFound: string): CorpusEntry[] {
  const body = answer.replace(/^<\?xml[^>]*\?>/, '')
  const declaration = '<?xml version="1.0" encoding="utf-8"?>'
  const prefixed = (prefix: string): string => withPrefix(answer, prefix)
  const pretty = (newline: string, indent: string): string => answer.replace(/></g, `>${newline}${indent}<`)
  const fast = (name: string, xml: string): CorpusEntry => ({ name, xml, fast: true })
  const general = (name: string, xml: string): CorpusEntry => ({ name, xml, fast: false })
  const payloadPrefixed = answer
    .replace('xmlns:soap=', 'xmlns:dc="http://dancuquocgia.bca" xmlns:soap=')
    .replace(' xmlns="http://dancuquocgia.bca"', '')
    .replace(/<(\/?)(?!soap:)([A-Za-z]+)>/g, '<$1dc:$2>')
  const nested = '<X>'.repeat(150) + 'deep' + '</X>'.repeat(150)
  return [
    // What other servers write: all read by the fast path
    fast('prefix s:', prefixed('s')),
    fast('prefix soapenv: with a Header', insertAfter(prefixed('soapenv'), '">', '<soapenv:Header/>')),
    fast('default namespaces, no prefix', answer.replaceAll('soap:', '').replace('xmlns:soap=', 'xmlns=')),
    fast('payload prefixed dc:', payloadPrefixed),
    fast('indented, LF', pretty('\n', '  ')),
    fast('indented, CR LF', pretty('\r\n', '\t')),
    fast('text with CR LF inside', replaceElement(answer, 'ChiTiet', '<ChiTiet>Tổ 3,\r\nấp Đông\rxã A</ChiTiet>')),
    fast('decimal character references', referenced(answer, false)),
    fast('hexadecimal character references', referenced(answer, true)),
    fast('references for markup and at the edges', replaceElement(answer, 'ChiTiet', '<ChiTiet> &#32;Số 5 &amp; 7 &lt;ngõ&gt; &quot;A&quot; &apos;B&apos;&#xA; </ChiTiet>')),
    fast('CDATA', replaceElement(answer, 'HoVaTen', '<HoVaTen><![CDATA[Nguyễn <Văn> & An]]></HoVaTen>')),
    fast('CDATA between text and blanks', replaceElement(answer, 'HoVaTen', '<HoVaTen>\n  Trần <![CDATA[ Thị &amp; ]]> Bình  \n</HoVaTen>')),
    fast('CDATA empty', replaceElement(answer, 'HoTenCha', '<HoTenCha><![CDATA[]]></HoTenCha>')),
    fast('self-closing empty elements', replaceElement(replaceElement(insertAfter(answer, '">', '<soap:Header/>'), 'HoTenMe', '<HoTenMe/>'), 'ChiTiet', '<ChiTiet />')),
    fast('empty element pair', replaceElement(answer, 'HoTenMe', '<HoTenMe></HoTenMe>')),
    fast('blank element', replaceElement(answer, 'HoTenMe', '<HoTenMe>  \n </HoTenMe>')),
    fast('no-break spaces around text', replaceElement(answer, 'HoVaTen', '<HoVaTen>\u00a0Lê Văn Cường\u00a0</HoVaTen>')),
    fast('BOM', '\ufeff' + answer),
    fast('BOM, no declaration', '\ufeff' + body),
    fast('no declaration', body),
    fast('declaration: single quotes, UTF-8, standalone', '<?xml version=\'1.0\' encoding=\'UTF-8\' standalone=\'yes\'?>\n' + body),
    fast('declaration without encoding', '<?xml version="1.0"?>' + body),
    fast('attributes on elements', answer.replace('<soap:Envelope ', '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')
      .replace('<SoDinhDanh>', '<SoDinhDanh xsi:type=\'xsd:string\'>').replace('<CongDan>', '<CongDan id = "c1"  >')),
    fast('closing tags with blanks', answer.replace('</CongDan>', '</CongDan >').replace('</soap:Body>', '</soap:Body\n>')),
    fast('not found, prefix s:', withPrefix(notFound, 's')),
    fast('mapping error: unknown gender', answer.replace(/<GioiTinh>[12]<\/GioiTinh>/, '<GioiTinh>3</GioiTinh>')),
    fast('mapping error: no personal id', replaceElement(answer, 'SoDinhDanh', '')),
    fast('mapping error: date not yyyyMMdd', replaceElement(answer, 'NgayThangNamSinh', '<NgayThangNamSinh>1990-01-02</NgayThangNamSinh>')),
    fast('mapping error: address is text', answer.replace(/<QueQuan>.*?<\/QueQuan>/, '<QueQuan>Hà Nội</QueQuan>')),
    fast('unexpected result code', answer.replace('<MaKetQua>0</MaKetQua>', '<MaKetQua>9</MaKetQua>')),
    // Read by the general parser, with the same outcome
    general('fault, prefix s:', withPrefix(fault, 's')),
    general('fault, indented', fault.replace(/></g, '>\n  <')),
    general('declaration: ISO-8859-1', answer.replace('encoding="utf-8"', 'encoding="ISO-8859-1"')),
    general('declaration: version 1.1', answer.replace('version="1.0"', 'version="1.1"')),
    general('declaration not at the start', '  ' + answer),
    general('comment', insertAfter(answer, '<CongDan>', '<!-- bản ghi -->')),
    general('comment inside text', replaceElement(answer, 'HoVaTen', '<HoVaTen>Phạm<!-- x --> Minh</HoVaTen>')),
    general('processing instruction', insertAfter(answer, declaration, '<?xml-stylesheet href="a.xsl"?>')),
    general('DTD with an entity', answer.replace(declaration, declaration + '<!DOCTYPE Envelope [<!ENTITY ten "Nam">]>').replace(/<HoVaTen>[^<]*</, '<HoVaTen>&ten;<')),
    general('HTML entity', replaceElement(answer, 'HoVaTen', '<HoVaTen>Vũ&nbsp;Hà</HoVaTen>')),
    general('bare ampersand', replaceElement(answer, 'ChiTiet', '<ChiTiet>Số 5 & 7</ChiTiet>')),
    general('reference X uppercase', replaceElement(answer, 'HoVaTen', '<HoVaTen>&#X41;n</HoVaTen>')),
    general('reference to a surrogate', replaceElement(answer, 'HoVaTen', '<HoVaTen>A&#xD800;n</HoVaTen>')),
    general('reference to NUL', replaceElement(answer, 'HoVaTen', '<HoVaTen>A&#0;n</HoVaTen>')),
    general('reference to a C0 control', replaceElement(answer, 'HoVaTen', '<HoVaTen>A&#1;n</HoVaTen>')),
    general('empty reference', replaceElement(answer, 'HoVaTen', '<HoVaTen>A&#;n</HoVaTen>')),
    general('mixed content', insertAfter(answer, '<CongDan>', 'chú thích')),
    general('text after a child', answer.replace('</CongDan>', 'đuôi</CongDan>')),
    general('repeated element', insertAfter(answer, '<CongDan>', '<HoVaTen>Người Khác</HoVaTen>')),
    general('repeated address', insertAfter(answer, '<CongDan>', '<QueQuan><MaTinh>01</MaTinh></QueQuan>')),
    general('a list element', insertAfter(answer, '<CongDan>', '<BanGhi/>')),
    general('prototype name', insertAfter(answer, '<CongDan>', '<constructor>x</constructor>')),
    general('non-ASCII element name', insertAfter(answer, '<CongDan>', '<Tên>x</Tên>')),
    general('nested past the parser\'s limit', insertAfter(answer, '<CongDan>', nested)),
    general('two children in Body', answer.replace('</soap:Body>', '<Khac/></soap:Body>')),
    general('Fault after the answer', answer.replace('</soap:Body>', '<soap:Fault><faultcode>soap:Server</faultcode><faultstring>x</faultstring></soap:Fault></soap:Body>')),
    general('root not an Envelope', answer.replaceAll('soap:Envelope', 'soap:Phong')),
    general('no Body', answer.replaceAll('soap:Body', 'soap:Than')),
    // Not well-formed: both refuse
    general('truncated', answer.slice(0, Math.floor(answer.length / 2))),
    general('truncated at the end', answer.slice(0, -3)),
    general('mismatched end tag', answer.replace('</CongDan>', '</CongDa>')),
    general('unclosed element', answer.replace('</HoVaTen>', '')),
    general('two roots', answer + '<Envelope/>'),
    general('text after the root', answer + 'x'),
    general('text before the root', body.replace('<soap:Envelope', 'x<soap:Envelope')),
    general('attribute without quotes', answer.replace('<CongDan>', '<CongDan id=1>')),
    general('attribute without value', answer.replace('<CongDan>', '<CongDan checked>')),
    general('repeated attribute', answer.replace('<CongDan>', '<CongDan a="1" a="2">')),
    general('attributes without a blank between', answer.replace('<CongDan>', '<CongDan a="1"b="2">')),
    general('space after <', answer.replace('<CongDan>', '< CongDan>')),
    general('empty document', ''),
    general('not XML', 'Service Unavailable')
  ]
}

/** The corpus: `count` lookups answered by the simulator, then every other case. */
export async function soapCorpus (count = 500): Promise<SoapCorpus> {
  const { lookups, others } = await simulatorAnswers(count)
  const fault = others.find((entry) => entry.name.startsWith('fault: bad signature'))?.xml
  const notFound = others.find((entry) => entry.name === 'not found')?.xml
  // One with every optional field, for the variants to change
  const answer = lookups.find((xml) => ['<HoTenCha>', '<HoTenMe>', '<ChiTiet>'].every((element) => xml.includes(element)))
  if (fault === undefined || notFound === undefined || answer === undefined) throw new Error('corpus: the simulator answered too little')
  return { lookups, others: [...others, ...variants(answer, fault, notFound)] }
}

/** What a lookup reads from an envelope, as the client does (client.ts findCitizenByPersonalId), errors included. */
export function lookupOutcome (parse: (xml: string) => ParsedEnvelope, xml: string): unknown {
  let envelope
  try {
    envelope = parse(xml)
  } catch (err) {
    return { notAnEnvelope: (err as Error).message }
  }
  if (envelope.kind === 'fault') return { fault: envelope.fault }
  const result = envelope.content[`${OPERATION}Result`]
  if (envelope.element !== `${OPERATION}Response` || !isXmlObject(result)) return { unexpected: envelope.element }
  if (result.MaKetQua !== '0' || !isXmlObject(result.CongDan)) return { code: result.MaKetQua, description: result.MoTaKetQua }
  try {
    return { citizen: citizenFromXml(result.CongDan) }
  } catch (err) {
    return { mappingError: (err as Error).message }
  }
}
