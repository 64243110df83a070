import type {Dataset} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {badRequest, mutationError} from './errors.ts'
import {isDraftId} from '@sanity/client/csm'
import {isValidId} from './ids.ts'
import {isObject, type JsonObject} from '../domain/json.ts'

// Sanity's Actions API (what Studio uses to edit, publish and delete) expressed as the plain
// mutations the lake already commits atomically. Translated against the current state inside
// the commit queue, so "publish the draft" sees exactly the draft that is there.

type Json = JsonObject

function id(action: Json, field: string, index: number): string {
  const value = action[field]
  if (!isValidId(value)) throw badRequest(`Action ${index}: "${field}" must be a valid document id`)
  return value
}

function withoutSystemFields(document: LakeDocument): Json {
  const {_rev: _r, _updatedAt: _u, _originalId: _o, ...rest} = document
  return rest
}

function conflict(index: number, documentId: string, description: string) {
  return mutationError([{index, id: documentId, type: 'actionFailed', description}])
}

/** The mutations of one request so far; later actions see the effect of earlier ones. */
class Translation {
  readonly mutations: unknown[] = []
  private readonly state = new Map<string, LakeDocument | null>()
  private readonly dataset: Dataset

  constructor(dataset: Dataset) {
    this.dataset = dataset
  }

  current(documentId: string) {
    return this.state.has(documentId)
      ? (this.state.get(documentId) ?? null)
      : (this.dataset.get(documentId) ?? null)
  }

  /** Adds a mutation and what it leaves at `documentId` (null: nothing). */
  add(mutation: unknown, documentId: string, after: LakeDocument | null) {
    this.mutations.push(mutation)
    this.state.set(documentId, after)
  }
}

type ActionHandler = (translation: Translation, action: Json, index: number) => void

function attributesOf(action: Json, index: number): Json & {_type: string} {
  const attributes = action.attributes
  if (!isObject(attributes) || typeof attributes._type !== 'string') {
    throw badRequest(`Action ${index}: "attributes" must be a document with "_type"`)
  }
  return {...attributes, _type: attributes._type}
}

function create(translation: Translation, action: Json, index: number) {
  const publishedId = id(action, 'publishedId', index)
  const attributes = attributesOf(action, index)
  const draftId =
    typeof attributes._id === 'string' && isDraftId(attributes._id)
      ? attributes._id
      : `drafts.${publishedId}`
  if (translation.current(draftId)) {
    if (action.ifExists === 'ignore') return
    throw conflict(index, draftId, `A draft of "${publishedId}" already exists`)
  }
  const draft: LakeDocument = {...attributes, _id: draftId}
  translation.add({create: draft}, draftId, draft)
}

/** Patches the draft, made from the published document first when there is none. */
function edit(translation: Translation, action: Json, index: number) {
  const draftId = id(action, 'draftId', index)
  const publishedId = id(action, 'publishedId', index)
  if (!isObject(action.patch)) throw badRequest(`Action ${index}: "patch" must be an object`)
  if (!translation.current(draftId)) {
    const published = translation.current(publishedId)
    if (!published)
      throw conflict(index, publishedId, `Cannot edit "${publishedId}": it does not exist`)
    const draft = {...withoutSystemFields(published), _id: draftId, _type: published._type}
    translation.add({createIfNotExists: draft}, draftId, draft)
  }
  translation.mutations.push({patch: {...action.patch, id: draftId}})
}

/** The draft replaces the published document, if both are still at the revisions given. */
function publish(translation: Translation, action: Json, index: number) {
  const draftId = id(action, 'draftId', index)
  const publishedId = id(action, 'publishedId', index)
  const draft = translation.current(draftId)
  if (!draft) throw conflict(index, draftId, `Cannot publish "${publishedId}": there is no draft`)
  if (
    typeof action.ifDraftRevisionId === 'string' &&
    draft._rev &&
    draft._rev !== action.ifDraftRevisionId
  ) {
    throw conflict(index, draftId, `The draft of "${publishedId}" changed since it was read`)
  }
  const published = translation.current(publishedId)
  if (
    typeof action.ifPublishedRevisionId === 'string' &&
    published?._rev &&
    published._rev !== action.ifPublishedRevisionId
  ) {
    throw conflict(index, publishedId, `The published "${publishedId}" changed since it was read`)
  }
  const document: LakeDocument = {
    ...withoutSystemFields(draft),
    _id: publishedId,
    _type: draft._type,
  }
  if (published?._createdAt) document._createdAt = published._createdAt
  translation.add({createOrReplace: document}, publishedId, document)
  translation.add({delete: {id: draftId}}, draftId, null)
}

/** The published document goes; a draft of it stays (made from it when there is none). */
function unpublish(translation: Translation, action: Json, index: number) {
  const draftId = id(action, 'draftId', index)
  const publishedId = id(action, 'publishedId', index)
  const published = translation.current(publishedId)
  if (!published)
    throw conflict(index, publishedId, `Cannot unpublish "${publishedId}": it is not published`)
  if (!translation.current(draftId)) {
    translation.mutations.push({
      createIfNotExists: {...withoutSystemFields(published), _id: draftId, _type: published._type},
    })
  }
  translation.add({delete: {id: publishedId}}, publishedId, null)
}

function discard(translation: Translation, action: Json, index: number) {
  const draftId = id(action, 'draftId', index)
  if (!translation.current(draftId))
    throw conflict(index, draftId, `There is no draft "${draftId}" to discard`)
  translation.add({delete: {id: draftId}}, draftId, null)
}

function deleteDocument(translation: Translation, action: Json, index: number) {
  const publishedId = id(action, 'publishedId', index)
  const drafts = Array.isArray(action.includeDrafts) ? action.includeDrafts : []
  for (const documentId of [publishedId, ...drafts]) {
    if (!isValidId(documentId)) throw badRequest(`Action ${index}: invalid id in "includeDrafts"`)
    translation.add({delete: {id: documentId}}, documentId, null)
  }
}

function replaceDraft(translation: Translation, action: Json, index: number) {
  const draftId = id(action, 'draftId', index)
  const draft: LakeDocument = {...attributesOf(action, index), _id: draftId}
  translation.add({createOrReplace: draft}, draftId, draft)
}

/** The document actions the lake supports, one entry each. */
const ACTIONS = new Map<string, ActionHandler>([
  ['sanity.action.document.create', create],
  ['sanity.action.document.edit', edit],
  ['sanity.action.document.publish', publish],
  ['sanity.action.document.unpublish', unpublish],
  ['sanity.action.document.discard', discard],
  ['sanity.action.document.delete', deleteDocument],
  ['sanity.action.document.replaceDraft', replaceDraft],
])

export function actionsToMutations(dataset: Dataset, actions: unknown): unknown[] {
  const list = Array.isArray(actions) ? actions : [actions]
  const translation = new Translation(dataset)
  for (const [index, action] of list.entries()) {
    if (!isObject(action) || typeof action.actionType !== 'string') {
      throw badRequest(`Action ${index} must be an object with "actionType"`)
    }
    const handler = ACTIONS.get(action.actionType)
    if (!handler) {
      throw badRequest(
        `Action ${index}: "${action.actionType}" is not supported by the embedded lake`,
      )
    }
    handler(translation, action, index)
  }
  return translation.mutations
}
