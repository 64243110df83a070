// Measuring the rules on a labelled corpus: how many labelled occurrences of personal data the
// masks cover (recall), how many masks cover none (precision), and how many expressions that
// must survive — doses, ranges, dates, doctors' names — the output no longer contains.

export interface Label {
  category: string
  text: string
}

export interface CorpusItem {
  id: string
  shape: string
  asker: string
  doctors: string[]
  text: string
  pii: Label[]
  keep: Label[]
}

/** A stretch of the input a scrubber replaced, in input offsets. */
interface Detection {
  category: string
  start: number
  end: number
}

export type Scrubber = (item: CorpusItem) => {text: string; detections: Detection[]}

interface Span {
  category: string
  text: string
  start: number
  end: number
}

export interface PiiScore {
  category: string
  occurrences: number
  caught: number
  masks: number
  falseMasks: number
}

interface KeepScore {
  category: string
  occurrences: number
  changed: number
}

export interface Evaluation {
  pii: PiiScore[]
  keep: KeepScore[]
  missed: {id: string; category: string; text: string}[]
  falseMasks: {id: string; category: string; text: string}[]
  changed: {id: string; category: string; text: string}[]
}

/** Labels that are not medical numbers: names and institutions that must survive too. */
export const NON_NUMERIC_KEEPS = new Set(['doctorName', 'hospital', 'ordinaryWord'])

function occurrences(text: string, needle: string): number[] {
  const found: number[] = []
  for (let at = text.indexOf(needle); at >= 0 && needle; at = text.indexOf(needle, at + 1))
    found.push(at)
  return found
}

const WORD_CHAR = /[\p{L}\p{N}]/u
const SCRIPT = /[\p{Script=Han}\p{Script=Hangul}]/u
/** A name stands between non-letters, unless written in a script without spaces. */
const bounded = (text: string, start: number, end: number) =>
  SCRIPT.test(text.slice(start, end)) ||
  (!WORD_CHAR.test(text[start - 1] ?? '') && !WORD_CHAR.test(text[end] ?? ''))

const inside = (span: {start: number; end: number}, outer: {start: number; end: number}) =>
  span.start >= outer.start &&
  span.end <= outer.end &&
  (span.start > outer.start || span.end < outer.end)

/**
 * Where the labels are in the text. A keep label stands for every occurrence of its text; a
 * personal-data label for one occurrence not inside a keep or a longer label. Mismatched
 * counts are returned as problems: the corpus must say exactly what it means.
 */
export function locateLabels(item: CorpusItem): {pii: Span[]; keep: Span[]; problems: string[]} {
  const problems: string[] = []
  const keep = [...new Set(item.keep.map((label) => label.text))].flatMap((text) =>
    occurrences(item.text, text).map((start) => ({
      category: item.keep.find((label) => label.text === text)?.category ?? '',
      text,
      start,
      end: start + text.length,
    })),
  )
  for (const label of item.keep) {
    if (!item.text.includes(label.text))
      problems.push(`${item.id}: keep "${label.text}" not in text`)
  }
  const candidates = [...new Set(item.pii.map((label) => `${label.category}\u0000${label.text}`))]
    .map((key) => key.split('\u0000') as [string, string])
    .flatMap(([category, text]) =>
      occurrences(item.text, text)
        .map((start) => ({category, text, start, end: start + text.length}))
        .filter((span) => category !== 'askerName' || bounded(item.text, span.start, span.end)),
    )
  const pii = candidates.filter(
    (span) =>
      !keep.some((outer) => span.start >= outer.start && span.end <= outer.end) &&
      !candidates.some((outer) => inside(span, outer)),
  )
  for (const label of new Set(item.pii.map((entry) => entry.text))) {
    const labelled = item.pii.filter((entry) => entry.text === label).length
    const found = pii.filter((span) => span.text === label).length
    if (labelled !== found)
      problems.push(`${item.id}: "${label}" labelled ${labelled}×, found ${found}×`)
  }
  return {pii, keep, problems}
}

