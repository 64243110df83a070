import {textToPortableText} from '../portableText.ts'
import type {
  ParseResult,
  RecordOrigin,
  ThreadRecord,
  ThreadReply,
  ThreadSimilar,
  ThreadTag,
} from '../record.ts'
import {detectLanguage, isoDate} from './fields.ts'
import {notADate, quote} from '../messages.ts'
import {errorMessage} from '../../domain/errors.ts'
import {isObject, type JsonObject} from '../../domain/json.ts'

// The interchange format: one thread per line as JSON. Only "title" and "question" are required;
// everything else may be missing or null. A bad line fails alone, with every problem it has, so
// one run of the importer reports all the fixes a file needs.

// The calendar date as written; an offset never moves it to another day.
const TIME = /(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?/.source
const OFFSET = /(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?/.source
const ISO_DATETIME = new RegExp(`^(\\d{4}-\\d{2}-\\d{2})T${TIME}${OFFSET}$`, 'i')
const JSONL_DATE = 'YYYY-MM-DD, YYYY/MM/DD or an ISO datetime'

/**
 * Parses JSONL text; line numbers are 1-based and count blank lines, which are skipped. Lines end
 * at "\n" only (JSON strings may hold U+2028, U+2029 and, escaped, every other line break).
 */
export function parseJsonl(text: string, file: string): ParseResult[] {
  const results: ParseResult[] = []
  text.split('\n').forEach((line, index) => {
    const origin = {format: 'jsonl' as const, file, line: index + 1}
    if (line.trim()) results.push(parseJsonlLine(line, origin))
  })
  return results
}

/** One thread from one line (a trailing "\r" and a leading byte order mark are ignored). */
export function parseJsonlLine(line: string, origin: RecordOrigin): ParseResult {
  try {
    return parseLine(line.replace(/^\uFEFF/, '').replace(/\r$/, ''), origin)
  } catch (error) {
    // Whatever a line holds, it fails alone.
    return {ok: false, failure: {origin, reason: `Could not read the line: ${errorMessage(error)}`}}
  }
}

function parseLine(line: string, origin: RecordOrigin): ParseResult {
  const fail = (reason: string): ParseResult => ({ok: false, failure: {origin, reason}})
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return fail(`Invalid JSON: ${errorMessage(error)}`)
  }
  if (!isObject(value)) {
    return fail(`Expected a JSON object for the thread, got ${describe(value)}.`)
  }

  const fields = new Fields()
  const title = fields.required(value, 'title')
  const questionText = fields.required(value, 'question')
  const url = fields.optional(value, 'url')
  if (url !== undefined && !isWebUrl(url)) {
    fields.error('url', `must be an http(s) URL, got ${quote(url)}`)
  }
  const specialty = fields.optional(value, 'specialty')
  const shortTitle = fields.optional(value, 'shortTitle')
  const asker = readAsker(value, fields)
  const askedAt = fields.date(value, 'askedAt')
  const replies = readReplies(value, fields)
  const moreInfoText = fields.optional(value, 'moreInfo')
  const similar = readSimilar(value, fields)
  const tags = readTags(value, fields)
  const language = fields.optional(value, 'language')

  if (fields.errors.length > 0) return fail(`${fields.errors.join('; ')}.`)
  // Both are set when nothing was reported; the check tells the compiler.
  if (title === undefined || questionText === undefined) {
    return fail('"title" or "question" is missing.')
  }
  const question = textToPortableText(questionText, 'q')

  const record: ThreadRecord = {
    origin,
    title,
    question,
    replies: replies.map((draft, index): ThreadReply => {
      const reply: ThreadReply = {
        doctor: draft.doctor,
        body: textToPortableText(draft.body, `r${index}`),
      }
      if (draft.specialty !== undefined) reply.specialty = draft.specialty
      if (draft.repliedAt !== undefined) reply.repliedAt = draft.repliedAt
      return reply
    }),
    similar,
    tags,
  }
  if (url !== undefined) record.url = url
  if (specialty !== undefined) record.specialty = specialty
  if (shortTitle !== undefined) record.shortTitle = shortTitle
  if (asker) record.asker = asker
  if (askedAt !== undefined) record.askedAt = askedAt
  const moreInfo = textToPortableText(moreInfoText ?? '', 'm', {articleMode: true})
  if (moreInfo.length > 0) record.moreInfo = moreInfo
  // As for the page formats, judge by what the asker and doctors wrote.
  const detected =
    language ?? detectLanguage([title, questionText, ...replies.map((r) => r.body)].join('\n'))
  if (detected) record.language = detected
  return {ok: true, record}
}

/** The replies whose doctor and body are there (the others are reported to `fields`). */
function readReplies(value: JsonObject, fields: Fields) {
  return fields.array(value, 'replies').flatMap((item, index) => {
    const path = `replies[${index}]`
    if (!fields.object(item, path)) return []
    const doctor = fields.required(item, 'doctor', path)
    const body = fields.required(item, 'body', path)
    const reply = {
      specialty: fields.optional(item, 'specialty', path),
      repliedAt: fields.date(item, 'repliedAt', path),
    }
    return doctor !== undefined && body !== undefined ? [{...reply, doctor, body}] : []
  })
}

function readSimilar(value: JsonObject, fields: Fields): ThreadSimilar[] {
  return fields.array(value, 'similar').flatMap((item, index): ThreadSimilar[] => {
    const path = `similar[${index}]`
    if (!fields.object(item, path)) return []
    const entryTitle = fields.required(item, 'title', path)
    const entry: Partial<ThreadSimilar> = {}
    for (const key of ['excerpt', 'doctor', 'specialty', 'replyExcerpt'] as const) {
      const text = fields.optional(item, key, path)
      if (text !== undefined) entry[key] = text
    }
    return entryTitle === undefined ? [] : [{title: entryTitle, ...entry}]
  })
}

function readTags(value: JsonObject, fields: Fields): ThreadTag[] {
  return fields.array(value, 'tags').flatMap((item, index): ThreadTag[] => {
    const path = `tags[${index}]`
    if (!fields.object(item, path)) return []
    const name = fields.required(item, 'name', path)
    const tagSpecialty = fields.optional(item, 'specialty', path)
    if (name === undefined) return []
    return [tagSpecialty === undefined ? {name} : {name, specialty: tagSpecialty}]
  })
}

function readAsker(value: JsonObject, fields: Fields): ThreadRecord['asker'] {
  const asker = value.asker
  if (asker === undefined || asker === null) return undefined
  if (!fields.object(asker, 'asker')) return undefined
  const result: NonNullable<ThreadRecord['asker']> = {}
  for (const key of ['name', 'age', 'gender'] as const) {
    const text = fields.optional(asker, key, 'asker')
    if (text !== undefined) result[key] = text
  }
  return Object.keys(result).length > 0 ? result : undefined
}

/** Reads typed fields off JSON objects, collecting one message per problem, named by path. */
class Fields {
  readonly errors: string[] = []

  error(path: string, problem: string): void {
    this.errors.push(`"${path}" ${problem}`)
  }

  object(value: unknown, path: string): value is JsonObject {
    if (isObject(value)) return true
    this.error(path, `must be an object, got ${describe(value)}`)
    return false
  }

  /** A non-blank string, trimmed; undefined (and an error) otherwise. */
  required(object: JsonObject, key: string, parent?: string): string | undefined {
    const path = parent ? `${parent}.${key}` : key
    const value = object[key]
    if (value === undefined || value === null) {
      this.error(path, 'is missing')
      return undefined
    }
    if (typeof value !== 'string') {
      this.error(path, `must be a string, got ${describe(value)}`)
      return undefined
    }
    if (!value.trim()) {
      this.error(path, 'is empty')
      return undefined
    }
    return value.trim()
  }

  /** A string, trimmed; null, missing and blank are all "not given". */
  optional(object: JsonObject, key: string, parent?: string): string | undefined {
    const value = object[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') {
      this.error(parent ? `${parent}.${key}` : key, `must be a string, got ${describe(value)}`)
      return undefined
    }
    return value.trim() || undefined
  }

  /** `YYYY-MM-DD`, `YYYY/MM/DD` or an ISO datetime → `YYYY-MM-DD`. */
  date(object: JsonObject, key: string, parent?: string): string | undefined {
    const text = this.optional(object, key, parent)
    if (text === undefined) return undefined
    const date = isoDate(ISO_DATETIME.exec(text)?.[1] ?? text)
    if (date === undefined) {
      const path = parent ? `${parent}.${key}` : key
      this.errors.push(notADate(`"${path}"`, text, JSONL_DATE))
    }
    return date
  }

  array(object: JsonObject, key: string): unknown[] {
    const value = object[key]
    if (value === undefined || value === null) return []
    if (Array.isArray(value)) return value
    this.error(key, `must be an array, got ${describe(value)}`)
    return []
  }
}

function isWebUrl(text: string): boolean {
  try {
    const {protocol} = new URL(text)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
