import {at, defineMigration, type NodePatch, patch, set} from 'sanity/migrate'
import {contentHashAfterChange} from '../../importer/mapping.ts'
import {isObject, objectsWhere} from '../../migrator/nodes.ts'
import {
  initialOnly,
  looksLikeFullName,
  maskContactDetails,
} from '../../schemas/validation/privacy.ts'
import {stringField} from '../../schemas/values.ts'

// The importer's privacy rule, applied to what is already in the dataset: questions imported
// before the rule existed (or with --keep-asker-names), and text editors have changed since.
// Askers' full names become an initial ("Chen Mei-ling" → "C."); e-mail addresses and phone
// numbers in rich text (question, More Info, reply) are masked as the importer masks them.
// Running it again changes nothing: an initial is not a full name, masked text has nothing left
// to mask. Documents unedited since import stay so (their import hash follows the change).

export default defineMigration({
  title: "Scrub askers' personal details: full names to an initial, e-mails and phones masked",
  documentTypes: ['question', 'reply'],
  migrate: {
    document(document) {
      const after = structuredClone(document)
      const patches: NodePatch[] = []

      const name = stringField(after.asker, 'displayName')
      if (name && looksLikeFullName(name)) {
        const initial = initialOnly(name)
        patches.push(at(['asker', 'displayName'], set(initial)))
        if (isObject(after.asker)) after.asker.displayName = initial
      }

      const spans = objectsWhere(
        after,
        (node) => node._type === 'span' && typeof node.text === 'string',
      )
      for (const {node, path} of spans) {
        const text = stringField(node, 'text') ?? ''
        const masked = maskContactDetails(text).text
        if (masked === text) continue
        patches.push(at([...path, 'text'], set(masked)))
        node.text = masked
      }

      if (patches.length === 0) return undefined
      const contentHash = contentHashAfterChange(document, after)
      if (contentHash) patches.push(at(['source', 'contentHash'], set(contentHash)))
      return patch(document._id, patches, {ifRevision: document._rev})
    },
  },
})
