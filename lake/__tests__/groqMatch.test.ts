import {evaluate, parse} from 'groq-js'
import {describe, expect, it} from 'vitest'
import {mulberry32} from '../../bench/random.ts'

// groq-js 2.0.1 is patched (patches/groq-js+2.0.1.patch) so that `match` and `score()` run in
// linear time. The oracle below is groq-js's original definition, written out from its regular
// expressions: the patched evaluator must give the same answers on every input, and finish on
// inputs the original takes minutes (or a stack overflow) on.

const CHARS = /([^!@#$%^&*(),\\/?";:{}|[\]+<>\s-])+/g
const CHARS_WITH_WILDCARD = /([^!@#$%^&(),\\/?";:{}|[\]+<>\s-])+/g
const EDGE_CHARS = /(\b\.+|\.+\b)/g

function oracleTokens(text: string): string[] {
  return text.replace(EDGE_CHARS, '').match(CHARS) ?? []
}

function oracleTerms(pattern: string): RegExp[] {
  return (pattern.replace(EDGE_CHARS, '').match(CHARS_WITH_WILDCARD) ?? []).map(
    (term) => new RegExp(`^${term.slice(0, 1024).replace(/\*/g, '.*')}$`, 'i'),
  )
}

function oracleMatch(text: string, pattern: string): boolean {
  const tokens = oracleTokens(text)
  const terms = oracleTerms(pattern)
  if (tokens.length === 0 || terms.length === 0) return false
  return terms.every((term) => tokens.some((token) => term.test(token)))
}

function oracleScore(text: string, pattern: string): number {
  const tokens = oracleTokens(text)
  const terms = oracleTerms(pattern)
  if (tokens.length === 0 || terms.length === 0) return 0
  let score = 0
  for (const term of terms) {
    const frequency = tokens.filter((token) => term.test(token)).length
    score += (frequency * 2.2) / (frequency + 1.2)
  }
  return score
}

async function groq(query: string, params: Record<string, unknown>): Promise<unknown> {
  return (await evaluate(parse(query), {params, dataset: []})).get()
}

async function patchedScore(text: string, pattern: string): Promise<number> {
  const rows = await groq('[{"text": $text}] | score(text match $pattern) {_score}', {
    text,
    pattern,
  })
  const [row] = rows as {_score: number}[]
  return row?._score ?? Number.NaN
}

// Letters whose case folding differs between RegExp flavours, separators, dots and wildcards.
const ALPHABET = [
  ...'aAbBkK.*. -_9',
  'ß',
  'ſ',
  'İ',
  'ı',
  'é',
  'É',
  '\u212a',
  'ǅ',
  'Σ',
  'ς',
  'σ',
  '\ud83d',
  '\ude00',
  '/',
  ',',
]

function randomString(next: () => number, length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)]
  return text
}

describe('groq-js match (patched)', () => {
  it('answers match like the original regular expressions on random text and patterns', async () => {
    const next = mulberry32(12)
    for (let i = 0; i < 1500; i++) {
      const text = randomString(next, 1 + Math.floor(next() * 24))
      const pattern = randomString(next, 1 + Math.floor(next() * 8))
      const result = await groq('$text match $pattern', {text, pattern})
      expect({text, pattern, result}).toEqual({text, pattern, result: oracleMatch(text, pattern)})
    }
  })

  it('scores like the original on random text and patterns', async () => {
    const next = mulberry32(34)
    for (let i = 0; i < 500; i++) {
      const text = randomString(next, 1 + Math.floor(next() * 30))
      const pattern = randomString(next, 1 + Math.floor(next() * 6))
      expect(await patchedScore(text, pattern)).toBeCloseTo(oracleScore(text, pattern), 9)
    }
  })

  it('folds case for every code unit as a case-insensitive RegExp does', async () => {
    const mismatches: string[] = []
    for (let code = 0; code < 0x10000; code += 7) {
      const char = String.fromCharCode(code)
      if (oracleTokens(char).length !== 1) continue
      for (const other of new Set([char.toUpperCase(), char.toLowerCase(), 'K', 'S', 'I'])) {
        if (other.length !== 1 || oracleTokens(other).length !== 1) continue
        const result = await groq('$text match $pattern', {text: other, pattern: char})
        if (result !== oracleMatch(other, char)) mismatches.push(`${code.toString(16)}:${other}`)
      }
    }
    expect(mismatches).toEqual([])
  })

  it('finishes a pattern with many wildcards against a long word', async () => {
    // The original backtracks through every way of placing the wildcards: minutes.
    const text = `${'a'.repeat(5000)} ${'ab'.repeat(3000)}`
    expect(await groq('$text match $pattern', {text, pattern: 'a*a*a*a*a*a*a*c'})).toBe(false)
    expect(await groq('$text match $pattern', {text, pattern: 'a*b*a*b*a*b'})).toBe(true)
  })

  it('finishes text with a long run of dots', async () => {
    // /(\b\.+|\.+\b)/g retries the run from each of its dots: quadratic.
    const text = ` ${'.'.repeat(300_000)} word`
    expect(await groq('$text match "word"', {text})).toBe(true)
  })

  it('matches text of half a million words without overflowing the stack', async () => {
    const text = 'symptom '.repeat(500_000)
    expect(await groq('$text match "symptom"', {text})).toBe(true)
    expect(await groq('[$text, "x"] match "symptom"', {text})).toBe(true)
    expect(await patchedScore(text, 'symptom')).toBeCloseTo((500_000 * 2.2) / 500_001.2, 6)
  })
})
