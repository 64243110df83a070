import {at, defineMigration, type NodePatch, patch, set} from 'sanity/migrate'
import {getPublishedId, isDraftId} from '@sanity/client/csm'
import {isObject} from '../../domain/json.ts'
import {referenceId, stringField} from '../../schemas/values.ts'
import {digestOfTitleKey, titleDigest} from '../../domain/ids.ts'

// "Similar Q&A" entries the importer could not resolve keep the title the source page showed.
// Once a question with that title is in the archive (imported later, or written by an editor),
// the entry becomes a weak reference to it, as the importer would have made it. Titles match
// by a digest of their normalised key (case, accents, punctuation ignored; `tk-…`, as the
// importer stores it) against each published question's stored title key and its current
// title; readable keys stored by earlier versions are digested first. An entry never points at its own question, nor at a
// question the list already references. Resolved entries are not looked at again, so a second
// run changes nothing.
//
// Two passes over the questions: the first builds the title index (a title key and an id per
// published question), the second patches the questions with entries it can resolve.

/** A stored title key as the importer stores it now (earlier versions kept it readable). */
function digested(key: string | undefined): string | undefined {
  if (!key) return undefined
  return key.startsWith('tk-') ? key : digestOfTitleKey(key)
}

function addTitle(index: Map<string, string>, key: string | undefined, id: string) {
  if (!key) return
  const known = index.get(key)
  // Two questions with one title: the smallest id wins, so every run picks the same one.
  if (known === undefined || id < known) index.set(key, id)
}

export default defineMigration({
  title: 'Resolve unresolved similar-thread titles that now match a question',
  documentTypes: ['question'],
  async *migrate(documents) {
    const byTitle = new Map<string, string>()
    for await (const question of documents()) {
      if (isDraftId(question._id)) continue
      addTitle(byTitle, digested(stringField(question, 'titleKey')), question._id)
      const title = stringField(question, 'title')
      if (title) addTitle(byTitle, titleDigest(title), question._id)
    }

    for await (const question of documents()) {
      const similar = Array.isArray(question.similar) ? question.similar : []
      const self = getPublishedId(question._id)
      const referenced = new Set(similar.map((entry) => referenceId(entry?.question)))
      const patches: NodePatch[] = []
      for (const [index, entry] of similar.entries()) {
        if (!isObject(entry) || referenceId(entry.question)) continue
        const sourceTitle = stringField(entry, 'sourceTitle')
        const key =
          digested(stringField(entry, 'titleKey')) ??
          (sourceTitle ? titleDigest(sourceTitle) : undefined)
        const target = key ? byTitle.get(key) : undefined
        if (!target || target === self || referenced.has(target)) continue
        referenced.add(target)
        const item = typeof entry._key === 'string' ? {_key: entry._key} : index
        patches.push(
          at(['similar', item, 'question'], set({_type: 'reference', _ref: target, _weak: true})),
        )
      }
      if (patches.length > 0) yield patch(question._id, patches, {ifRevision: question._rev})
    }
  },
})
