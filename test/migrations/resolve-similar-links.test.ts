import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {QuestionDocument} from '../../importer/mapping.ts'
import resolveSimilarLinks from '../../migrations/resolve-similar-links/index.ts'
import {paragraphs} from '../fixtures/documents.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {collect, migrate, read, readOne, seed} from '../support/migrations.ts'
import {titleKey} from '../../domain/names.ts'

type SimilarEntry = NonNullable<QuestionDocument['similar']>[number]

function question(id: string, title: string, similar: SimilarEntry[] = []): QuestionDocument {
  return {
    _id: id,
    _type: 'question',
    title,
    titleKey: titleKey(title),
    body: paragraphs(`About ${title}.`),
    similar,
  }
}

function unresolved(key: string, title: string): SimilarEntry {
  return {
    _key: key,
    _type: 'similarThread',
    sourceTitle: title,
    titleKey: titleKey(title),
    provenance: 'imported',
  }
}

function resolved(key: string, target: string): SimilarEntry {
  return {
    _key: key,
    _type: 'similarThread',
    question: {_type: 'reference', _ref: target, _weak: true},
    provenance: 'curated',
  }
}

/** Imported later than the question that lists it: its title now matches. */
const laterImport = question('question-knee', 'Knee Clicking When Climbing Stairs')
/** Written by an editor in the Studio: no stored title key, only a title. */
const editorsQuestion: QuestionDocument = {
  _id: 'question-by-editor',
  _type: 'question',
  title: 'Night Sweats: When to Worry?',
  body: paragraphs('Editor-written.'),
}
const alreadyLinked = question('question-linked', 'Calf Muscle Twitches')

const listing = question('question-listing', 'Kneecap Pain After Running', [
  unresolved('knee', 'knee clicking when climbing stairs!'),
  {
    _key: 'sweats',
    _type: 'similarThread',
    sourceTitle: 'Night sweats - when to worry',
    provenance: 'imported',
  },
  unresolved('self', 'Kneecap pain after running'),
  unresolved('missing', 'A thread that is not in the archive'),
  resolved('linked', alreadyLinked._id),
  unresolved('linked-again', 'Calf muscle twitches'),
])

const draftListing = question('drafts.question-draft', 'Stiff Knees', [
  unresolved('knee', 'Knee Clicking When Climbing Stairs'),
])

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

describe('migration resolve-similar-links', () => {
  const client = () => lake.client({dataset: 'similar'})
  const entries = async (id: string) =>
    ((await readOne(client(), id)).similar as SimilarEntry[]).map((entry) => [
      entry._key,
      entry.question?._ref ?? null,
    ])

  beforeEach(async () => {
    await client().delete({query: '*[!(_id in path("_.**"))]'})
    await seed(client(), [laterImport, editorsQuestion, alreadyLinked, listing, draftListing])
  })

  it('turns titles that match a question into weak references', async () => {
    await migrate(client(), resolveSimilarLinks)

    expect(await entries(listing._id)).toEqual([
      ['knee', laterImport._id],
      ['sweats', editorsQuestion._id],
      ['self', null],
      ['missing', null],
      ['linked', alreadyLinked._id],
      ['linked-again', null],
    ])
    const [knee] = (await readOne(client(), listing._id)).similar
    expect(knee).toMatchObject({
      sourceTitle: 'knee clicking when climbing stairs!',
      provenance: 'imported',
      question: {_type: 'reference', _ref: laterImport._id, _weak: true},
    })
  })

  it('resolves entries in drafts, pointing at published questions', async () => {
    await migrate(client(), resolveSimilarLinks)

    expect(await entries(draftListing._id)).toEqual([['knee', laterImport._id]])
  })

  it('leaves questions without unresolved entries alone', async () => {
    const before = await read(client(), [laterImport._id, editorsQuestion._id, alreadyLinked._id])
    const steps = await collect(client(), resolveSimilarLinks)

    expect(steps.flat().map((step) => (step.type === 'patch' ? step.id : step.type))).toEqual([
      draftListing._id,
      listing._id,
    ])
    await migrate(client(), resolveSimilarLinks)
    expect(await read(client(), [laterImport._id, editorsQuestion._id, alreadyLinked._id])).toEqual(
      before,
    )
  })

  it('changes nothing when run a second time', async () => {
    await migrate(client(), resolveSimilarLinks)

    expect(await collect(client(), resolveSimilarLinks)).toEqual([])
  })
})
