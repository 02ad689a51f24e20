import type { XmlObject } from './soap.js'

/**
 * A reader for plain XML: elements, attributes (ignored), text, CDATA, the five predefined entities, character
 * references, an XML 1.0 UTF-8 declaration, a BOM. For such a document it answers what soap.ts's fast-xml-parser
 * answers — namespace prefixes dropped, attributes ignored, text trimmed, CR LF read as LF — several times faster,
 * because it builds the objects directly and does one pass. Anything else (comments, processing instructions, a DTD,
 * mixed content, a repeated element or one of `lists`, another version or encoding, non-ASCII names, anything not
 * well-formed) answers undefined, and the caller asks the general parser: no answer depends on this reader alone.
 */

const GT = 0x3e
const SLASH = 0x2f
const BANG = 0x21
const COLON = 0x3a
const EQUALS = 0x3d
const QUOTE = 0x22
const APOSTROPHE = 0x27
const MAX_DEPTH = 64

// Only ASCII names: anything wider goes to the general parser.
function isNameStart (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f
}

function isNameChar (c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e
}

function isSpace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d
}

function onlySpace (xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(xml.charCodeAt(i))) return false
  return true
}

/** Where a name starting at `i` ends, or -1; `colons` names may hold (element names one, as a prefix). */
function nameEnd (xml: string, i: number, colons: number): number {
  if (!isNameStart(xml.charCodeAt(i))) return -1
  let j = i + 1
  for (;;) {
    const c = xml.charCodeAt(j)
    if (isNameChar(c)) j++
    else if (c === COLON && colons > 0 && isNameStart(xml.charCodeAt(j + 1))) { colons--; j += 2 } else return j
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'' }

/** The character a reference names (the text between & and ;), or undefined when XML 1.0 does not allow it. */
function reference (name: string): string | undefined {
  if (name.charCodeAt(0) !== 0x23) return Object.hasOwn(PREDEFINED, name) ? PREDEFINED[name] : undefined
  const hex = name.charCodeAt(1) === 0x78
  const digits = name.slice(hex ? 2 : 1)
  if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return undefined
  const code = parseInt(digits, hex ? 16 : 10)
  const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  return allowed ? String.fromCodePoint(code) : undefined
}

/** Text with its references replaced, or undefined when one is not a reference this reader knows. */
function decode (text: string): string | undefined {
  let amp = text.indexOf('&')
  if (amp === -1) return text
  let out = ''
  let from = 0
  while (amp !== -1) {
    const semicolon = text.indexOf(';', amp + 1)
    if (semicolon === -1 || semicolon - amp > 10) return undefined
    const char = reference(text.slice(amp + 1, semicolon))
    if (char === undefined) return undefined
    out += text.slice(from, amp) + char
    from = semicolon + 1
    amp = text.indexOf('&', from)
  }
  return out + text.slice(from)
}

// Line ends as an XML processor (and fast-xml-parser) reads them.
const newlines = (text: string): string => text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text

// version 1.0 only (1.1 reads character references otherwise), UTF-8 or no encoding named.
const DECLARATION = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[Uu][Tt][Ff]-8\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y

interface Open {
  /** The name as written, prefix included, to match the end tag. */
  raw: string
  name: string
  children: XmlObject | undefined
  /** Text read so far; defined once any non-blank text or CDATA is read. */
  text: string | undefined
  hasChild: boolean
}

/** Adds a child as the general parser would, or answers false where it would differ (a repeat, a list, mixed content). */
function addChild (parent: Open, name: string, value: string | XmlObject, lists: ReadonlySet<string>): boolean {
  if (parent.text !== undefined || lists.has(name) || name in Object.prototype) return false
  parent.hasChild = true
  const children = parent.children ?? (parent.children = {})
  if (Object.hasOwn(children, name)) return false
  children[name] = value
  return true
}

/**
 * The document as `{ rootName: content }` (prefixes dropped, no declaration entry), or undefined when it is not
 * plain XML as described above. `lists` names elements the general parser reads as lists: their documents are its own.
 */
export function readPlainXml (xml: string, lists: ReadonlySet<string>): XmlObject | undefined {
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0
  if (xml.startsWith('<?xml', i)) {
    DECLARATION.lastIndex = i
    if (!DECLARATION.test(xml)) return undefined
    i = DECLARATION.lastIndex
  }
  const document: Open = { raw: '', name: '', children: undefined, text: undefined, hasChild: false }
  const stack: Open[] = []
  let top = document
  for (;;) {
    const lt = xml.indexOf('<', i)
    const end = lt === -1 ? xml.length : lt
    if (end > i) {
      if (top === document) {
        if (!onlySpace(xml, i, end)) return undefined
      } else {
        const text = newlines(xml.slice(i, end)).trim()
        if (text !== '') {
          const decoded = top.hasChild ? undefined : decode(text)
          if (decoded === undefined) return undefined
          top.text = (top.text ?? '') + decoded
        }
      }
    }
    if (lt === -1) break
    const c = xml.charCodeAt(lt + 1)
    if (c === SLASH) {
      const nameStop = nameEnd(xml, lt + 2, 1)
      if (nameStop === -1 || top === document || xml.slice(lt + 2, nameStop) !== top.raw) return undefined
      let j = nameStop
      while (isSpace(xml.charCodeAt(j))) j++
      if (xml.charCodeAt(j) !== GT) return undefined
      const closed = top
      stack.pop()
      top = stack.at(-1) ?? document
      if (!addChild(top, closed.name, closed.children ?? closed.text ?? '', lists)) return undefined
      i = j + 1
    } else if (c === BANG) {
      // CDATA only: comments and a DTD are the general parser's.
      if (top === document || top.hasChild || !xml.startsWith('<![CDATA[', lt)) return undefined
      const close = xml.indexOf(']]>', lt + 9)
      if (close === -1) return undefined
      top.text = (top.text ?? '') + newlines(xml.slice(lt + 9, close))
      i = close + 3
    } else {
      const nameStop = nameEnd(xml, lt + 1, 1)
      if (nameStop === -1) return undefined
      const raw = xml.slice(lt + 1, nameStop)
      const colon = raw.indexOf(':')
      const name = colon === -1 ? raw : raw.slice(colon + 1)
      // Attributes are read to find the tag's end and to refuse what the general parser's validator refuses.
      let attributes: string[] | undefined // most tags have none
      let j = nameStop
      for (;;) {
        const spaceFrom = j
        while (isSpace(xml.charCodeAt(j))) j++
        const attributeStop = nameEnd(xml, j, 1)
        if (attributeStop === -1) break
        const attribute = xml.slice(j, attributeStop)
        if (j === spaceFrom || attributes?.includes(attribute) === true) return undefined
        if (attributes === undefined) attributes = [attribute]
        else attributes.push(attribute)
        j = attributeStop
        while (isSpace(xml.charCodeAt(j))) j++
        if (xml.charCodeAt(j) !== EQUALS) return undefined
        j++
        while (isSpace(xml.charCodeAt(j))) j++
        const quote = xml.charCodeAt(j)
        if (quote !== QUOTE && quote !== APOSTROPHE) return undefined
        const valueEnd = xml.indexOf(quote === QUOTE ? '"' : '\'', j + 1)
        if (valueEnd === -1) return undefined
        j = valueEnd + 1
      }
      const selfClosing = xml.charCodeAt(j) === SLASH
      if (selfClosing) j++
      if (xml.charCodeAt(j) !== GT) return undefined
      // One root element.
      if (top === document && document.hasChild) return undefined
      if (selfClosing) {
        if (!addChild(top, name, '', lists)) return undefined
      } else {
        // Deeper than any answer: the general parser, which refuses past 100 levels, decides.
        if (top.text !== undefined || stack.length >= MAX_DEPTH) return undefined
        top.hasChild = true
        top = { raw, name, children: undefined, text: undefined, hasChild: false }
        stack.push(top)
      }
      i = j + 1
    }
  }
  return stack.length === 0 ? document.children : undefined
}
