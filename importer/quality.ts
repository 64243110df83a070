import {threadTextOf} from '../domain/quality/documents.ts'
import {duplicateQuestion} from '../domain/quality/duplicate.ts'
import {flagsOf, storedFlags} from '../domain/quality/flags.ts'
import {detectThread, type FlagCode} from '../domain/quality/index.ts'
import {SCAN_LIMIT} from '../domain/quality/text.ts'
import type {QuestionSummary, StoredFlag} from '../domain/quality/types.ts'
import {plainText} from '../domain/portableText.ts'
import type {DoctorDocument, MappedThread, QuestionDocument, ReplyDocument} from './mapping.ts'
import type {ImportTarget} from './target.ts'
import {stableHash} from '../domain/hash.ts'
import {titleKey} from '../domain/names.ts'

// The importer's side of the quality flags (domain/quality): run the detectors on a mapped
// thread, act on what they find, find repeated questions across the run and the dataset, and
// count flags for the summary. Merging with flags already stored is the plan's job (plan.ts).

/** A flag as the `--report` lists it. */
export interface ReportedFlag {
  /** The question or reply it is on. */
  id: string
  code: FlagCode
  message: string
}

export type FlagCounts = Partial<Record<FlagCode, number>>

// Below this many characters of normalised text, questions ("Is it serious?") repeat by chance.
const MIN_KEY_TEXT = 40

/** Hash of the asker's initial and age range and the normalised question text, or undefined. */
function questionKey(question: QuestionDocument): string | undefined {
  const plain = plainText(question.body)
  // Normalising is the slow part: beyond what a real question holds, the text is hashed as is.
  const text = titleKey(plain.slice(0, SCAN_LIMIT))
  if (text.length < MIN_KEY_TEXT) return undefined
  const rest = plain.length > SCAN_LIMIT ? plain.slice(SCAN_LIMIT) : undefined
  const initial = [...titleKey(question.asker?.displayName ?? '')][0] ?? ''
  return stableHash([initial, question.asker?.ageRange ?? '', text, rest], 20)
}

function setFlags(document: QuestionDocument | ReplyDocument, flags: StoredFlag[]) {
  if (flags.length > 0) document.quality = flags
}

function addAlias(doctor: DoctorDocument, alias: string) {
  if (alias !== doctor.name && !doctor.aliases?.includes(alias))
    doctor.aliases = [...(doctor.aliases ?? []), alias]
}

/**
 * Runs the detectors on a mapped thread and writes what they find onto its documents: flags on
 * the question and replies, "unknown" for a gender the text contradicts, another spelling of a
 * doctor's name as an alias, and the key repeated questions are found by. Call it before the
 * question's content hash is taken (the gender is content).
 */
export function flagThread(
  {
    question,
    replies,
    doctors,
  }: {
    question: QuestionDocument
    replies: ReplyDocument[]
    doctors: DoctorDocument[]
  },
  raisedAt: string,
) {
  const doctorOf = (reply: ReplyDocument | undefined) =>
    doctors.find((doctor) => doctor._id === reply?.doctor?._ref)
  const thread = threadTextOf({
    question,
    replies: replies.map((reply) => ({reply, doctor: doctorOf(reply)?.name})),
  })
  const findings = detectThread(thread)
  for (const finding of findings) {
    if (finding.code === 'genderContradicted' && question.asker) question.asker.gender = 'unknown'
    const doctor = typeof finding.on === 'number' ? doctorOf(replies[finding.on]) : undefined
    if (finding.alias && doctor) addAlias(doctor, finding.alias)
  }
  setFlags(
    question,
    flagsOf(
      findings.filter((finding) => finding.on === 'question'),
      raisedAt,
    ),
  )
  replies.forEach((reply, index) =>
    setFlags(
      reply,
      flagsOf(
        findings.filter((finding) => finding.on === index),
        raisedAt,
      ),
    ),
  )
  const key = questionKey(question)
  if (key) question.questionKey = key
}

function summaryOf(question: QuestionDocument): QuestionSummary {
  return {id: question._id, title: question.title, askedAt: question.askedAt}
}

/**
 * Finds questions that repeat another one (same question key) of the run or of the dataset,
 * looking each key up in the dataset once, and flags the later ones (duplicateQuestion).
 */
export class DuplicateFinder {
  /** Question key → the questions with it, by id. */
  readonly known = new Map<string, Map<string, QuestionSummary>>()
  readonly lookedUp = new Set<string>()

  remember(key: string, question: QuestionSummary) {
    const same = this.known.get(key) ?? new Map<string, QuestionSummary>()
    same.set(question.id, question)
    this.known.set(key, same)
  }

  async flag(threads: readonly MappedThread[], target: ImportTarget) {
    const keyed = threads.flatMap(({question}) =>
      question.questionKey ? [{question, key: question.questionKey}] : [],
    )
    const unknown = [...new Set(keyed.map(({key}) => key))].filter((k) => !this.lookedUp.has(k))
    for (const found of await target.questionsByKey(unknown))
      if (found.questionKey)
        this.remember(found.questionKey, {
          id: found._id,
          title: found.title ?? undefined,
          askedAt: found.askedAt ?? undefined,
        })
    for (const key of unknown) this.lookedUp.add(key)
    for (const {question, key} of keyed) this.remember(key, summaryOf(question))
    for (const {question, key} of keyed) {
      const sameQuestion = [...(this.known.get(key)?.values() ?? [])]
      const findings = duplicateQuestion({
        questionId: question._id,
        askedAt: question.askedAt,
        sameQuestion,
      })
      const raisedAt = question.source?.importedAt ?? new Date().toISOString()
      setFlags(question, [...(question.quality ?? []), ...flagsOf(findings, raisedAt)])
    }
  }
}

/** The open flags of a document as the report lists them. */
export function reportedFlags(id: string, flags: unknown): ReportedFlag[] {
  return storedFlags(flags).flatMap((flag) =>
    flag.status === 'open' && flag.code ? [{id, code: flag.code, message: flag.message ?? ''}] : [],
  )
}

/** Flags by kind over the threads a run reports (kept and failed threads wrote none). */
export function countFlags(
  threads: readonly {outcome: string; flags?: readonly ReportedFlag[]}[],
): FlagCounts {
  const counts: FlagCounts = {}
  for (const thread of threads) {
    if (thread.outcome === 'kept' || thread.outcome === 'failed') continue
    for (const {code} of thread.flags ?? []) counts[code] = (counts[code] ?? 0) + 1
  }
  return counts
}
