import type {PortableTextBlock} from '@portabletext/types'
import {
  initialOnly,
  type Mask,
  type PrivacyCategory,
  type PrivacyContext,
  privacyContext,
  scrubBlocks,
  scrubText,
} from '../domain/privacy/index.ts'
import type {ThreadRecord} from './record.ts'

// The privacy step of an import: the thread as parsed in, the thread with personal data masked
// out, before anything (documents, ids of tags, slugs) is made from it. The rules are
// domain/privacy's; here is only which field of a thread is read with which context, and the
// record of every mask made so an editor can audit it in the report.

/** One mask applied to a thread: where, what kind, and the text before and after. */
export interface ThreadMask extends Mask {
  /** The field as a path: "title", "question", "replies[0].body", "similar[2].title"… */
  field: string
}

export type PrivacyCounts = Record<PrivacyCategory, number>

export function noPrivacyCounts(): PrivacyCounts {
  return {askerName: 0, email: 0, phone: 0, messenger: 0, url: 0}
}

export function addCounts(into: PrivacyCounts, masks: readonly Mask[]) {
  for (const mask of masks) into[mask.category]++
}

export interface ScrubOptions {
  /** Keep the asker's name as scraped (contact details are masked all the same). */
  keepAskerNames: boolean
}

function scrubField<T>(
  masks: ThreadMask[],
  field: string,
  value: T,
  scrub: (value: T) => {value: T; masks: Mask[]},
): T {
  const result = scrub(value)
  for (const mask of result.masks) masks.push({field, ...mask})
  return result.value
}

const text = (context: PrivacyContext) => (value: string) => {
  const {text: scrubbed, masks} = scrubText(value, context)
  return {value: scrubbed, masks}
}

const blocks = (context: PrivacyContext) => (value: PortableTextBlock[]) => {
  const {blocks: scrubbed, masks} = scrubBlocks(value, context)
  return {value: scrubbed, masks}
}

/**
 * The thread with personal data masked in every text field: title, short title, question, each
 * reply, More Info, Similar Q&A titles and excerpts, tag names, link targets. The asker's name
 * (known from the asker line) is reduced to its initial there and wherever the text uses it;
 * the doctors' names are public and stay. Similar Q&A entries name other threads, whose askers
 * are unknown here: only what needs no context (contact details, names after a salutation or
 * "Mr.") is masked in them.
 */
export function scrubRecord(
  record: ThreadRecord,
  {keepAskerNames}: ScrubOptions,
): {record: ThreadRecord; masks: ThreadMask[]} {
  const doctorNames = record.replies.map((reply) => reply.doctor)
  const askerName = record.asker?.name?.trim()
  const context = privacyContext({
    ...(askerName && !keepAskerNames ? {askerName} : {}),
    doctorNames,
  })
  const masks: ThreadMask[] = []
  const inThread = text(context)
  const inBlocks = blocks(context)
  const {shortTitle, moreInfo} = record
  const scrubbed: ThreadRecord = {
    ...record,
    title: scrubField(masks, 'title', record.title, inThread),
    ...(shortTitle === undefined
      ? {}
      : {shortTitle: scrubField(masks, 'shortTitle', shortTitle, inThread)}),
    question: scrubField(masks, 'question', record.question, inBlocks),
    replies: record.replies.map((reply, index) => ({
      ...reply,
      body: scrubField(masks, `replies[${index}].body`, reply.body, inBlocks),
    })),
    ...(moreInfo === undefined
      ? {}
      : {moreInfo: scrubField(masks, 'moreInfo', moreInfo, inBlocks)}),
    similar: record.similar.map((entry, index) => {
      const other = text(privacyContext({doctorNames: entry.doctor ? [entry.doctor] : []}))
      const field = `similar[${index}]`
      const optional = (name: 'excerpt' | 'replyExcerpt') => {
        const value = entry[name]
        return value === undefined
          ? {}
          : {[name]: scrubField(masks, `${field}.${name}`, value, other)}
      }
      return {
        ...entry,
        title: scrubField(masks, `${field}.title`, entry.title, other),
        ...optional('excerpt'),
        ...optional('replyExcerpt'),
      }
    }),
    tags: record.tags.map((tag, index) => ({
      ...tag,
      name: scrubField(masks, `tags[${index}].name`, tag.name, inThread),
    })),
  }
  if (askerName && !keepAskerNames) {
    const initial = initialOnly(askerName)
    if (initial !== askerName)
      masks.push({field: 'asker.name', category: 'askerName', before: askerName, after: initial})
    scrubbed.asker = {...record.asker, name: initial}
  }
  return {record: scrubbed, masks}
}
