// What the quality detectors read and what they say. Detectors see a thread as plain text (the
// importer builds it from the documents it is about to write, the Studio from the documents an
// editor publishes), so both reach the same verdict on the same content.

export const FLAG_CODES = [
  'machineTranslationRefusal',
  'emptyReply',
  'oneWordReply',
  'dateAfterAsked',
  'genderContradicted',
  'doctorSignatureDiffers',
  'nonLatinInEnglish',
  'duplicateQuestion',
] as const

export type FlagCode = (typeof FLAG_CODES)[number]

export interface ReplyText {
  /** The doctor the reply's header names, without "Dr.", e.g. "Lan Shengxing". */
  doctor?: string
  body: string
  /** ISO date `YYYY-MM-DD`. */
  repliedAt?: string
}

/** Another question with the same asker and question text (see duplicateQuestion). */
export interface QuestionSummary {
  id: string
  title?: string
  askedAt?: string
}

export interface ThreadText {
  questionId?: string
  title: string
  shortTitle?: string
  question: string
  moreInfo?: string
  /** ISO date `YYYY-MM-DD`. */
  askedAt?: string
  /** BCP 47 tag of the thread's language; a thread without one is English. */
  language?: string
  /** The asker's gender as the archive states it ("female", "male", "other", "unknown"). */
  gender?: string
  replies: ReplyText[]
  /** Questions with this asker and question text; undefined when nobody looked them up. */
  sameQuestion?: QuestionSummary[]
}

/** Small facts behind a flag, kept on the stored flag for the editor (and the Studio's checks). */
interface FlagDetail {
  /** The words that raised the flag, quoted as found. */
  excerpt?: string
  /** genderContradicted: the gender the archive stated before it was set to "unknown". */
  statedGender?: string
  /** duplicateQuestion: the id of the question this one repeats. */
  duplicateOf?: string
}

export interface Finding {
  code: FlagCode
  /** The document the flag belongs on: the question, or the reply at this index. */
  on: 'question' | number
  /** A sentence an editor can act on. */
  message: string
  detail?: FlagDetail
  /** doctorSignatureDiffers: another spelling of the doctor's name, to keep as an alias. */
  alias?: string
}

type FlagStatus = 'open' | 'dismissed'

/** A flag as stored in a question's or reply's `quality` array (schema type `qualityFlag`). */
export interface StoredFlag {
  _key: string
  _type: 'qualityFlag'
  code?: FlagCode
  message?: string
  status?: FlagStatus
  raisedAt?: string
  dismissedAt?: string
  dismissedBy?: string
  detail?: {
    excerpt?: string
    statedGender?: string
    duplicateOf?: {_type: 'reference'; _ref: string; _weak?: boolean}
  }
}
