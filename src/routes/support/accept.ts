/**
 * Which of the offered media types an Accept header asks for (RFC 9110 §12.5.1): each offer takes the q of the most
 * specific range matching it; the highest q wins, the earlier offer on a tie. No Accept, or none acceptable: the
 * first offer (an answer the caller can read beats a 406).
 */
export function preferredType (accept: string | undefined, offered: readonly [string, ...string[]]): string {
  const ranges = (accept ?? '').split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase())
    const q = params.find((param) => param.startsWith('q='))
    return { range, q: q === undefined ? 1 : Number(q.slice(2)) }
  }).filter(({ range, q }) => range !== '' && Number.isFinite(q))
  let best = offered[0]
  let bestQ = 0
  for (const type of offered) {
    const [major] = type.split('/')
    const match = ranges.find((r) => r.range === type) ?? ranges.find((r) => r.range === `${major ?? ''}/*`) ?? ranges.find((r) => r.range === '*/*')
    if (match !== undefined && match.q > bestQ) {
      best = type
      bestQ = match.q
    }
  }
  return best
}
