import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {QuestionDocument, ReplyDocument} from '../../importer/mapping.ts'
import scrubAskerPii from '../../migrations/scrub-asker-pii/index.ts'
import type {Doctor} from '../../sanity.types.ts'
import {neurologist, paragraphs} from '../fixtures/documents.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {collect, migrate, read, readOne, seed} from '../support/migrations.ts'
import {importedQuestionContent} from '../../domain/contentHash.ts'
import {stableHash} from '../../domain/hash.ts'

/** A question as an importer before the privacy rule wrote it: full name, contact details. */
function importedBeforePrivacy(): QuestionDocument {
  const question: QuestionDocument = {
    _id: 'question-imported-early',
    _type: 'question',
    title: 'Tingling hands at night',
    slug: {_type: 'slug', current: 'tingling-hands-at-night'},
    body: paragraphs(
      'My hands tingle at night. Write to chen.meiling@example.com',
      'or call +886 912-345-678 after 6pm.',
    ),
    asker: {_type: 'asker', displayName: 'Chen Mei-ling', ageRange: '30~39', gender: 'female'},
    askedAt: '2014-05-02',
    moreInfo: paragraphs('Clinic line: (02) 2345-6789.'),
    status: 'needsReview',
  }
  return {
    ...question,
    source: {_type: 'source', contentHash: stableHash(importedQuestionContent(question))},
  }
}

/** Edited by an editor since import: the stored hash no longer matches its content. */
const editedSinceImport: QuestionDocument = {
  _id: 'question-edited',
  _type: 'question',
  title: 'Dizzy spells',
  slug: {_type: 'slug', current: 'dizzy-spells'},
  body: paragraphs('I get dizzy when I stand up.'),
  asker: {_type: 'asker', displayName: '陳美玲'},
  askedAt: '2016-01-10',
  source: {_type: 'source', contentHash: 'hash-from-an-older-version'},
}

const askerByInitial: QuestionDocument = {
  _id: 'question-clean',
  _type: 'question',
  title: 'Ringing ears',
  slug: {_type: 'slug', current: 'ringing-ears'},
  body: paragraphs('Since 2019-03-08 my ears ring.'),
  asker: {_type: 'asker', displayName: 'C.'},
  askedAt: '2019-03-08',
}

const askerBySurname: QuestionDocument = {
  _id: 'drafts.question-surname',
  _type: 'question',
  title: 'Sore neck',
  body: paragraphs('Email me at sore.neck@example.org please.'),
  asker: {_type: 'asker', displayName: 'Mr. Chen'},
}

const replyWithPhone: ReplyDocument = {
  _id: 'reply-with-phone',
  _type: 'reply',
  question: {_type: 'reference', _ref: 'question-clean'},
  doctor: {_type: 'reference', _ref: neurologist._id},
  body: paragraphs('Call our clinic on 0912 345 678 to book a hearing test.'),
  repliedAt: '2019-03-09',
}

/** Doctors publish their own contact details: not the asker's, not this migration's business. */
const doctorWithClinicPhone: Doctor = {
  ...neurologist,
  bio: paragraphs('Appointments: 02 2345 6789.'),
}

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

