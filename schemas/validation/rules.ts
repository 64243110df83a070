import {getDraftId, getPublishedId} from '@sanity/client/csm'
import type {SlugValue, ValidationContext} from 'sanity'
import {API_VERSION} from '../apiVersion.ts'
import {replyDateProblem} from './dates.ts'
import {findContactDetails, looksLikeFullName} from './privacy.ts'
import {plainText} from '../../domain/portableText.ts'
import {questionAskDateQuery, slugInUseQuery, tagSpecialtiesQuery} from './queries.ts'
import {tagsOutsideSpecialty, type TagSpecialty} from './tags.ts'
import {referenceId, stringField} from '../values.ts'

// Async and cross-field rules, called from `rule.custom` in the schema types. Each returns `true`
// or a message an editor can act on; the level (error/warning) is chosen where the rule is used.

/** Slugs are unique per document type, across drafts and published documents. */
export async function uniqueSlug(slug: SlugValue | undefined, context: ValidationContext) {
  const current = slug?.current
  if (!current || !context.document) return true
  const id = getPublishedId(context.document._id)
  const taken = await context.getClient({apiVersion: API_VERSION}).fetch<boolean>(slugInUseQuery, {
    type: context.document._type,
    slug: current,
    draftId: getDraftId(id),
    publishedId: id,
  })
  return taken
    ? `Another ${context.document._type} already uses the slug "${current}". Pick another.`
    : true
}

/** A reply cannot predate the question it answers. */
export async function replyAfterQuestion(
  replyDate: string | undefined,
  context: ValidationContext,
) {
  const questionId = referenceId(context.document?.question)
  if (!replyDate || !questionId) return true
  const askedAt = await context
    .getClient({apiVersion: API_VERSION})
    .fetch<string | null>(questionAskDateQuery, {id: questionId})
  return replyDateProblem(replyDate, askedAt ?? undefined) ?? true
}

/** Tags filed under another specialty usually mean the wrong tag was picked. */
export async function tagsMatchSpecialty(tags: unknown, context: ValidationContext) {
  const specialtyId = referenceId(context.document?.specialty)
  const ids = Array.isArray(tags) ? tags.map(referenceId).filter((id) => id !== undefined) : []
  if (!specialtyId || ids.length === 0) return true
  const found = await context
    .getClient({apiVersion: API_VERSION})
    .fetch<TagSpecialty[]>(tagSpecialtiesQuery, {ids})
  const outside = tagsOutsideSpecialty(found, specialtyId)
  return outside.length === 0
    ? true
    : `These tags belong to another specialty: ${outside.join(', ')}. Check they fit this question.`
}

const plural = (count: number, one: string, many: string) =>
  count === 0 ? '' : `${count} ${count === 1 ? one : many}`

/** Warns about contact details left in Portable Text bodies or plain text fields. */
export function noContactDetails(value: unknown) {
  const {emails, phones, messengers} = findContactDetails(
    typeof value === 'string' ? value : plainText(value),
  )
  const found = [
    plural(emails.length, 'e-mail address', 'e-mail addresses'),
    plural(phones.length, 'phone number', 'phone numbers'),
    plural(messengers.length, 'messenger ID or profile link', 'messenger IDs or profile links'),
  ].filter(Boolean)
  const list = found.length > 1 ? `${found.slice(0, -1).join(', ')} and ${found.at(-1)}` : found[0]
  return list ? `Privacy: the text contains ${list}. Remove or mask them before publishing.` : true
}

/** The asker is shown by initial only; a full name is a privacy leak. */
export function noFullName(value: unknown) {
  const name = stringField(value, 'displayName')
  return name && looksLikeFullName(name)
    ? `Privacy: "${name}" looks like a full name. Show the asker by initial only (e.g. "${name.trim()[0]?.toUpperCase()}.").`
    : true
}
