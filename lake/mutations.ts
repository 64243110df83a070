import {Mutation} from '@sanity/mutator'
import {evaluate, parse} from 'groq-js'
import type {Dataset, DocumentChange} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {badRequest, mutationError} from './errors.ts'
import {generateId, generateRevision, isValidId} from './ids.ts'
import {errorMessage} from '../domain/errors.ts'
import {isObject, type JsonObject} from '../domain/json.ts'

// Turns a list of mutations into the document changes of one all-or-nothing transaction. The
// patch operations themselves (set, unset, insert, inc, diffMatchPatch…) are @sanity/mutator's;
// this module adds what the server decides: existence checks, revisions, timestamps, queries.

export interface MutateOptions {
  transactionId?: string
  autoGenerateArrayKeys?: boolean
  timestamp?: string
}

interface MutationResult {
  id: string
  operation: 'create' | 'update' | 'delete'
}

export interface PlannedTransaction {
  id: string
  timestamp: string
  changes: DocumentChange[]
  results: MutationResult[]
}

const PATCH_OPERATIONS = new Set([
  'set',
  'setIfMissing',
  'unset',
  'inc',
  'dec',
  'insert',
  'diffMatchPatch',
])

type Json = JsonObject

/**
 * Deepest nesting of objects and arrays a document may have. Sanity allows 20 levels of
 * attributes; the lake allows a little more, and refuses deeper documents before anything
 * recursive (indexes, the log, queries) walks them.
 */
const MAX_DOCUMENT_DEPTH = 32

/** The document's nesting depth, or MAX_DOCUMENT_DEPTH + 1 if deeper (walked without recursion). */
function nestingDepth(document: unknown): number {
  let deepest = 0
  const stack: [unknown, number][] = [[document, 0]]
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, depth] = next
    if (typeof value !== 'object' || value === null) continue
    if (depth > MAX_DOCUMENT_DEPTH) return depth
    deepest = Math.max(deepest, depth)
    for (const child of Array.isArray(value) ? value : Object.values(value))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
  return deepest
}

function isDocument(value: Json): value is LakeDocument {
  return typeof value._id === 'string' && typeof value._type === 'string'
}

/** Gives array items that are objects a `_key` when they lack one (Sanity's autoGenerateArrayKeys). */
function addMissingKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => {
      const withKeys = addMissingKeys(item)
      return isObject(withKeys) && typeof withKeys._key !== 'string'
        ? {_key: generateId().slice(0, 12), ...withKeys}
        : withKeys
    })
  }
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [key, addMissingKeys(field)]),
    )
  }
  return value
}

async function idsMatchingQuery(dataset: Dataset, query: unknown, params: unknown, index: number) {
  if (typeof query !== 'string')
    throw badRequest(`Mutation ${index}: "query" must be a GROQ string`)
  let tree
  try {
    tree = parse(`*[${query.replace(/^\s*\*\s*\[([\s\S]*)\]\s*$/, '$1')}]._id`)
  } catch (error) {
    throw badRequest(`Mutation ${index}: invalid query: ${errorMessage(error)}`)
  }
  const value = await evaluate(tree, {
    dataset: dataset.raw.documents(),
    params: isObject(params) ? params : {},
  })
  const ids: unknown = await value.get()
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []
}

/** One transaction being planned: the documents it has touched so far and what it reports. */
class TransactionState {
  /** Documents touched so far in this transaction (null = deleted). */
  readonly working = new Map<string, LakeDocument | null>()
  readonly results: MutationResult[] = []
  readonly dataset: Dataset
  readonly id: string
  readonly timestamp: string
  readonly autoGenerateArrayKeys: boolean

  constructor(dataset: Dataset, id: string, timestamp: string, autoGenerateArrayKeys: boolean) {
    this.dataset = dataset
    this.id = id
    this.timestamp = timestamp
    this.autoGenerateArrayKeys = autoGenerateArrayKeys
  }

  /** The document as this transaction has left it so far. */
  current(id: string) {
    return this.working.has(id) ? (this.working.get(id) ?? null) : (this.dataset.get(id) ?? null)
  }

