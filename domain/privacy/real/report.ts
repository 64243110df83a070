import {readFileSync, writeFileSync} from 'node:fs'
import {findPersonalData, NO_CONTEXT, privacyContext, scrubText} from '../index.ts'
import type {PrivacyContext} from '../context.ts'
import {baselineMasks, maskContactDetails} from '../legacy.ts'
import {DATA, PREPARED, type RealText} from './prepare.ts'

// The privacy rules on real text (prepare.ts), beside the rules they replaced: how many numeric
// expressions the text has and how many each changed (every change printed, to be judged), how
// many doctors' names ("Dr. X") changed, and the masks made by category. Two stress runs give
// the new rules an asker to look for: ordinary words ("May Hope Long") that the text never uses
// as this asker's name, and each dialogue's own doctor's surname (without telling the rules it
// is a doctor's).
//
//   node domain/privacy/real/report.ts      (after prepare.ts; writes data/report.json too)

interface Span {
  category: string
  start: number
  end: number
}

interface Run {
  name: string
  scrub: (text: RealText) => {output: string; spans: Span[]}
}

interface Tally {
  texts: number
  numbers: number
  numbersChanged: number
  doctors: number
  doctorsChanged: number
  masks: Record<string, number>
  changes: string[]
  milliseconds: number
}

const NUMBER = /\S*\d\S*/g
const DOCTOR = /\b(?:Dr\.?|Doctor) [A-Z][a-z]+/g

function counts(text: string, pattern: RegExp): Map<string, number> {
  const found = new Map<string, number>()
  for (const [match] of text.matchAll(pattern)) found.set(match, (found.get(match) ?? 0) + 1)
  return found
}

/** How many of the pattern's matches in `before` are gone from `after`. */
function lost(before: string, after: string, pattern: RegExp): [number, number] {
  const kept = counts(after, pattern)
  let total = 0
  let gone = 0
  for (const [match, count] of counts(before, pattern)) {
    total += count
    gone += Math.max(0, count - (kept.get(match) ?? 0))
  }
  return [total, gone]
}

function context(text: string, span: Span): string {
  const before = text.slice(Math.max(0, span.start - 45), span.start).replace(/\s+/g, ' ')
  const after = text.slice(span.end, span.end + 45).replace(/\s+/g, ' ')
  return `…${before}«${text.slice(span.start, span.end)}»${after}…`
}

function tally(texts: RealText[], run: Run): Tally {
  const result: Tally = {
    texts: texts.length,
    numbers: 0,
    numbersChanged: 0,
    doctors: 0,
    doctorsChanged: 0,
    masks: {},
    changes: [],
    milliseconds: 0,
  }
  for (const text of texts) {
    const started = performance.now()
    const {output, spans} = run.scrub(text)
    result.milliseconds += performance.now() - started
    const [numbers, numbersChanged] = lost(text.text, output, NUMBER)
    const [doctors, doctorsChanged] = lost(text.text, output, DOCTOR)
    Object.assign(result, {
      numbers: result.numbers + numbers,
      numbersChanged: result.numbersChanged + numbersChanged,
      doctors: result.doctors + doctors,
      doctorsChanged: result.doctorsChanged + doctorsChanged,
    })
    for (const span of spans) {
      result.masks[span.category] = (result.masks[span.category] ?? 0) + 1
      result.changes.push(`${text.id} ${text.role} ${span.category}: ${context(text.text, span)}`)
    }
  }
  return result
}

const withContext =
  (askerFor: (text: RealText) => PrivacyContext): Run['scrub'] =>
  (text) => {
    const rules = askerFor(text)
    return {output: scrubText(text.text, rules).text, spans: findPersonalData(text.text, rules)}
  }

/** Each dialogue's doctor's surname, as written after "Dr." in it. */
function doctorSurnames(texts: RealText[]): Map<string, string> {
  const surnames = new Map<string, string>()
  for (const text of texts) {
    const surname = /\bDr\.? ([A-Z][a-z]{2,})/.exec(text.text)?.[1]
    if (surname && !surnames.has(text.id)) surnames.set(text.id, surname)
  }
  return surnames
}

function runs(texts: RealText[]): Run[] {
  const surnames = doctorSurnames(texts)
  const ordinary = privacyContext({askerName: 'May Hope Long'})
  const byDoctor = new Map(
    [...surnames].map(([id, name]) => [id, privacyContext({askerName: name})]),
  )
  return [
    {
      name: 'old rules (maskContactDetails)',
      scrub: (text) => ({
        output: maskContactDetails(text.text).text,
        spans: baselineMasks(text.text),
      }),
    },
    {name: 'domain/privacy, no asker', scrub: withContext(() => NO_CONTEXT)},
    {name: 'domain/privacy, asker "May Hope Long"', scrub: withContext(() => ordinary)},
    {
      name: `domain/privacy, asker = the text's own doctor's surname (${byDoctor.size} have one)`,
      scrub: withContext((text) => byDoctor.get(text.id) ?? NO_CONTEXT),
    },
  ]
}

function print(source: string, name: string, result: Tally) {
  const masks = Object.entries(result.masks).map(([category, count]) => `${category} ${count}`)
  console.log(
    [
      `\n== ${source}: ${name}`,
      `texts ${result.texts}, ${Math.round(result.milliseconds)} ms`,
      `numeric expressions ${result.numbers}, changed ${result.numbersChanged}`,
      `doctors' names ("Dr. X") ${result.doctors}, changed ${result.doctorsChanged}`,
      `masks: ${masks.join(', ') || 'none'}`,
      ...result.changes.map((change) => `  ${change}`),
    ].join('\n'),
  )
}

function main() {
  const texts: RealText[] = readFileSync(PREPARED, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RealText)
  const report: Record<string, Record<string, Tally>> = {}
  for (const source of new Set(texts.map((text) => text.source))) {
    const group = texts.filter((text) => text.source === source)
    report[source] = {}
    for (const run of runs(group)) {
      const result = tally(group, run)
      report[source][run.name] = result
      print(source, run.name, result)
    }
  }
  writeFileSync(`${DATA}report.json`, JSON.stringify(report, null, 2))
}

main()
