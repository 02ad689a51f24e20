import { EntityDecoder, ENTITY_ACTION } from '@nodable/entities'
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { readPlainXml } from './plain-xml.js'

/**
 * SOAP 1.1 envelopes of the population database's operations: the lookup `TraCuuThongTinCongDan` and the batch
 * verification (batch.ts). The builder escapes every value, so nothing from a request is ever spliced into XML as text.
 */

export const NAMESPACE = 'http://dancuquocgia.bca'
export const OPERATION = 'TraCuuThongTinCongDan'
export const soapAction = (operation: string): string => `"${NAMESPACE}/${operation}"`
export const SOAP_ACTION = soapAction(OPERATION)
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8'
/** The fault detail entry, qualified by NAMESPACE like every detail entry a WSDL can describe. */
export const FAULT_DETAIL = 'MoTaLoi'
const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'

export type XmlObject = { [name: string]: string | XmlObject | XmlList | undefined }
/** A repeated element: only the batch lists are read as lists (REPEATED), whatever their count. */
export type XmlList = Array<string | XmlObject>

/** Elements that may repeat, always parsed as lists so one item reads like many. */
const REPEATED = new Set(['BanGhi', 'KetQuaBanGhi', 'TruongKhongKhop'])

export function isXmlObject (value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface SoapFault {
  faultcode: string
  faultstring: string
  detail?: string
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', suppressEmptyNode: false })
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keep every value as text: personal ids and codes have meaningful leading zeros.
  parseTagValue: false,
  trimValues: true,
  // The five predefined entities and character references (a server writing ASCII sends ệ as &#7879;), which
  // fast-xml-parser's own decoder leaves undecoded unless HTML entities are on. SOAP forbids a DTD: none of its
  // entities is expanded.
  entityDecoder: new EntityDecoder({ numericAllowed: true, onInputEntity: () => ENTITY_ACTION.BLOCK, limit: { maxExpandedLength: 100_000 } }),
  isArray: (name) => REPEATED.has(name)
})

export function buildEnvelope (element: string, content: XmlObject): string {
  return '<?xml version="1.0" encoding="utf-8"?>' + builder.build({
    'soap:Envelope': {
      '@xmlns:soap': SOAP_ENV,
      'soap:Body': { [element]: { '@xmlns': NAMESPACE, ...content } }
    }
  })
}

export function buildFault (fault: SoapFault): string {
  return '<?xml version="1.0" encoding="utf-8"?>' + builder.build({
    'soap:Envelope': {
      '@xmlns:soap': SOAP_ENV,
      'soap:Body': {
        'soap:Fault': {
          faultcode: `soap:${fault.faultcode}`,
          faultstring: fault.faultstring,
          ...(fault.detail === undefined ? {} : { detail: { [FAULT_DETAIL]: { '@xmlns': NAMESPACE, '#text': fault.detail } } })
        }
      }
    }
  })
}

export type ParsedEnvelope =
  | { kind: 'body', element: string, content: XmlObject }
  | { kind: 'fault', fault: SoapFault }

/** Parses a SOAP envelope; throws on anything that is not one. */
export function parseEnvelope (xml: string): ParsedEnvelope {
  return readLookupAnswer(xml) ?? parseEnvelopeGeneral(xml)
}

const LOOKUP_RESPONSE = `${OPERATION}Response`

/**
 * The hot path: a lookup answer read by plain-xml.ts, the same envelope fast-xml-parser gives, several times faster.
 * Undefined for anything else (faults, other operations, whatever that reader leaves to the general parser).
 */
export function readLookupAnswer (xml: string): ParsedEnvelope | undefined {
  const envelope = readPlainXml(xml, REPEATED)?.Envelope
  const body = isXmlObject(envelope) ? envelope.Body : undefined
  if (!isXmlObject(body)) return undefined
  const elements = Object.keys(body)
  if (elements.length !== 1 || elements[0] !== LOOKUP_RESPONSE) return undefined
  const content = body[LOOKUP_RESPONSE]
  return { kind: 'body', element: LOOKUP_RESPONSE, content: isXmlObject(content) ? content : {} }
}

/** fast-xml-parser alone: the reference every faster reading must agree with (test/adapters/population-soap-parse.test.ts). */
export function parseEnvelopeGeneral (xml: string): ParsedEnvelope {
  return envelopeOf(parser.parse(xml, true) as XmlObject)
}

function envelopeOf (doc: XmlObject): ParsedEnvelope {
  const envelope = doc.Envelope
  if (!isXmlObject(envelope)) throw new Error('not a SOAP envelope')
  const body = envelope.Body
  if (!isXmlObject(body)) throw new Error('SOAP envelope without Body')
  const fault = body.Fault
  if (isXmlObject(fault)) {
    const detail = fault.detail
    return {
      kind: 'fault',
      fault: {
        faultcode: String(fault.faultcode ?? '').replace(/^.*:/, ''),
        faultstring: String(fault.faultstring ?? ''),
        ...(isXmlObject(detail) && typeof detail[FAULT_DETAIL] === 'string' ? { detail: detail[FAULT_DETAIL] } : {})
      }
    }
  }
  const [element] = Object.keys(body)
  const content = element === undefined ? undefined : body[element]
  if (element === undefined) throw new Error('empty SOAP Body')
  return { kind: 'body', element, content: isXmlObject(content) ? content : {} }
}
