import type {Dataset} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {badRequest, mutationError} from './errors.ts'
import {getDraftId, isDraftId} from '@sanity/client/csm'
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

export function actionsToMutations(dataset: Dataset, actions: unknown): unknown[] {
  const list = Array.isArray(actions) ? actions : [actions]
  const mutations: unknown[] = []
  // Later actions in one request see the effect of earlier ones.
  const state = new Map<string, LakeDocument | null>()
  const current = (documentId: string) =>
    state.has(documentId) ? (state.get(documentId) ?? null) : (dataset.get(documentId) ?? null)

  for (const [index, action] of list.entries()) {
    if (!isObject(action) || typeof action.actionType !== 'string') {
      throw badRequest(`Action ${index} must be an object with "actionType"`)
    }
    switch (action.actionType) {
      case 'sanity.action.document.create': {
        const publishedId = id(action, 'publishedId', index)
        const attributes = action.attributes
        if (!isObject(attributes) || typeof attributes._type !== 'string') {
          throw badRequest(`Action ${index}: "attributes" must be a document with "_type"`)
        }
        const draftId =
          typeof attributes._id === 'string' && isDraftId(attributes._id)
            ? attributes._id
            : getDraftId(publishedId)
        if (current(draftId)) {
          if (action.ifExists === 'ignore') break
          throw conflict(index, draftId, `A draft of "${publishedId}" already exists`)
        }
        const draft: LakeDocument = {...attributes, _id: draftId, _type: attributes._type}
        mutations.push({create: draft})
        state.set(draftId, draft)
        break
      }
      case 'sanity.action.document.edit': {
        const draftId = id(action, 'draftId', index)
        const publishedId = id(action, 'publishedId', index)
        if (!isObject(action.patch)) throw badRequest(`Action ${index}: "patch" must be an object`)
        if (!current(draftId)) {
          const published = current(publishedId)
          if (!published)
            throw conflict(index, publishedId, `Cannot edit "${publishedId}": it does not exist`)
          const draft = {...withoutSystemFields(published), _id: draftId, _type: published._type}
          mutations.push({createIfNotExists: draft})
          state.set(draftId, draft)
        }
        mutations.push({patch: {...action.patch, id: draftId}})
        break
      }
      case 'sanity.action.document.publish': {
        const draftId = id(action, 'draftId', index)
        const publishedId = id(action, 'publishedId', index)
        const draft = current(draftId)
        if (!draft)
          throw conflict(index, draftId, `Cannot publish "${publishedId}": there is no draft`)
        if (
          typeof action.ifDraftRevisionId === 'string' &&
          draft._rev &&
          draft._rev !== action.ifDraftRevisionId
        ) {
          throw conflict(index, draftId, `The draft of "${publishedId}" changed since it was read`)
        }
        const published = current(publishedId)
        if (
          typeof action.ifPublishedRevisionId === 'string' &&
          published?._rev &&
          published._rev !== action.ifPublishedRevisionId
        ) {
          throw conflict(
            index,
            publishedId,
            `The published "${publishedId}" changed since it was read`,
          )
        }
        const document: LakeDocument = {
          ...withoutSystemFields(draft),
          _id: publishedId,
          _type: draft._type,
        }
        if (published?._createdAt) document._createdAt = published._createdAt
        mutations.push({createOrReplace: document}, {delete: {id: draftId}})
        state.set(publishedId, document)
        state.set(draftId, null)
        break
      }
      case 'sanity.action.document.unpublish': {
        const draftId = id(action, 'draftId', index)
        const publishedId = id(action, 'publishedId', index)
        const published = current(publishedId)
        if (!published)
          throw conflict(
            index,
            publishedId,
            `Cannot unpublish "${publishedId}": it is not published`,
          )
        if (!current(draftId)) {
          mutations.push({
            createIfNotExists: {
              ...withoutSystemFields(published),
              _id: draftId,
              _type: published._type,
            },
          })
        }
        mutations.push({delete: {id: publishedId}})
        state.set(publishedId, null)
        break
      }
      case 'sanity.action.document.discard': {
        const draftId = id(action, 'draftId', index)
        if (!current(draftId))
          throw conflict(index, draftId, `There is no draft "${draftId}" to discard`)
        mutations.push({delete: {id: draftId}})
        state.set(draftId, null)
        break
      }
      case 'sanity.action.document.delete': {
        const publishedId = id(action, 'publishedId', index)
        const drafts = Array.isArray(action.includeDrafts) ? action.includeDrafts : []
        for (const documentId of [publishedId, ...drafts]) {
          if (!isValidId(documentId))
            throw badRequest(`Action ${index}: invalid id in "includeDrafts"`)
          mutations.push({delete: {id: documentId}})
          state.set(documentId, null)
        }
        break
      }
      case 'sanity.action.document.replaceDraft': {
        const draftId = id(action, 'draftId', index)
        const attributes = action.attributes
        if (!isObject(attributes) || typeof attributes._type !== 'string') {
          throw badRequest(`Action ${index}: "attributes" must be a document with "_type"`)
        }
        const draft: LakeDocument = {...attributes, _id: draftId, _type: attributes._type}
        mutations.push({createOrReplace: draft})
        state.set(draftId, draft)
        break
      }
      default:
        throw badRequest(
          `Action ${index}: "${action.actionType}" is not supported by the embedded lake`,
        )
    }
  }
  return mutations
}