function covered(span: Span, detections: Detection[]): boolean {
  let at = span.start
  for (const detection of [...detections].sort((a, b) => a.start - b.start)) {
    if (detection.start > at) break
    at = Math.max(at, detection.end)
    if (at >= span.end) return true
  }
  return at >= span.end
}

const overlaps = (a: {start: number; end: number}, b: {start: number; end: number}) =>
  a.start < b.end && b.start < a.end

function tally<T extends {category: string}>(
  map: Map<string, T>,
  category: string,
  empty: () => T,
) {
  const entry = map.get(category) ?? empty()
  map.set(category, entry)
  return entry
}

/** Runs `scrub` over the corpus and scores it per category. */
export function evaluateCorpus(items: CorpusItem[], scrub: Scrubber): Evaluation {
  const pii = new Map<string, PiiScore>()
  const keep = new Map<string, KeepScore>()
  const result: Evaluation = {pii: [], keep: [], missed: [], falseMasks: [], changed: []}
  const emptyPii = (category: string) => () => ({
    category,
    occurrences: 0,
    caught: 0,
    masks: 0,
    falseMasks: 0,
  })
  for (const item of items) {
    const located = locateLabels(item)
    const output = scrub(item)
    for (const span of located.pii) {
      const score = tally(pii, span.category, emptyPii(span.category))
      score.occurrences++
      if (covered(span, output.detections)) score.caught++
      else result.missed.push({id: item.id, category: span.category, text: span.text})
    }
    for (const detection of output.detections) {
      const score = tally(pii, detection.category, emptyPii(detection.category))
      score.masks++
      if (located.pii.some((span) => overlaps(span, detection))) continue
      score.falseMasks++
      const text = item.text.slice(detection.start, detection.end)
      result.falseMasks.push({id: item.id, category: detection.category, text})
    }
    for (const label of item.keep) {
      const score = tally(keep, label.category, () => ({
        category: label.category,
        occurrences: 0,
        changed: 0,
      }))
      score.occurrences++
      // Occurrences inside personal data ("29" in "wxid_ht29…") go with it.
      const before = occurrences(item.text, label.text).filter(
        (start) =>
          !located.pii.some((span) => overlaps(span, {start, end: start + label.text.length})),
      ).length
      if (occurrences(output.text, label.text).length >= before) continue
      score.changed++
      result.changed.push({id: item.id, category: label.category, text: label.text})
    }
  }
  result.pii = [...pii.values()].sort((a, b) => a.category.localeCompare(b.category))
  result.keep = [...keep.values()].sort((a, b) => a.category.localeCompare(b.category))
  return result
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole)
export const recall = (score: PiiScore) => ratio(score.caught, score.occurrences)
export const precision = (score: PiiScore) => ratio(score.masks - score.falseMasks, score.masks)

function table(rows: (string | number)[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => String(row[column]).length))) ?? []
  return rows
    .map((row) => row.map((cell, column) => String(cell).padStart(widths[column] ?? 0)).join('  '))
    .join('\n')
}

/** The evaluation as text tables, for the console. */
export function formatEvaluation(evaluation: Evaluation, title: string): string {
  const piiRows = evaluation.pii.map((score) => [
    score.category,
    score.occurrences,
    score.caught,
    recall(score).toFixed(3),
    score.masks,
    score.falseMasks,
    precision(score).toFixed(3),
  ])
  const medical = evaluation.keep.filter((score) => !NON_NUMERIC_KEEPS.has(score.category))
  const keepRows = evaluation.keep.map((score) => [
    score.category,
    score.occurrences,
    score.changed,
  ])
  const sum = (scores: KeepScore[], key: 'occurrences' | 'changed') =>
    scores.reduce((total, score) => total + score[key], 0)
  return [
    `${title}: personal data`,
    table([
      ['category', 'occurrences', 'caught', 'recall', 'masks', 'false', 'precision'],
      ...piiRows,
    ]),
    `${title}: expressions that must survive`,
    table([['category', 'occurrences', 'changed'], ...keepRows]),
    `medical numbers: ${sum(medical, 'occurrences')}, changed: ${sum(medical, 'changed')}`,
  ].join('\n')
}
