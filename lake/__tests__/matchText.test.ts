import {evaluate, parse} from 'groq-js'
import {describe, expect, it} from 'vitest'
import {mulberry32} from '../../bench/random.ts'
import {
  canonicalKey,
  matchTokens,
  patternTerms,
  type TermLookup,
  termLookup,
  termScore,
} from '../matchText.ts'
import {portableText, stringWords} from '../textIndex.ts'

// The text index restates groq-js's `match` (its tokenizer is internal): what it says a text's
// tokens are and which of them a term matches must be what groq-js itself answers, on text built
// to trip a restatement up (case folding that differs between RegExp flavours, dots at word
// edges, separators, surrogates, wildcards).

async function groq(query: string, params: Record<string, unknown>): Promise<unknown> {
  return (await evaluate(parse(query), {params, dataset: []})).get()
}

const ALPHABET = [
  ..."aAbBkKsS.*. -_9'",
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
  'ｆ',
  '\ud83d',
  '\ude00',
  '/',
  ',',
  '!',
  '\n',
]

function randomString(next: () => number, length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)]
  return text
}

/** How many of the tokens a term matches, by the restated rules. */
function countMatching(tokens: string[], lookup: TermLookup): number {
  return tokens.filter((token) => {
    const key = canonicalKey(token)
    return 'exact' in lookup ? key === lookup.exact : key.startsWith(lookup.prefix)
  }).length
}

describe('match restated for the text index', () => {
  it('finds the tokens and matches the terms groq-js does', async () => {
    const next = mulberry32(7)
    let compared = 0
    for (let i = 0; i < 3000; i++) {
      const text = randomString(next, Math.floor(next() * 20))
      const pattern = randomString(next, 1 + Math.floor(next() * 6))
      const lookups = patternTerms(pattern).map(termLookup)
      if (lookups.some((lookup) => lookup === undefined)) continue
      const tokens = matchTokens(text)
      const expected =
        lookups.length > 0 &&
        tokens.length > 0 &&
        lookups.every((lookup) => lookup && countMatching(tokens, lookup) > 0)
      const result = await groq('$text match $pattern', {text, pattern})
      expect({text, pattern, result}).toEqual({text, pattern, result: expected})
      compared++
    }
    expect(compared).toBeGreaterThan(1000)
  })

  it('counts matching tokens for score() as groq-js does', async () => {
    const next = mulberry32(8)
    for (let i = 0; i < 800; i++) {
      const text = randomString(next, Math.floor(next() * 30))
      const pattern = randomString(next, 1 + Math.floor(next() * 5))
      const lookups = patternTerms(pattern).map(termLookup)
      if (lookups.some((lookup) => lookup === undefined)) continue
      const tokens = matchTokens(text)
      let expected = 0
      if (tokens.length > 0)
        for (const lookup of lookups)
          if (lookup) expected += termScore(countMatching(tokens, lookup))
      const rows = await groq('[{"t": $text}] | score(t match $pattern) {_score}', {text, pattern})
      expect({text, pattern, score: (rows as {_score: number}[])[0]?._score}).toEqual({
        text,
        pattern,
        score: expected,
      })
    }
  })

  it('folds every code unit as groq-js compares it', async () => {
    const mismatches: string[] = []
    for (let code = 0; code < 0x10000; code += 5) {
      const char = String.fromCharCode(code)
      if (matchTokens(char).length !== 1 || char === '.') continue
      for (const other of new Set([char.toUpperCase(), char.toLowerCase(), 'K', 'S', 'I', 'i'])) {
        if (other.length !== 1 || matchTokens(other).length !== 1 || other === '.') continue
        const result = await groq('$text match $pattern', {text: other, pattern: char})
        if (result !== (canonicalKey(other) === canonicalKey(char)))
          mismatches.push(`${code}:${other}`)
      }
    }
    expect(mismatches).toEqual([])
  })

  it('reads the terms of string and array patterns, and none of anything else', () => {
    expect(patternTerms('Knee* pain, e.g. "x"')).toEqual(['Knee*', 'pain', 'eg', 'x'])
    expect(patternTerms(['a b', 'c'])).toEqual(['a', 'b', 'c'])
    expect(patternTerms(['a', 3])).toEqual([])
    expect(patternTerms(null)).toEqual([])
    expect(patternTerms('  ,, ')).toEqual([])
    expect(termLookup('twitch*')).toEqual({prefix: 'TWITCH'})
    expect(termLookup('*')).toEqual({prefix: ''})
    expect(termLookup('Pain')).toEqual({exact: 'PAIN'})
    // `.` is any character and an inner `*` any run: left to groq-js.
    expect(termLookup("'.'")).toBeUndefined()
    expect(termLookup('p*n')).toBeUndefined()
    expect(termLookup('pain**')).toBeUndefined()
  })

  it('compares only the first 1,024 characters of a term, as groq-js does', async () => {
    const word = 'w'.repeat(1100)
    const term = `${'w'.repeat(1024)}x`
    expect(termLookup(term)).toEqual({exact: 'W'.repeat(1024)})
    expect(await groq('$text match $pattern', {text: word, pattern: term})).toBe(false)
    expect(await groq('$text match $pattern', {text: 'w'.repeat(1024), pattern: term})).toBe(true)
  })

  it('reads Portable Text as pt::text does', async () => {
    const values: unknown[] = [
      [
        {
          _type: 'block',
          children: [
            {_type: 'span', text: 'a'},
            {_type: 'span', text: 'b'},
          ],
        },
        {_type: 'image'},
        [{_type: 'block', children: [{_type: 'span', text: 'nested'}]}],
        {_type: 'block', children: [{_type: 'link', text: 'no'}, null, {_type: 'span', text: 7}]},
        {children: [{_type: 'span', text: 'untyped'}]},
        'text',
        null,
      ],
      {_type: 'block', children: [{_type: 'span', text: 'one block'}]},
      {_type: 'block', children: 'not an array'},
      [],
      [{_type: 'image'}],
      'plain string',
      null,
      42,
    ]
    for (const value of values) {
      expect(portableText(value)).toEqual(await groq('pt::text($value)', {value}))
    }
  })
})

describe('text::query words', () => {
  it('splits ASCII by character codes exactly as the Unicode pattern splits every string', () => {
    const next = mulberry32(23)
    const pattern = (text: string) =>
      new Set(
        text
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u)
          .filter(Boolean),
      )
    const asciiOnly = ALPHABET.filter((part) => /^\p{ASCII}$/u.test(part))
    let ascii = 0
    for (let i = 0; i < 3000; i++) {
      const parts = i % 2 === 0 ? asciiOnly : ALPHABET
      let text = ''
      for (let length = Math.floor(next() * 30); length > 0; length--)
        text += parts[Math.floor(next() * parts.length)]
      if (i % 7 === 0) text = `Zebra ${text} 2024Q3`
      if (/^\p{ASCII}*$/u.test(text)) ascii++
      expect([...stringWords(text, new Set())].sort()).toEqual([...pattern(text)].sort())
    }
    // Both paths ran: ASCII strings and strings with other characters.
    expect(ascii).toBeGreaterThan(1000)
    expect(ascii).toBeLessThan(2900)
  })
})
