import {stem, strongStem} from './stem.ts'
import {SYNONYM_GROUPS} from './synonyms.ts'

// Text analysis for the similar-thread ranker: lowercase words, stop words dropped, a light
// stemmer, medical synonyms mapped to one concept term. Chinese, Japanese and Korean runs become
// overlapping character pairs, the usual way to index text without spaces.

export interface AnalyzeOptions {
  stem: boolean
  /**
   * SYNONYM_GROUPS phrases become their concept term: in place of their words (true), or
   * beside them ('beside': "losing weight" is ~weight_loss, lose and weight, so it still meets
   * "lose weight", and a question in the same words outscores one in other words of the group).
   */
  synonyms: boolean | 'beside'
  /** Keep digits-only tokens ("2010", "500 mg", "type 2"): years and doses tell questions apart. */
  keepNumbers?: boolean
  /**
   * Which words are dropped: 'full' (STOP_WORDS: function words, question words and the filler of
   * patient letters) or 'short' (function words only: "when", "how", "old", "year" are kept,
   * they tell "when was X born" from "where was X born").
   */
  stopWords?: 'full' | 'short'
  /** 'strong' also folds derivations (pregnancy/pregnant, infection/infected); see stem.ts. */
  stemmer?: 'light' | 'strong'
}

const STOP_WORDS: ReadonlySet<string> = new Set(
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

/** Function words only (Lucene's English list and pronouns, auxiliaries). */
const SHORT_STOP_WORDS: ReadonlySet<string> = new Set(
  `a an and are as at be but by for if in into is it no not of on or such that the their then
  there these they this to was will with i im ive me my we our you your he she his her him its
  them do does did am been being have has had would could should can may might`.split(/\s+/),
)

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/
const TOKEN = /[a-z0-9]+|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/g

/** Text as every comparison reads it: accents dropped, lowercased, apostrophes removed. */
export function normalise(text: string): string {
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

const DIGITS = /^\d+$/

/** How the words of a text become tokens: which stemmer and stop list, numbers or not. */
interface Tokenising {
  stemmer: 'none' | 'light' | 'strong'
  stopWords: 'full' | 'short'
  keepNumbers: boolean
}

/**
 * A stemmer remembering its answers: an archive's words repeat (a vocabulary of tens of
 * thousands across millions of tokens). Bounded: forgets everything past MEMO_SIZE words.
 */
function remembering(stemWord: (word: string) => string): (word: string) => string {
  const memo = new Map<string, string>()
  return (word) => {
    let stemmed = memo.get(word)
    if (stemmed === undefined) {
      if (memo.size >= MEMO_SIZE) memo.clear()
      stemmed = stemWord(word)
      memo.set(word, stemmed)
    }
    return stemmed
  }
}

const MEMO_SIZE = 200_000

const STEMMERS = {
  none: (word: string) => word,
  light: remembering(stem),
  strong: remembering(strongStem),
}

function tokenising(options: AnalyzeOptions): Tokenising {
  return {
    stemmer: options.stem ? (options.stemmer ?? 'light') : 'none',
    stopWords: options.stopWords ?? 'full',
    keepNumbers: options.keepNumbers ?? false,
  }
}

/** Content tokens: stop words, one-letter words (and bare numbers unless kept) dropped; stemmed. */
function contentTokens(text: string, how: Tokenising): string[] {
  const stopWords = how.stopWords === 'short' ? SHORT_STOP_WORDS : STOP_WORDS
  const stemWord = STEMMERS[how.stemmer]
  const tokens: string[] = []
  for (const word of words(text)) {
    if (CJK.test(word)) {
      tokens.push(...cjkPairs(word))
      continue
    }
    if (DIGITS.test(word)) {
      if (how.keepNumbers) tokens.push(word.replace(/^0+(?=\d)/, ''))
      continue
    }
    if (word.length < 2 || stopWords.has(word)) continue
    const token = stemWord(word)
    if (!stopWords.has(token)) tokens.push(token)
  }
  return tokens
}

const MAX_PHRASE = 4

/** Concept names do not depend on the analysis: the head phrase, light-stemmed. */
const NAMING: Tokenising = {stemmer: 'light', stopWords: 'full', keepNumbers: false}

/** Phrase → concept term, and the longest phrase starting with each first token. */
interface SynonymTable {
  phrases: Map<string, string>
  longest: Map<string, number>
}

const tables = new Map<string, SynonymTable>()

/** "token token" → concept term, built once per tokenising with the same analysis as documents. */
function synonymTable(how: Tokenising): SynonymTable {
  const key = `${how.stemmer} ${how.stopWords}`
  let table = tables.get(key)
  if (table) return table
  table = {phrases: new Map(), longest: new Map()}
  for (const group of SYNONYM_GROUPS) {
    const head = group[0]
    if (!head) continue
    const concept = `~${contentTokens(head, NAMING).join('_')}`
    for (const phrase of group) {
      const tokens = contentTokens(phrase, {...how, keepNumbers: false})
      const first = tokens[0]
      if (first === undefined || tokens.length > MAX_PHRASE) continue
      table.phrases.set(tokens.join(' '), concept)
      table.longest.set(first, Math.max(table.longest.get(first) ?? 0, tokens.length))
    }
  }
  tables.set(key, table)
  return table
}

/**
 * The one-word spellings of each concept term ("~diarrhea" → diarrhea, diarrhoea), so a
 * misspelt "diarhea" can still reach the concept through its spelling neighbours.
 */
export function conceptWords(options: AnalyzeOptions): Map<string, string[]> {
  const words = new Map<string, string[]>()
  for (const [phrase, concept] of synonymTable(tokenising(options)).phrases) {
    if (phrase.includes(' ')) continue
    const list = words.get(concept) ?? []
    list.push(phrase)
    words.set(concept, list)
  }
  return words
}

function applySynonyms(
  tokens: string[],
  {phrases, longest}: SynonymTable,
  beside: boolean,
): string[] {
  const out: string[] = []
  for (let i = 0; i < tokens.length;) {
    let matched = false
    // Only phrases starting with this token can match here (most tokens start none).
    const most = longest.get(tokens[i] ?? '') ?? 0
    for (let length = Math.min(most, tokens.length - i); length >= 1; length--) {
      const concept = phrases.get(tokens.slice(i, i + length).join(' '))
      if (concept) {
        out.push(concept)
        if (beside) out.push(...tokens.slice(i, i + length))
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
  const how = tokenising(options)
  const tokens = contentTokens(text, how)
  return options.synonyms
    ? applySynonyms(tokens, synonymTable(how), options.synonyms === 'beside')
    : tokens
}