describe('migration scrub-asker-pii', () => {
  const client = () => lake.client({dataset: 'scrub'})

  beforeEach(async () => {
    await client().delete({query: '*[!(_id in path("_.**"))]'})
    await seed(client(), [
      importedBeforePrivacy(),
      editedSinceImport,
      askerByInitial,
      askerBySurname,
      replyWithPhone,
      doctorWithClinicPhone,
    ])
  })

  it('reduces full names to an initial and masks e-mails and phones in rich text', async () => {
    await migrate(client(), scrubAskerPii)

    const question = await readOne(client(), 'question-imported-early')
    expect(question.asker).toMatchObject({displayName: 'C.', ageRange: '30~39'})
    expect(question.body[0].children[0].text).toBe(
      'My hands tingle at night. Write to [email removed]',
    )
    expect(question.body[1].children[0].text).toBe('or call [phone removed] after 6pm.')
    expect(question.moreInfo[0].children[0].text).toBe('Clinic line: [phone removed].')
    expect((await readOne(client(), 'question-edited')).asker.displayName).toBe('陳')
    const reply = await readOne(client(), replyWithPhone._id)
    expect(reply.body[0].children[0].text).toBe(
      'Call our clinic on [phone removed] to book a hearing test.',
    )
  })

  it('scrubs drafts too, and keeps what is not a full name or contact detail', async () => {
    await migrate(client(), scrubAskerPii)

    const draft = await readOne(client(), askerBySurname._id)
    expect(draft.asker.displayName).toBe('Mr. Chen')
    expect(draft.body[0].children[0].text).toBe('Email me at [email removed] please.')
    const clean = await readOne(client(), askerByInitial._id)
    expect(clean.asker.displayName).toBe('C.')
    expect(clean.body[0].children[0].text).toBe('Since 2019-03-08 my ears ring.')
    expect((await readOne(client(), neurologist._id)).bio[0].children[0].text).toBe(
      'Appointments: 02 2345 6789.',
    )
  })

  it('keeps imported documents unedited in the importer’s eyes, and edited ones edited', async () => {
    await migrate(client(), scrubAskerPii)

    const imported = await readOne(client(), 'question-imported-early')
    expect(imported.source.contentHash).toBe(stableHash(importedQuestionContent(imported)))
    const edited = await readOne(client(), editedSinceImport._id)
    expect(edited.source.contentHash).toBe('hash-from-an-older-version')
  })

  it('patches each document once, against the revision it read', async () => {
    const steps = await collect(client(), scrubAskerPii)
    const patched = steps.flat().map((step) => (step.type === 'patch' ? step : undefined))
    expect(patched.map((step) => step?.id).sort()).toEqual([
      'drafts.question-surname',
      'question-edited',
      'question-imported-early',
      'reply-with-phone',
    ])
    const [before] = await read(client(), ['question-imported-early'])
    const early = patched.find((step) => step?.id === 'question-imported-early')
    expect(early?.options?.ifRevision).toBe(before?._rev)
  })

  it('changes nothing when run a second time', async () => {
    await migrate(client(), scrubAskerPii)
    const after = await read(client(), ['question-imported-early', 'reply-with-phone'])

    expect(await collect(client(), scrubAskerPii)).toEqual([])
    expect(await read(client(), ['question-imported-early', 'reply-with-phone'])).toEqual(after)
  })
})

describe('migration scrub-asker-pii on every field', () => {
  const client = () => lake.client({dataset: 'scrub-fields'})

  const leakyQuestion: QuestionDocument = {
    _id: 'question-leaky-title',
    _type: 'question',
    title: 'Back pain, mail ho.ming@example.com',
    titleKey: 'back pain mail ho ming example com',
    slug: {_type: 'slug', current: 'back-pain-mail-ho-ming-example-com-a1b2c3'},
    shortTitle: 'Call 0922 111 333',
    body: paragraphs('My back hurts after lifting 20 kg; BP 130/85. LINE ID: homing77'),
    asker: {_type: 'asker', displayName: 'Ho Ming', ageRange: '40~49'},
    similar: [
      {
        _key: 'sim1',
        _type: 'similarThread',
        sourceTitle: 'Neck pain, call Mr. Tan on 0933 444 555',
        titleKey: 'neck pain call mr tan on 0933 444 555',
        provenance: 'imported',
      },
    ],
  }

  const replyNamingTheAsker: ReplyDocument = {
    _id: 'reply-naming-asker',
    _type: 'reply',
    question: {_type: 'reference', _ref: 'question-leaky-title'},
    doctor: {_type: 'reference', _ref: neurologist._id},
    body: paragraphs('Dear Mr. Ho, take 500 mg paracetamol up to 3 times a day.'),
  }

  beforeEach(async () => {
    await client().delete({query: '*[!(_id in path("_.**"))]'})
    await seed(client(), [
      leakyQuestion,
      replyNamingTheAsker,
      neurologist,
      {_id: 'faqTag-leaky', _type: 'faqTag', name: 'Back pain 0922 111 333'},
    ])
  })

  it('masks titles, short titles, similar titles and tag names, and moves slugs and title keys off them', async () => {
    await migrate(client(), scrubAskerPii)
    const question = await readOne(client(), leakyQuestion._id)
    expect(question.title).toBe('Back pain, mail [email removed]')
    expect(question.slug.current).toBe('back-pain-mail-email-removed-a1b2c3')
    expect(question.titleKey).toMatch(/^tk-/)
    expect(question.shortTitle).toBe('Call [phone removed]')
    expect(question.body[0].children[0].text).toBe(
      'My back hurts after lifting 20 kg; BP 130/85. LINE ID: [contact removed]',
    )
    expect(question.asker.displayName).toBe('H.')
    expect(question.similar[0].sourceTitle).toBe('Neck pain, call Mr. T. on [phone removed]')
    expect(question.similar[0].titleKey).toMatch(/^tk-/)
    expect((await readOne(client(), 'faqTag-leaky')).name).toBe('Back pain [phone removed]')
  })

  it('reduces the asker name in replies with the question’s asker, keeping doses', async () => {
    await migrate(client(), scrubAskerPii)
    const reply = await readOne(client(), replyNamingTheAsker._id)
    expect(reply.body[0].children[0].text).toBe(
      'Dear Mr. H., take 500 mg paracetamol up to 3 times a day.',
    )
    expect(await collect(client(), scrubAskerPii)).toEqual([])
  })
})
