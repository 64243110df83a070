import {defineQuery} from 'groq'
import {
  at,
  defineMigration,
  delete_,
  type Mutation,
  type NodePatch,
  patch,
  set,
  setIfMissing,
  transaction,
} from 'sanity/migrate'
import {getDraftId, isDraftId} from '@sanity/client/csm'
import {objectsWhere, type StoredDocument} from '../../migrator/nodes.ts'
import {referenceId, stringField} from '../../schemas/values.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import type {MergeReferencingDocumentsQueryResult} from '../../sanity.types.ts'
import {contentHashAfterChange} from '../../domain/contentHash.ts'
import {doctorId} from '../../domain/ids.ts'
import {doctorKey} from '../../domain/names.ts'

// Doctors whose normalised names match ("Dr. Lan Shengxing", "LAN Sheng-xing") are one doctor.
// Per group of duplicates the kept doctor is the one with the importer's id for that name (so
// later imports land on it), else the oldest. Every reference to a duplicate (replies, drafts
// included) is repointed to it, the duplicates' names and aliases become its aliases, their
// specialties are added and a missing credential or biography is taken over; then the
// duplicates (and their drafts) are deleted. A group is one transaction, so no reply ever points
// at a deleted doctor; a group too large for one (over MAX_MUTATIONS) repoints in transactions of
// its own first and deletes last. Re-running finds no group, or finishes an interrupted one.

export const MAX_MUTATIONS = 100

export const mergeReferencingDocumentsQuery = defineQuery(`*[references($ids)] | order(_id asc)`)

type Doctor = StoredDocument

function stringsOf(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : []
}

/** Oldest first, ties by id: the order the kept doctor is chosen in. */
function byAge(a: Doctor, b: Doctor): number {
  if (a._createdAt !== b._createdAt) return a._createdAt < b._createdAt ? -1 : 1
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0
}

/** The kept doctor's new fields: every name and alias of the group, every specialty. */
function mergedFields(kept: Doctor, duplicates: Doctor[]): NodePatch[] {
  const name = stringField(kept, 'name')
  const aliases = stringsOf(kept.aliases)
  for (const duplicate of duplicates) {
    for (const alias of [stringField(duplicate, 'name'), ...stringsOf(duplicate.aliases)]) {
      if (alias && alias !== name && !aliases.includes(alias)) aliases.push(alias)
    }
  }
  const specialties = Array.isArray(kept.specialties) ? [...kept.specialties] : []
  const refs = new Set(specialties.map(referenceId))
  const keys = new Set(specialties.map((item) => stringField(item, '_key')))
  for (const duplicate of duplicates) {
    for (const item of Array.isArray(duplicate.specialties) ? duplicate.specialties : []) {
      const ref = referenceId(item)
      if (!ref || refs.has(ref)) continue
      let key = ref
      for (let n = 2; keys.has(key); n++) key = `${ref}-${n}`
      specialties.push({_key: key, _type: 'reference', _ref: ref})
      refs.add(ref)
      keys.add(key)
    }
  }
  const patches: NodePatch[] = []
  if (aliases.length !== stringsOf(kept.aliases).length) patches.push(at(['aliases'], set(aliases)))
  if (specialties.length !== (Array.isArray(kept.specialties) ? kept.specialties.length : 0))
    patches.push(at(['specialties'], set(specialties)))
  for (const field of ['credentials', 'bio']) {
    const found = duplicates.find((duplicate) => duplicate[field] !== undefined)
    if (kept[field] === undefined && found) patches.push(at([field], setIfMissing(found[field])))
  }
  return patches
}

/** Every reference in `document` to one of `ids`, pointed at `keptId` instead. */
function repoint(document: StoredDocument, ids: Set<string>, keptId: string): Mutation | undefined {
  const after = structuredClone(document)
  const found = objectsWhere(after, (node) => {
    const ref = referenceId(node)
    return ref !== undefined && ids.has(ref)
  })
  if (found.length === 0) return undefined
  const patches: NodePatch[] = found.map(({node, path}) => {
    node._ref = keptId
    return at([...path, '_ref'], set(keptId))
  })
  const contentHash = contentHashAfterChange(document, after)
  if (contentHash) patches.push(at(['source', 'contentHash'], set(contentHash)))
  return patch(document._id, patches, {ifRevision: document._rev})
}

export default defineMigration({
  title: 'Merge doctors whose normalised names match: replies repointed, aliases kept',
  documentTypes: ['doctor'],
  async *migrate(documents, context) {
    const client = context.client.withConfig({apiVersion: API_VERSION, perspective: 'raw'})
    const groups = new Map<string, Doctor[]>()
    const drafts = new Map<string, Doctor>()
    for await (const doctor of documents()) {
      if (isDraftId(doctor._id)) {
        drafts.set(doctor._id, doctor)
        continue
      }
      const key = doctorKey(stringField(doctor, 'name') ?? '')
      if (!key) continue
      const group = groups.get(key)
      if (group) group.push(doctor)
      else groups.set(key, [doctor])
    }

    for (const [, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (group.length < 2) continue
      const canonical = doctorId(stringField(group[0], 'name') ?? '')
      const sorted = [...group].sort(byAge)
      const kept = sorted.find((doctor) => doctor._id === canonical) ?? sorted[0]
      if (!kept) continue
      const duplicates = sorted.filter((doctor) => doctor !== kept)
      const removed = duplicates.flatMap((doctor) =>
        drafts.has(getDraftId(doctor._id)) ? [doctor._id, getDraftId(doctor._id)] : [doctor._id],
      )
      const ids = new Set(removed)

      const referencing: MergeReferencingDocumentsQueryResult = await client.fetch(
        mergeReferencingDocumentsQuery,
        {ids: removed},
      )
      const repoints = referencing
        .filter((document) => !ids.has(document._id))
        .flatMap((document) => repoint(document, ids, kept._id) ?? [])

      const merged: Mutation[] = [kept, drafts.get(getDraftId(kept._id))].flatMap((doctor) => {
        const patches = doctor ? mergedFields(doctor, duplicates) : []
        return doctor && patches.length > 0
          ? [patch(doctor._id, patches, {ifRevision: doctor._rev})]
          : []
      })
      const last = [...merged, ...removed.map((id) => delete_(id))]
      const room = Math.max(MAX_MUTATIONS - last.length, 0)
      const first = repoints.slice(0, Math.max(repoints.length - room, 0))
      for (let start = 0; start < first.length; start += MAX_MUTATIONS)
        yield transaction(first.slice(start, start + MAX_MUTATIONS))
      yield transaction([...repoints.slice(first.length), ...last])
    }
  },
})
