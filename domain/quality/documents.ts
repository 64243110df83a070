import {plainText} from '../../schemas/validation/portableText.ts'
import {stringField} from '../../schemas/values.ts'
import {storedFlags} from './flags.ts'
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
