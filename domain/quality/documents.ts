import {plainText} from '../portableText.ts'
import {stringField} from '../../schemas/values.ts'
import {flagsOf, mergeFlags, storedFlags} from './flags.ts'
import {DETECTORS, detectThread} from './index.ts'
import type {QuestionSummary, ThreadText} from './types.ts'

// Stored (or about to be stored) question and reply documents as the text the detectors read.
// Loosely typed on purpose: the importer passes its typed documents, the Studio what it fetched.

type LooseDocument = Readonly<Record<string, unknown>>

export interface ThreadDocuments {
  question: LooseDocument
  /** The question's replies, each with its doctor's name (without "Dr."). */
  replies: readonly {reply: LooseDocument; doctor?: string | undefined}[]
  sameQuestion?: QuestionSummary[]
}

/**
 * The gender the archive stated for the asker. Once the text contradicted it, the document says
 * "unknown" and the flag remembers what was stated, so the check still sees the contradiction
 * until an editor sets the gender.
 */
export function statedGender(question: LooseDocument): string | undefined {
  const gender = stringField(question.asker, 'gender')
  if (gender !== 'unknown') return gender
  const flag = storedFlags(question.quality).find((f) => f.code === 'genderContradicted')
  return flag?.detail?.statedGender ?? gender
}

export function threadTextOf({question, replies, sameQuestion}: ThreadDocuments): ThreadText {
  return {
    questionId: stringField(question, '_id')?.replace(/^drafts\./, ''),
    title: stringField(question, 'title') ?? '',
    shortTitle: stringField(question, 'shortTitle'),
    question: plainText(question.body),
    moreInfo: plainText(question.moreInfo),
    askedAt: stringField(question, 'askedAt'),
    language: stringField(question, 'language'),
    gender: statedGender(question),
    replies: replies.map(({reply, doctor}) => ({
      body: plainText(reply.body),
      doctor,
      repliedAt: stringField(reply, 'repliedAt'),
    })),
    sameQuestion,
  }
}

/** What else a document's flags depend on: its thread as published. */
export interface ThreadContext {
  /** The question (for a reply; a question being published is the document itself). */
  question?: LooseDocument | null
  /** The question's published replies, each with its doctor's name. */
  replies: readonly {reply: LooseDocument; doctor?: string | undefined}[]
  /** The name of the document's doctor (for a reply). */
  doctor?: string | null
}

const publishedId = (document: LooseDocument | null | undefined) =>
  stringField(document, '_id')?.replace(/^drafts\./, '')

/**
 * Keys of `document`'s open flags that its detectors no longer raise: the editor fixed the text.
 * Detectors that need the dataset (repeated questions) are not run, so their flags stay.
 */
export function fixedFlagKeys(document: LooseDocument, context: ThreadContext): string[] {
  const id = publishedId(document)
  const isQuestion = document._type === 'question'
  const question = isQuestion ? document : context.question
  if (!question) return []
  const self = {reply: document, doctor: context.doctor ?? undefined}
  const others = context.replies.filter(({reply}) => publishedId(reply) !== id)
  const replies = isQuestion ? context.replies : [...others, self]
  const on = isQuestion ? 'question' : replies.length - 1
  const findings = detectThread(threadTextOf({question, replies}))
  const raised = flagsOf(
    findings.filter((finding) => finding.on === on),
    '',
  )
  const kept = new Set(
    mergeFlags(raised, document.quality, (code) => !DETECTORS[code].needsDataset).map(
      (flag) => flag._key,
    ),
  )
  return storedFlags(document.quality)
    .filter((flag) => flag.status === 'open' && !kept.has(flag._key))
    .map((flag) => flag._key)
}
