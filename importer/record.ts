import type {PortableTextBlock} from '@portabletext/types'

// The importer's intermediate form: one scraped thread, whatever file format it came from.
// Parsers (page text, saved HTML, JSONL) produce it; the mapper turns it into documents.

/** Where a record came from, for the report: a file and line, or a URL. */
export interface RecordOrigin {
  format: 'text' | 'html' | 'jsonl'
  /** File path as given on the command line ("-" for stdin). */
  file: string
  /** 1-based line of a JSONL record. */
  line?: number
}

export interface ThreadReply {
  /** Doctor's name as printed, e.g. "Dr. Lan Shengxing" or "Lan Shengxing". */
  doctor: string
  specialty?: string
  body: PortableTextBlock[]
  /** ISO date `YYYY-MM-DD`. */
  repliedAt?: string
}

export interface ThreadSimilar {
  title: string
  /** Question excerpt shown in the list, if any. */
  excerpt?: string
  doctor?: string
  specialty?: string
  replyExcerpt?: string
}

export interface ThreadTag {
  name: string
  specialty?: string
}

export interface ThreadRecord {
  origin: RecordOrigin
  url?: string
  /** Page title without the trailing " - <Specialty>". */
  title: string
  specialty?: string
  shortTitle?: string
  question: PortableTextBlock[]
  asker?: {name?: string; age?: string; gender?: string}
  /** ISO date `YYYY-MM-DD`. */
  askedAt?: string
  replies: ThreadReply[]
  moreInfo?: PortableTextBlock[]
  similar: ThreadSimilar[]
  tags: ThreadTag[]
  /** BCP 47 tag when known or detected (e.g. "en", "zh-Hant"). */
  language?: string
}

/** A record the parser could not read, with a message that says why and where. */
interface ParseFailure {
  origin: RecordOrigin
  reason: string
  /** Passed over by rule (a symbolic link out of the input tree, a special file), not broken. */
  skipped?: boolean
}

export type ParseResult = {ok: true; record: ThreadRecord} | {ok: false; failure: ParseFailure}