  /** The document as stored: keys added if asked, timestamps and the transaction's revision. */
  stamp(document: Json, createdAt: string | undefined): LakeDocument {
    const keyed = this.autoGenerateArrayKeys ? addMissingKeys(document) : document
    const body = isObject(keyed) ? keyed : document
    // One copy per document: a bulk import stamps hundreds of thousands.
    const stamped: Json = {
      ...body,
      _createdAt: createdAt ?? this.timestamp,
      _updatedAt: this.timestamp,
      _rev: this.id,
    }
    if (!isDocument(stamped)) throw new Error('not a document')
    return stamped
  }

  write(id: string, document: LakeDocument | null, operation: MutationResult['operation']) {
    this.working.set(id, document)
    this.results.push({id, operation})
  }

  changes(): DocumentChange[] {
    const changes: DocumentChange[] = []
    for (const [id, after] of this.working) {
      const before = this.dataset.get(id) ?? null
      if (before === null && after === null) continue
      changes.push({id, before, after})
    }
    return changes
  }
}

function documentBody(value: unknown, kind: string, index: number, requireId: boolean): Json {
  if (!isObject(value)) throw badRequest(`Mutation ${index}: "${kind}" must be a document object`)
  if (typeof value._type !== 'string' || value._type === '') {
    throw badRequest(`Mutation ${index}: the document has no "_type"`)
  }
  if (requireId && value._id === undefined)
    throw badRequest(`Mutation ${index}: "${kind}" requires an "_id"`)
  if (nestingDepth(value) > MAX_DOCUMENT_DEPTH)
    throw badRequest(
      `Mutation ${index}: the document nests objects and arrays deeper than ${MAX_DOCUMENT_DEPTH} levels`,
    )
  // Only `create` takes an id ending in "." (a prefix for a generated id); it checks the result.
  const prefix = kind === 'create' && typeof value._id === 'string' && value._id.endsWith('.')
  if (value._id !== undefined && !prefix && !isValidId(value._id)) {
    throw badRequest(`Mutation ${index}: invalid document id ${JSON.stringify(value._id)}`)
  }
  return value
}

/** A `_createdAt` given with a new document (imports keep theirs); otherwise the commit time. */
function givenCreatedAt(document: Json) {
  return typeof document._createdAt === 'string' ? document._createdAt : undefined
}

function checkedId(id: unknown, index: number): string {
  if (!isValidId(id))
    throw badRequest(`Mutation ${index}: invalid document id ${JSON.stringify(id)}`)
  return id
}

type MutationKind = (state: TransactionState, body: unknown, index: number) => void | Promise<void>

function create(state: TransactionState, body: unknown, index: number) {
  const document = documentBody(body, 'create', index, false)
  const given = typeof document._id === 'string' ? document._id : ''
  const id = given === '' || given.endsWith('.') ? generateId(given) : given
  if (!isValidId(id)) {
    throw badRequest(`Mutation ${index}: invalid document id prefix ${JSON.stringify(given)}`)
  }
  if (state.current(id)) {
    throw mutationError([
      {
        index,
        id,
        type: 'documentAlreadyExistsError',
        description: `Document by ID "${id}" already exists`,
      },
    ])
  }
  state.write(id, state.stamp({...document, _id: id}, givenCreatedAt(document)), 'create')
}

function createIfNotExists(state: TransactionState, body: unknown, index: number) {
  const document = documentBody(body, 'createIfNotExists', index, true)
  const id = String(document._id)
  if (state.current(id)) return
  state.write(id, state.stamp(document, givenCreatedAt(document)), 'create')
}

function createOrReplace(state: TransactionState, body: unknown, index: number) {
  const document = documentBody(body, 'createOrReplace', index, true)
  const id = String(document._id)
  const existing = state.current(id)
  const createdAt = existing ? existing._createdAt : givenCreatedAt(document)
  state.write(id, state.stamp(document, createdAt), existing ? 'update' : 'create')
}

async function deleteDocuments(state: TransactionState, body: unknown, index: number) {
  if (!isObject(body))
    throw badRequest(`Mutation ${index}: "delete" must be an object with "id" or "query"`)
  const ids =
    body.id !== undefined
      ? [body.id]
      : await idsMatchingQuery(state.dataset, body.query, body.params, index)
  for (const given of ids) {
    const id = checkedId(given, index)
    if (state.current(id)) state.write(id, null, 'delete')
  }
}

