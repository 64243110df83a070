import {
  at,
  defineMigration,
  type MigrationContext,
  type NodePatch,
  patch,
  set,
} from 'sanity/migrate'
import {
  initialOnly,
  looksLikeFullName,
  NO_CONTEXT,
  type PrivacyContext,
  privacyContext,
  scrubBlocks,
  scrubText,
} from '../../domain/privacy/index.ts'
import {getPublishedId} from '@sanity/client/csm'
import type {JsonObject} from '../../domain/json.ts'
import {stringField} from '../../schemas/values.ts'
import {contentHashAfterChange} from '../../domain/contentHash.ts'
import {stableHash} from '../../domain/hash.ts'
import {digestOfTitleKey} from '../../domain/ids.ts'
import {slugify} from '../../domain/names.ts'

// The importer's privacy rules (domain/privacy) applied to what is already in the dataset:
// archives imported before the rules, with --keep-asker-names, and text editors have changed
// since. Questions: the asker's full name becomes an initial in the asker line and wherever the
// question, title, short title and More Info use it; e-mails, phone numbers, messenger ids and
// personal links are masked in every text field, "Similar Q&A" titles included; a title that
// changes gets a slug made from the new title; the readable title key becomes a digest. Replies:
// the same, with their question's asker and their doctor (doctors' names are public and stay).
// FAQ tags: contact details in names. Running it again changes nothing. Documents unedited since
// import stay so (their import hash follows the change).

const HEX_SUFFIX = /-[0-9a-f]{6}$/

interface Change {
  path: (string | number | {_key: string})[]
  value: unknown
}

/** What a text field becomes, and its patch when it changed. */
function scrubbedString(value: unknown, path: Change['path'], context: PrivacyContext) {
  if (typeof value !== 'string') return undefined
  const {text} = scrubText(value, context)
  return text === value ? undefined : {path, value: text}
}

function scrubbedBlocks(value: unknown, path: Change['path'], context: PrivacyContext) {
  if (!Array.isArray(value)) return undefined
  const {blocks, masks} = scrubBlocks(value as {_type: string}[], context)
  return masks.length === 0 ? undefined : {path, value: blocks}
}

/** The slug for a title the scrub changed: the new title's words, the old slug's hash kept. */
function slugFor(document: JsonObject, title: string): string {
  const current = stringField(document.slug, 'current') ?? ''
  const suffix =
    HEX_SUFFIX.exec(current)?.[0] ?? `-${stableHash(getPublishedId(document._id as string), 6)}`
  return `${slugify(title, 80) || 'thread'}${suffix}`
}

function questionChanges(document: JsonObject, context: PrivacyContext): Change[] {
  const changes: (Change | undefined)[] = []
  const title = scrubbedString(document.title, ['title'], context)
  changes.push(title)
  // A question without a slug gets one from backfill-slugs, made from the masked title.
  if (title && stringField(document.slug, 'current'))
    changes.push({path: ['slug', 'current'], value: slugFor(document, title.value as string)})
  const key = stringField(document, 'titleKey')
  if (key && !key.startsWith('tk-'))
    changes.push({path: ['titleKey'], value: digestOfTitleKey(key)})
  changes.push(scrubbedString(document.shortTitle, ['shortTitle'], context))
  changes.push(scrubbedBlocks(document.body, ['body'], context))
  changes.push(scrubbedBlocks(document.moreInfo, ['moreInfo'], context))
  const name = stringField(document.asker, 'displayName')
  if (name && looksLikeFullName(name))
    changes.push({path: ['asker', 'displayName'], value: initialOnly(name)})
  for (const entry of Array.isArray(document.similar) ? document.similar : []) {
    const entryKey = stringField(entry, '_key')
    if (!entryKey) continue
    const path = ['similar', {_key: entryKey}]
    changes.push(scrubbedString(entry?.sourceTitle, [...path, 'sourceTitle'], NO_CONTEXT))
    const legacy = stringField(entry, 'titleKey')
    if (legacy && !legacy.startsWith('tk-'))
      changes.push({path: [...path, 'titleKey'], value: digestOfTitleKey(legacy)})
  }
  return changes.filter((change): change is Change => change !== undefined)
}

/** The context of a reply: its question's asker (full name, if still stored) and its doctor. */
async function replyContext(document: JsonObject, context: MigrationContext) {
  const found = await context.client.fetch<{asker: string | null; doctor: string | null} | null>(
    `{"asker": *[_id == $question][0].asker.displayName, "doctor": *[_id == $doctor][0].name}`,
    {
      question: stringField(document.question, '_ref') ?? '',
      doctor: stringField(document.doctor, '_ref') ?? '',
    },
  )
  return privacyContext({
    ...(found?.asker ? {askerName: found.asker} : {}),
    doctorNames: found?.doctor ? [found.doctor] : [],
  })
}

function apply(document: JsonObject, changes: Change[]): JsonObject {
  const after = structuredClone(document)
  for (const change of changes) {
    let node: unknown = after
    for (const [index, segment] of change.path.entries()) {
      const last = index === change.path.length - 1
      const container = node as Record<string | number, unknown> | unknown[]
      const key =
        typeof segment === 'object'
          ? (container as JsonObject[]).findIndex((item) => item._key === segment._key)
          : segment
      if (last) (container as Record<string | number, unknown>)[key] = change.value
      else node = (container as Record<string | number, unknown>)[key]
    }
  }
  return after
}

export default defineMigration({
  title: 'Scrub personal data: asker names to an initial, contact details masked, in every field',
  documentTypes: ['question', 'reply', 'faqTag'],
  migrate: {
    async document(document, context) {
      const doc = document as unknown as JsonObject
      let changes: Change[] = []
      if (document._type === 'question') {
        const name = stringField(doc.asker, 'displayName')
        const asker = name && looksLikeFullName(name) ? {askerName: name} : {}
        changes = questionChanges(doc, privacyContext(asker))
      } else if (document._type === 'reply') {
        const scrubbed = scrubbedBlocks(doc.body, ['body'], await replyContext(doc, context))
        changes = scrubbed ? [scrubbed] : []
      } else {
        const name = scrubbedString(doc.name, ['name'], NO_CONTEXT)
        changes = name ? [name] : []
      }
      if (changes.length === 0) return []
      const patches: NodePatch[] = changes.map((change) => at(change.path, set(change.value)))
      const contentHash = contentHashAfterChange(doc, apply(doc, changes))
      if (contentHash) patches.push(at(['source', 'contentHash'], set(contentHash)))
      return patch(document._id, patches, {ifRevision: document._rev})
    },
  },
})
