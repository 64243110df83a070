import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {
  DoctorDocument,
  FaqTagDocument,
  QuestionDocument,
  SpecialtyDocument,
} from '../../importer/mapping.ts'
import backfillSlugs from '../../migrations/backfill-slugs/index.ts'
import {paragraphs} from '../fixtures/documents.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {apply, collect, migrate, read, seed} from '../support/migrations.ts'
import {stableHash} from '../../domain/hash.ts'

const questionWithoutSlug: QuestionDocument = {
  _id: 'question-no-slug',
  _type: 'question',
  title: 'Calf Muscle Twitches: Causes & Treatment',
  body: paragraphs('My calf twitches.'),
}

/** Has the slug the doctor below would get from its name. */
const doctorWithSlug: DoctorDocument = {
  _id: 'doctor-lan-1',
  _type: 'doctor',
  name: 'Lan Shengxing',
  slug: {_type: 'slug', current: 'lan-shengxing'},
}
const doctorWithoutSlug: DoctorDocument = {
  _id: 'doctor-lan-2',
  _type: 'doctor',
  name: 'Lán Shengxing',
}

/** Two specialties of one name, neither with a slug: the first keeps the plain one. */
const firstUnslugged: SpecialtyDocument = {
  _id: 'specialty-a',
  _type: 'specialty',
  name: 'Neurology',
}
const secondUnslugged: SpecialtyDocument = {
  _id: 'specialty-b',
  _type: 'specialty',
  name: 'Neurology',
}

/** A cleared slug counts as none. */
const tagWithEmptySlug: FaqTagDocument = {
  _id: 'faqTag-twitch',
  _type: 'faqTag',
  name: 'Muscle Twitching',
  slug: {_type: 'slug', current: ''},
}

/** Published without a slug and being edited: both versions get the same slug. */
const publishedWithDraft: QuestionDocument = {
  _id: 'question-pair',
  _type: 'question',
  title: 'Dry Eyes at Work',
  body: paragraphs('My eyes are dry.'),
}
const draftOfPublished: QuestionDocument = {...publishedWithDraft, _id: 'drafts.question-pair'}

/** A draft whose published version has a slug: the draft borrows it. */
const publishedWithSlug: QuestionDocument = {
  _id: 'question-slugged',
  _type: 'question',
  title: 'Blurry Vision',
  slug: {_type: 'slug', current: 'blurry-vision-1a2b3c'},
  body: paragraphs('Blurry.'),
}
const draftWithoutSlug: QuestionDocument = {
  ...publishedWithSlug,
  _id: 'drafts.question-slugged',
  title: 'Blurry Vision at Night',
  slug: undefined,
}

/** Slugs are unique per type: a question may share a tag's slug. */
const questionLikeATag: QuestionDocument = {
  _id: 'question-twitching',
  _type: 'question',
  title: 'Muscle Twitching',
  body: paragraphs('Twitching.'),
}

const ALL = [
  questionWithoutSlug,
  doctorWithSlug,
  doctorWithoutSlug,
  firstUnslugged,
  secondUnslugged,
  tagWithEmptySlug,
  publishedWithDraft,
  draftOfPublished,
  publishedWithSlug,
  draftWithoutSlug,
  questionLikeATag,
]

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

describe('migration backfill-slugs', () => {
  const client = () => lake.client({dataset: 'slugs'})
  const slugs = async () =>
    Object.fromEntries(
      (
        await read(
          client(),
          ALL.map((document) => document._id),
        )
      ).map((document) => [document._id, document.slug?.current]),
    )

  beforeEach(async () => {
    await client().delete({query: '*[!(_id in path("_.**"))]'})
    await seed(client(), ALL)
  })

  it('gives every document without a slug a unique one from its title or name', async () => {
    await migrate(client(), backfillSlugs)

    expect(await slugs()).toEqual({
      'question-no-slug': 'calf-muscle-twitches-causes-treatment',
      'doctor-lan-1': 'lan-shengxing',
      'doctor-lan-2': `lan-shengxing-${stableHash('doctor-lan-2', 6)}`,
      'specialty-a': 'neurology',
      'specialty-b': `neurology-${stableHash('specialty-b', 6)}`,
      'faqTag-twitch': 'muscle-twitching',
      'question-pair': 'dry-eyes-at-work',
      'drafts.question-pair': 'dry-eyes-at-work',
      'question-slugged': 'blurry-vision-1a2b3c',
      'drafts.question-slugged': 'blurry-vision-1a2b3c',
      'question-twitching': 'muscle-twitching',
    })
  })

  it('runs only on documents the filter selects', async () => {
    const steps = await collect(client(), backfillSlugs)

    const patched = steps.flat().map((step) => (step.type === 'patch' ? step.id : step.type))
    expect(patched.sort()).toEqual(
      [
        'drafts.question-pair',
        'drafts.question-slugged',
        'doctor-lan-2',
        'faqTag-twitch',
        'question-no-slug',
        'question-pair',
        'question-twitching',
        'specialty-a',
        'specialty-b',
      ].sort(),
    )
  })

  it('picks the same slugs when an interrupted run is finished', async () => {
    const [first, second] = await collect(client(), backfillSlugs)
    await apply(client(), [first ?? [], second ?? []])
    await migrate(client(), backfillSlugs)
    const finished = await slugs()

    await client().delete({query: '*[!(_id in path("_.**"))]'})
    await seed(client(), ALL)
    await migrate(client(), backfillSlugs)
    expect(await slugs()).toEqual(finished)
  })

  it('changes nothing when run a second time', async () => {
    await migrate(client(), backfillSlugs)

    expect(await collect(client(), backfillSlugs)).toEqual([])
  })
})
