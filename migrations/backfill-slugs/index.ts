import {at, defineMigration, patch, set} from 'sanity/migrate'
import {getDraftId, getPublishedId} from '@sanity/client/csm'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {slugInUseQuery} from '../../schemas/validation/queries.ts'
import {stringField} from '../../schemas/values.ts'
import type {BackfillSlugOfQueryResult, SlugInUseQueryResult} from '../../sanity.types.ts'
import {defineQuery} from 'groq'
import {stableHash} from '../../domain/hash.ts'
import {slugify} from '../../domain/names.ts'

// Questions, doctors, specialties and FAQ tags need a slug for their pages; documents written
// before slugs were required (or with the field cleared) get one. The slug comes from the title
// (questions) or the name, like the Studio's "Generate" button; the other version of the same
// document (draft or published) lends its slug when it has one, so a draft and its published
// document keep one address. A slug already used by another document of the type, or given to one
// earlier in this run, gets a suffix from the document's id, so every run picks the same slug for
// the same document, and an interrupted run finishes the same way. Documents with a slug are left
// alone (the filter), so a second run changes nothing.

export const backfillSlugOfQuery = defineQuery(
  `*[_id in $ids && _id != $self && defined(slug.current) && slug.current != ""][0].slug.current`,
)

/** Longest base slug per type: the schema's maxLength less room for a "-xxxxxx" suffix. */
const BASE_LENGTH: Record<string, number> = {question: 80, doctor: 80, specialty: 56, faqTag: 80}

export default defineMigration({
  title: 'Give questions, doctors, specialties and FAQ tags without a slug a unique one',
  documentTypes: ['question', 'doctor', 'specialty', 'faqTag'],
  filter: '!defined(slug.current) || slug.current == ""',
  async *migrate(documents, context) {
    const client = context.client.withConfig({apiVersion: API_VERSION, perspective: 'raw'})
    /** Slugs given in this run: `<type> <slug>` → the published id they went to. */
    const given = new Map<string, string>()

    async function taken(type: string, slug: string, id: string): Promise<boolean> {
      const owner = given.get(`${type} ${slug}`)
      if (owner !== undefined) return owner !== id
      const inUse: SlugInUseQueryResult = await client.fetch(slugInUseQuery, {
        type,
        slug,
        draftId: getDraftId(id),
        publishedId: id,
      })
      return inUse
    }

    for await (const document of documents()) {
      const id = getPublishedId(document._id)
      const type = document._type
      const source = stringField(document, type === 'question' ? 'title' : 'name') ?? ''
      const base = slugify(source, BASE_LENGTH[type] ?? 80) || type.toLowerCase()
      const lent: BackfillSlugOfQueryResult = await client.fetch(backfillSlugOfQuery, {
        ids: [id, getDraftId(id)],
        self: document._id,
      })
      const candidates = [lent, base, `${base}-${stableHash(id, 6)}`]
      let slug: string | undefined
      for (const candidate of candidates) {
        if (candidate && !(await taken(type, candidate, id))) {
          slug = candidate
          break
        }
      }
      for (let n = 2; slug === undefined; n++) {
        const candidate = `${base}-${stableHash(id, 6)}-${n}`
        if (!(await taken(type, candidate, id))) slug = candidate
      }
      given.set(`${type} ${slug}`, id)
      yield patch(document._id, at(['slug'], set({_type: 'slug', current: slug})), {
        ifRevision: document._rev,
      })
    }
  },
})
