import {RELATED_TERMS} from './synonyms.ts'
import {TERM_RETENTION, TRANSLATION_TABLE} from './translation-table.ts'
import {analyze, type AnalyzeOptions} from './text.ts'

// Term relations the ranker expands a question with: index term → related index terms, each with
// a weight in (0, 1]. Two ship with the engine: the lay ↔ clinical lexicon (RELATED_TERMS, our
// own list) and the term translation table learned from duplicate questions
// (translation-table.ts, made by bench/similar/real/translation.ts). Equivalents are not here:
// SYNONYM_GROUPS maps them to one term when the text is analysed.

export interface Related {
  term: string
  weight: number
}

/** A Map, or anything that answers `get` (tables worked out lazily, as the evaluation's). */
export interface Relations {
  get(term: string): readonly Related[] | undefined
}

function add(table: Map<string, Related[]>, from: string, to: string, weight: number) {
  if (from === to) return
  const list = table.get(from) ?? []
  const existing = list.find((related) => related.term === to)
  if (existing) existing.weight = Math.max(existing.weight, weight)
  else list.push({term: to, weight})
  table.set(from, list)
}

function single(phrase: string, options: AnalyzeOptions): string | undefined {
  // A group's phrase as its concept term alone: 'beside' indexes the concept with the words.
  const terms = analyze(phrase, {...options, synonyms: options.synonyms !== false})
  return terms.length === 1 ? terms[0] : undefined
}

const lexicons = new Map<string, Relations>()

/** RELATED_TERMS as index terms (both directions), for one analysis. */
export function lexiconRelations(options: AnalyzeOptions): Relations {
  const key = analysisKey(options)
  const cached = lexicons.get(key)
  if (cached) return cached
  const table = new Map<string, Related[]>()
  for (const [a, b, weight = 1] of RELATED_TERMS) {
    const x = single(a, options)
    const y = single(b, options)
    if (!x || !y) continue
    add(table, x, y, weight)
    add(table, y, x, weight)
  }
  lexicons.set(key, table)
  return table
}

/** The analysis an index term depends on (a relation table only fits the analysis it was made with). */
export function analysisKey(options: AnalyzeOptions): string {
  const {stem, synonyms, keepNumbers, stopWords = 'full', stemmer = 'light'} = options
  const stemming = stem ? (stemmer === 'strong' ? 2 : 1) : 0
  return `stem=${stemming} synonyms=${synonyms === 'beside' ? 2 : synonyms ? 1 : 0} numbers=${keepNumbers ? 1 : 0} stop=${stopWords}`
}

/** Parses "# analysis …" then "from to weight" lines. */
export function parseRelations(text: string): {analysis: string; relations: Relations} {
  const table = new Map<string, Related[]>()
  let analysis = ''
  for (const line of text.split('\n')) {
    if (line.startsWith('# analysis ')) analysis = line.slice('# analysis '.length).trim()
    if (line.startsWith('#') || line.trim() === '') continue
    const [from, to, weight] = line.trim().split(/\s+/)
    const value = Number(weight)
    if (from && to && value > 0) add(table, from, to, value)
  }
  return {analysis, relations: table}
}

let translation: {analysis: string; relations: Relations} | undefined

const EMPTY: Relations = new Map()

let retention: {analysis: string; ratios: Map<string, number>} | undefined

/**
 * Learned word retention over the mean (how often duplicates keep a word), or nothing when the
 * index analyses text differently. Words not listed count 1.
 */
export function termRetention(options: AnalyzeOptions): ReadonlyMap<string, number> {
  if (!retention) {
    const ratios = new Map<string, number>()
    let analysis = ''
    for (const line of TERM_RETENTION.split('\n')) {
      if (line.startsWith('# analysis ')) analysis = line.slice('# analysis '.length).trim()
      const [term, ratio] = line.split(' ')
      if (!line.startsWith('#') && term && Number(ratio) > 0) ratios.set(term, Number(ratio))
    }
    retention = {analysis, ratios}
  }
  return retention.analysis === analysisKey(options) ? retention.ratios : new Map()
}

/** The learned translation table, or nothing when the index analyses text differently. */
export function translationRelations(options: AnalyzeOptions): Relations {
  translation ??= parseRelations(TRANSLATION_TABLE)
  return translation.analysis === analysisKey(options) ? translation.relations : EMPTY
}
