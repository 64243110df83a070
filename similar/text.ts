import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'
import {stem} from './stem.ts'
import {SYNONYM_GROUPS} from './synonyms.ts'

// Text analysis for the similar-thread ranker: lowercase words, stop words dropped, a light
// stemmer, medical synonyms mapped to one concept term. Chinese, Japanese and Korean runs become
// overlapping character pairs, the usual way to index text without spaces.

export interface AnalyzeOptions {
  stem: boolean
  synonyms: boolean
}

export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all almost also am an and any are aren around as at be
  because been before being below between both but by can cannot cant could couldn did didn do
  does doesn doing don down during each either else even ever every few for from further get gets
  getting got had hadn has hasn have haven having he her here hers herself him himself his how i
  if im in into is isn it its itself ive just let lets like ll made make many may me might mine
  more most much must my myself no nor not now of off often on once only or other our ours
  ourselves out over own per please quite rather re really s said same say shall she should so
  some such t than that thats the their theirs them themselves then there these they this those
  though through thus to too under until up upon us ve very was wasn we were weren what whats
  when where whether which while who whom whose why will with within without won would wouldn
  yet you your yours yourself yourselves
  hello hi thanks thank dear doctor dr question questions help advice anyone know think feel
  felt seem seems sometimes thing things something lot day days time times year years old
  week weeks month months recently since still yes ok okay`.split(/\s+/),
)

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/
const TOKEN = /[a-z0-9]+|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/g

function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
}

/** Lowercase word tokens (stop words kept; digits-only tokens and CJK pairs included). */
function words(text: string): string[] {
  return normalise(text).match(TOKEN) ?? []
}

function cjkPairs(run: string): string[] {
  const chars = [...run]
  if (chars.length === 1) return chars
  const pairs: string[] = []
  for (let i = 0; i + 1 < chars.length; i++) pairs.push(`${chars[i]}${chars[i + 1]}`)
  return pairs
}

/** Content tokens: stop words, bare numbers and one-letter words dropped; stemmed if asked. */
function contentTokens(text: string, stemming: boolean): string[] {
  const tokens: string[] = []
  for (const word of words(text)) {
    if (CJK.test(word)) {
      tokens.push(...cjkPairs(word))
      continue
    }
    if (word.length < 2 || STOP_WORDS.has(word) || /^\d+$/.test(word)) continue
    const token = stemming ? stem(word) : word
    if (!STOP_WORDS.has(token)) tokens.push(token)
  }
  return tokens
}

const MAX_PHRASE = 3

interface SynonymTable {
  /** "stem stem" → concept term. */
  phrases: Map<string, string>
}

const tables = new Map<boolean, SynonymTable>()

/** Phrase → concept tables, built once per stemming mode with the same analysis as documents. */
function synonymTable(stemming: boolean): SynonymTable {
  let table = tables.get(stemming)
  if (table) return table
  table = {phrases: new Map()}
  for (const group of SYNONYM_GROUPS) {
    const head = group[0]
    if (!head) continue
    const concept = `~${contentTokens(head, true).join('_')}`
    for (const phrase of group) {
      const tokens = contentTokens(phrase, stemming)
      if (tokens.length > 0 && tokens.length <= MAX_PHRASE)
        table.phrases.set(tokens.join(' '), concept)
    }
  }
  tables.set(stemming, table)
  return table
}

function applySynonyms(tokens: string[], stemming: boolean): string[] {
  const {phrases} = synonymTable(stemming)
  const out: string[] = []
  for (let i = 0; i < tokens.length;) {
    let matched = false
    for (let length = Math.min(MAX_PHRASE, tokens.length - i); length >= 1; length--) {
      const concept = phrases.get(tokens.slice(i, i + length).join(' '))
      if (concept) {
        out.push(concept)
        i += length
        matched = true
        break
      }
    }
    if (!matched) out.push(tokens[i++] ?? '')
  }
  return out
}

/** The index terms of a text, in order (repeats kept: term frequency matters). */
export function analyze(text: string, options: AnalyzeOptions): string[] {
  const tokens = contentTokens(text, options.stem)
  return options.synonyms ? applySynonyms(tokens, options.stem) : tokens
}

/** Plain text of a Portable Text field as stored (non-block items ignored). */
export function bodyText(value: unknown): string {
  if (!Array.isArray(value)) return ''
  const blocks = value.filter(
    (item): item is PortableTextBlock =>
      typeof item === 'object' && item !== null && '_type' in item && item._type === 'block',
  )
  return toPlainText(blocks)
}
