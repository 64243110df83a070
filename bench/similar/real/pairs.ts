import {addRelevant, type RawSet} from './raw.ts'
import type {RealQuestion} from './sets.ts'

// A labelled question-pair file as an evaluation set: the shape most duplicate and paraphrase
// collections are published in (two question columns and a label; CSV, TSV or JSON lines), so
// whoever holds such a file — a held-out set, pairs an editor team labelled in its own archive —
// measures the ranker on it with `npm run similar:data -- --pairs FILE` and the usual commands,
// without code. Positive pairs link questions (closed transitively, as "same question"
// labels are); the questions of negative pairs stay in the corpus as distractors.

/** Accepted header names, compared without case and anything but letters and digits. */
const FIRST = ['question1', 'q1', 'sentence1', 'text1', 'query1']
const SECOND = ['question2', 'q2', 'sentence2', 'text2', 'query2']
const LABEL = ['label', 'isduplicate', 'duplicate', 'isparaphrase', 'paraphrase', 'similar']
const YES = new Set(['1', 'true', 'yes', 'duplicate', 'similar', 'paraphrase'])
const NO = new Set(['0', 'false', 'no', 'notduplicate', 'dissimilar', 'different'])

export interface PairsSet extends RawSet {
  transitive: true
  pairs: {positive: number; negative: number}
  /** Rows left out, with their line (1-based; a CSV record's first line) and why. */
  skipped: {line: number; reason: string}[]
}

export type PairsFormat = 'csv' | 'tsv' | 'jsonl'

export function pairsFormat(fileName: string): PairsFormat {
  const lower = fileName.toLowerCase()
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl'
  return lower.endsWith('.tsv') ? 'tsv' : 'csv'
}

/**
 * RFC 4180 records: fields separated by `separator`, quoted fields may hold separators, line
 * breaks and doubled quotes. Each record comes with the line it starts on.
 */
export function delimitedRecords(
  text: string,
  separator: string,
): {line: number; fields: string[]}[] {
  const records: {line: number; fields: string[]}[] = []
  let fields: string[] = []
  let field = ''
  let quoted = false
  let line = 1
  let start = 1
  const end = () => {
    fields.push(field)
    if (fields.length > 1 || fields[0] !== '') records.push({line: start, fields})
    fields = []
    field = ''
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else {
        if (c === '\n') line++
        field += c
      }
    } else if (c === '"' && field === '') quoted = true
    else if (c === separator) {
      fields.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      end()
      start = ++line
    } else field += c
  }
  if (quoted) throw new Error(`a quoted field opened on line ${start} is never closed`)
  if (field !== '' || fields.length > 0) end()
  return records
}

const headerKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

function column(header: readonly string[], names: readonly string[]): number {
  return header.findIndex((name) => names.includes(headerKey(name)))
}

function expected(): string {
  return `two question columns (${FIRST.join(' / ')} and ${SECOND.join(' / ')}) and a label (${LABEL.join(' / ')})`
}

type Row =
  {line: number; error: string} | {line: number; first: unknown; second: unknown; label: unknown}

/** Rows of the file as {line, first, second, label}, whatever its format. */
function rows(text: string, format: PairsFormat): Row[] {
  if (format === 'jsonl') {
    return text.split(/\r?\n/).flatMap((raw, i): Row[] => {
      if (raw.trim() === '') return []
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch {
        return [{line: i + 1, error: 'not JSON'}]
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [{line: i + 1, error: 'not a JSON object'}]
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
      const pick = (names: readonly string[]) => {
        const key = keys.find((name) => names.includes(headerKey(name)))
        return key === undefined ? undefined : record[key]
      }
      return [{line: i + 1, first: pick(FIRST), second: pick(SECOND), label: pick(LABEL)}]
    })
  }
  const [header, ...records] = delimitedRecords(text, format === 'tsv' ? '\t' : ',')
  if (!header) throw new Error('the file is empty')
  const at = [FIRST, SECOND, LABEL].map((names) => column(header.fields, names))
  if (at.some((index) => index < 0))
    throw new Error(`header "${header.fields.join(', ')}" lacks ${expected()}`)
  const [first, second, label] = at as [number, number, number]
  return records.map(({line, fields}): Row =>
    fields.length !== header.fields.length
      ? {line, error: `${fields.length} fields where the header has ${header.fields.length}`}
      : {line, first: fields[first], second: fields[second], label: fields[label]},
  )
}

/** The labelled pairs of `text` as a set named `name` (ids `name:<line>a` / `name:<line>b`). */
export function readPairs(text: string, format: PairsFormat, name: string): PairsSet {
  const questions: RealQuestion[] = []
  const relevant = new Map<string, Set<string>>()
  const skipped: PairsSet['skipped'] = []
  const pairs = {positive: 0, negative: 0}
  // A byte-order mark (spreadsheet exports write one) is not part of the first field or line.
  for (const row of rows(text.replace(/^\uFEFF/, ''), format)) {
    if ('error' in row) {
      skipped.push({line: row.line, reason: row.error})
      continue
    }
    const {line, first, second, label} = row
    if (
      typeof first !== 'string' ||
      typeof second !== 'string' ||
      !first.trim() ||
      !second.trim()
    ) {
      skipped.push({line, reason: 'a question is missing or empty'})
      continue
    }
    const raw = String(label ?? '').trim()
    const value = raw !== '' && Number.isFinite(Number(raw)) ? String(Number(raw)) : headerKey(raw)
    const positive = YES.has(value)
    if (!positive && !NO.has(value)) {
      skipped.push({
        line,
        reason: `label "${String(label ?? '')}" is neither 1/true/yes nor 0/false/no`,
      })
      continue
    }
    const a = `${name}:${line}a`
    const b = `${name}:${line}b`
    questions.push({id: a, title: first}, {id: b, title: second})
    if (positive) {
      addRelevant(relevant, a, b)
      addRelevant(relevant, b, a)
      pairs.positive++
    } else pairs.negative++
  }
  if (questions.length === 0 && skipped.length === 0) throw new Error(`no pairs: ${expected()}`)
  return {questions, relevant, transitive: true, pairs, skipped}
}
