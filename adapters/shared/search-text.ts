/**
 * Vietnamese search folding: what one-stop systems call "tìm không dấu". People type without diacritics, in any
 * case, and with either the precomposed or the decomposed Unicode forms their keyboards produce.
 */

const COMBINING_MARKS = /\p{M}/gu
// đ/Đ are letters of their own, not d plus a mark, so NFD leaves them; Ð (U+00D0, Icelandic eth) is a common typo for Đ.
const D_WITH_STROKE = /[đĐÐ]/g

/** Lower case, no diacritics, đ → d, single spaces: "  Đăng ký KHAI  sinh" → "dang ky khai sinh". */
export function foldVietnamese (text: string): string {
  return text
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(D_WITH_STROKE, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
}

/** The folded words of a query; empty when it holds nothing to search for. */
export function queryWords (query: string): string[] {
  const folded = foldVietnamese(query)
  return folded === '' ? [] : folded.split(' ')
}

/** True when every word occurs in the already folded text. */
export function containsAllWords (foldedText: string, words: readonly string[]): boolean {
  return words.every((word) => foldedText.includes(word))
}