async function patch(state: TransactionState, body: unknown, index: number) {
  if (!isObject(body)) throw badRequest(`Mutation ${index}: "patch" must be an object`)
  const {id, query, params, ifRevisionID, ...operations} = body
  for (const operation of Object.keys(operations)) {
    if (!PATCH_OPERATIONS.has(operation))
      throw badRequest(`Mutation ${index}: unknown patch operation "${operation}"`)
  }
  const ids = id !== undefined ? [id] : await idsMatchingQuery(state.dataset, query, params, index)
  for (const target of ids) {
    patchDocument(state, checkedId(target, index), {operations, ifRevisionID}, index)
  }
}

/** One document's patch: it must exist, be at the expected revision and stay a document. */
function patchDocument(
  state: TransactionState,
  target: string,
  {operations, ifRevisionID}: {operations: Json; ifRevisionID: unknown},
  index: number,
) {
  const existing = state.current(target)
  if (!existing) {
    throw mutationError([
      {
        index,
        id: target,
        type: 'documentNotFoundError',
        description: `Document by ID "${target}" not found`,
      },
    ])
  }
  // Checked against the revision the document had before this transaction, as Sanity does:
  // a patch split into several raw patches (one per operation) carries one ifRevisionID.
  const revision = state.dataset.get(target)?._rev ?? existing._rev
  if (ifRevisionID !== undefined && revision !== ifRevisionID) {
    throw mutationError([
      {
        index,
        id: target,
        type: 'conflictError',
        description: `Document by ID "${target}" has unexpected revision ID ("${revision}"), expected ("${String(ifRevisionID)}")`,
      },
    ])
  }
  let patched: unknown
  try {
    // @sanity/mutator patches immutably: what the patch leaves alone stays the same objects,
    // which the text indexes read once for both versions (lake/textIndex.ts `replace`).
    patched = new Mutation({mutations: [{patch: {...operations, id: target}}]}).apply(existing)
  } catch (error) {
    throw badRequest(`Mutation ${index}: ${errorMessage(error)}`)
  }
  if (!isObject(patched) || patched._id !== target || patched._type !== existing._type) {
    throw badRequest(`Mutation ${index}: a patch cannot change or remove "_id" or "_type"`)
  }
  if (nestingDepth(patched) > MAX_DOCUMENT_DEPTH)
    throw badRequest(
      `Mutation ${index}: the patched document would nest deeper than ${MAX_DOCUMENT_DEPTH} levels`,
    )
  state.write(target, state.stamp(patched, existing._createdAt), 'update')
}

/** The mutation kinds of Sanity's API, one entry each. */
const MUTATION_KINDS = new Map<string, MutationKind>([
  ['create', create],
  ['createIfNotExists', createIfNotExists],
  ['createOrReplace', createOrReplace],
  ['delete', deleteDocuments],
  ['patch', patch],
])

export async function planTransaction(
  dataset: Dataset,
  mutations: unknown,
  options: MutateOptions = {},
): Promise<PlannedTransaction> {
  if (!Array.isArray(mutations)) throw badRequest('"mutations" must be an array')
  if (options.transactionId !== undefined && !isValidId(options.transactionId)) {
    throw badRequest(`Invalid transaction id "${options.transactionId}"`)
  }
  const state = new TransactionState(
    dataset,
    options.transactionId ?? generateRevision(),
    options.timestamp ?? new Date().toISOString(),
    options.autoGenerateArrayKeys ?? false,
  )
  for (const [index, mutation] of mutations.entries()) {
    if (!isObject(mutation)) throw badRequest(`Mutation ${index} must be an object`)
    const kinds = Object.keys(mutation)
    const kind = kinds[0]
    if (kinds.length !== 1 || kind === undefined) {
      throw badRequest(
        `Mutation ${index} must have exactly one of create, createOrReplace, createIfNotExists, delete, patch`,
      )
    }
    const apply = MUTATION_KINDS.get(kind)
    if (!apply) throw badRequest(`Mutation ${index}: unknown mutation type "${kind}"`)
    await apply(state, mutation[kind], index)
  }
  return {
    id: state.id,
    timestamp: state.timestamp,
    changes: state.changes(),
    results: state.results,
  }
}
