import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {textToPortableText} from '../portableText.ts'
import type {ParseResult, ThreadRecord} from '../record.ts'
import {runImport} from '../run.ts'
import {clientTarget, type ImportTarget} from '../target.ts'

// The pipeline against a real embedded lake, through @sanity/client: idempotency, editor
// protection, privacy, similar-link resolution across runs, and resuming after a failed write.

let lake: TestLake

const paragraphs = (text: string) => textToPortableText(text, 'p')

beforeEach(async () => {
  lake = await startTestLake()
})

afterEach(() => lake.close())

function thread(overrides: Partial<ThreadRecord> & {title: string}): ThreadRecord {
  return {
    origin: {format: 'jsonl', file: 'archive.jsonl', line: 1},
    url: `https://qa.example.org/t/${encodeURIComponent(overrides.title)}`,
    specialty: 'Dermatology',
    question: paragraphs(`About ${overrides.title}: what should I do?`),
    asker: {name: 'Lin Meihua', age: '30~39', gender: 'female'},
    askedAt: '2022-04-01',
    replies: [
      {
        doctor: 'Dr. Hsu Wenjie',
        specialty: 'Dermatology',
        body: paragraphs('Keep the skin moisturised.'),
        repliedAt: '2022-04-03',
      },
    ],
    similar: [],
    tags: [{name: 'Eczema', specialty: 'Dermatology'}],
    ...overrides,
  }
}

async function* records(...threads: (ThreadRecord | ParseResult)[]): AsyncGenerator<ParseResult> {
  for (const item of threads) yield 'ok' in item ? item : {ok: true, record: item}
}

function importThreads(...threads: (ThreadRecord | ParseResult)[]) {
  return runImport(records(...threads), clientTarget(lake.client(), {dryRun: false}), {
    now: () => new Date('2024-06-01T00:00:00Z'),
  })
}

/**
 * The lake through the real client, with another writer that commits `write` once, right before
 * the import's first transaction (or first read of `step`): the race a running `npm start` (its
 * similar-thread updater) or an editor makes.
 */
function racedTarget(
  write: () => Promise<unknown>,
  step: 'commit' | 'questionsWithUnresolved' = 'commit',
): ImportTarget {
  const target = clientTarget(lake.client(), {dryRun: false})
  let raced = false
  const race = async () => {
    if (raced) return
    raced = true
    await write()
  }
  return {
    ...target,
    async commit(mutations) {
      if (step === 'commit') await race()
      await target.commit(mutations)
    },
    async questionsWithUnresolved() {
      const questions = await target.questionsWithUnresolved()
      if (step === 'questionsWithUnresolved') await race()
      return questions
    },
  }
}

const dryHands = thread({title: 'Dry hands in winter'})
const itchyScalp = thread({
  title: 'Itchy scalp after dyeing',
  replies: [
    {
      doctor: 'Dr. Hsu Wen-jie',
      specialty: 'Dermatology',
      body: paragraphs('Stop dyeing for a month.'),
      repliedAt: '2022-05-02',
    },
    {
      doctor: 'dr. HSU WENJIE',
      specialty: 'Dermatology',
      body: paragraphs('Also try a mild shampoo.'),
      repliedAt: '2022-05-04',
    },
  ],
  similar: [{title: 'Dry Hands in Winter!'}, {title: 'Flaky eyebrows'}],
})

describe('runImport', () => {
  it('creates linked question, reply, doctor, specialty and tag documents', async () => {
    const report = await importThreads(dryHands)
    expect(report.summary).toMatchObject({read: 1, created: 1, failed: 0})
    const client = lake.client()
    const question = await client.fetch(
      `*[_type == "question"][0]{title, "specialty": specialty->name, "tags": tags[]->name,
        "replies": *[_type == "reply" && question._ref == ^._id]{"doctor": doctor->name, repliedAt}, asker, status}`,
    )
    expect(question).toEqual({
      title: 'Dry hands in winter',
      specialty: 'Dermatology',
      tags: ['Eczema'],
      replies: [{doctor: 'Hsu Wenjie', repliedAt: '2022-04-03'}],
      asker: {_type: 'asker', displayName: 'L.', ageRange: '30~39', gender: 'female'},
      status: 'needsReview',
    })
  })

  it('reports everything unchanged and writes nothing when the same archive is imported again', async () => {
    await importThreads(dryHands, itchyScalp)
    const before = await lake.client({perspective: 'raw'}).fetch('*[]{_id, _rev} | order(_id asc)')
    const again = await importThreads(dryHands, itchyScalp)
    expect(again.summary).toMatchObject({read: 2, created: 0, updated: 0, unchanged: 2, failed: 0})
    expect(
      await lake.client({perspective: 'raw'}).fetch('*[]{_id, _rev} | order(_id asc)'),
    ).toEqual(before)
  })

  it('deduplicates doctors by normalised name and keeps spellings as aliases', async () => {
    await importThreads(dryHands, itchyScalp)
    const doctors = await lake.client().fetch('*[_type == "doctor"]{name, aliases}')
    expect(doctors).toEqual([
      {name: 'Hsu Wenjie', aliases: expect.arrayContaining(['Hsu Wen-jie', 'HSU WENJIE'])},
    ])
  })

  it('never overwrites a question an editor changed after import', async () => {
    await importThreads(dryHands)
    const client = lake.client()
    const id = await client.fetch('*[_type == "question"][0]._id')
    await client.patch(id).set({title: 'Dry, cracked hands in winter'}).commit()
    const changedSource = thread({
      title: 'Dry hands in winter',
      question: paragraphs('Updated text from the source.'),
    })
    const report = await importThreads(changedSource)
    expect(report.threads[0]).toMatchObject({outcome: 'kept', reason: 'kept: edited since import'})
    expect(await client.fetch('*[_id == $id][0].title', {id})).toBe('Dry, cracked hands in winter')
  })

  it('updates a question whose source changed when no editor touched it', async () => {
    await importThreads(dryHands)
    const changedSource = thread({
      title: 'Dry hands in winter',
      question: paragraphs('Updated text from the source.'),
    })
    const report = await importThreads(changedSource)
    expect(report.summary).toMatchObject({updated: 1, kept: 0})
    const body = await lake.client().fetch('*[_type == "question"][0].body[0].children[0].text')
    expect(body).toBe('Updated text from the source.')
  })

  it('masks contact details and reduces asker names to an initial, counting both', async () => {
    const leaky = thread({
      title: 'Rash on my arms',
      question: paragraphs('Please email me at lin.meihua@example.com or call 0912-345-678.'),
    })
    const report = await importThreads(leaky)
    expect(report.summary.privacy).toEqual({askerName: 1, email: 1, phone: 1, messenger: 0, url: 0})
    // Every mask is in the report, where an editor can check it.
    expect(report.threads[0]?.masks).toEqual([
      {
        field: 'question',
        category: 'email',
        before: 'lin.meihua@example.com',
        after: '[email removed]',
      },
      {field: 'question', category: 'phone', before: '0912-345-678', after: '[phone removed]'},
      {field: 'asker.name', category: 'askerName', before: expect.any(String), after: 'L.'},
    ])
    const stored = await lake
      .client()
      .fetch('*[_type == "question"][0]{"text": body[0].children[0].text, asker}')
    expect(stored.text).toBe('Please email me at [email removed] or call [phone removed].')
    expect(stored.asker.displayName).toBe('L.')
  })

  it('resolves similar titles now, and later when the target arrives', async () => {
    await importThreads(dryHands, itchyScalp)
    const similar = async () =>
      lake
        .client()
        .fetch(
          `*[_type == "question" && title == "Itchy scalp after dyeing"][0].similar[]{sourceTitle, "target": question->title}`,
        )
    expect(await similar()).toEqual([
      {sourceTitle: 'Dry Hands in Winter!', target: 'Dry hands in winter'},
      {sourceTitle: 'Flaky eyebrows', target: null},
    ])
    const report = await importThreads(thread({title: 'Flaky eyebrows'}))
    expect(report.summary.resolvedSimilar).toBe(1)
    expect(await similar()).toEqual([
      {sourceTitle: 'Dry Hands in Winter!', target: 'Dry hands in winter'},
      {sourceTitle: 'Flaky eyebrows', target: 'Flaky eyebrows'},
    ])
  })

  it('reports a bad record as failed and imports the rest', async () => {
    const bad: ParseResult = {
      ok: false,
      failure: {
        origin: {format: 'jsonl', file: 'archive.jsonl', line: 7},
        reason: 'missing "question"',
      },
    }
    const report = await importThreads(bad, dryHands)
    expect(report.summary).toMatchObject({read: 2, created: 1, failed: 1})
    expect(report.threads).toContainEqual({
      source: 'archive.jsonl:7',
      outcome: 'failed',
      ids: [],
      reason: 'missing "question"',
    })
  })

  it('gives specialties, tags and doctors named in any script valid ids', async () => {
    const neurology = thread({
      title: 'Headache every morning',
      specialty: '神经内科',
      replies: [
        {doctor: 'Dr. Иванов', specialty: 'Неврология', body: paragraphs('Sleep more.')},
        {doctor: 'Dr.陳怡君', specialty: '神经内科', body: paragraphs('Drink water.')},
        {doctor: '陳怡君', specialty: '神经外科', body: paragraphs('See a surgeon.')},
      ],
      tags: [{name: 'Головная боль'}, {name: '头痛', specialty: 'Неврология'}],
    })
    const report = await importThreads(neurology)
    expect(report.summary).toMatchObject({created: 1, failed: 0})
    const documents: {_id: string; _type: string; slug?: {current: string}}[] = await lake
      .client({perspective: 'raw'})
      .fetch('*[_type in ["specialty", "faqTag", "doctor"]]{_id, _type, slug}')
    // Sanity's id rule: letters, digits, "_" and "-", "." only between path segments, <= 128.
    for (const {_id, slug} of documents) {
      expect(_id).toMatch(/^[a-zA-Z0-9_-]+(?:\.[a-zA-Z0-9_-]+)*$/)
      expect(_id.length).toBeLessThanOrEqual(128)
      expect(slug?.current).toMatch(/^[^-].*[^-]$/u)
    }
    const count = (type: string) => documents.filter((document) => document._type === type).length
    expect({
      specialties: count('specialty'),
      tags: count('faqTag'),
      doctors: count('doctor'),
    }).toEqual({specialties: 3, tags: 2, doctors: 2})
  })

  it('reports threads that map to a document already imported in the run as collisions', async () => {
    const first = thread({title: 'Dry hands in winter'})
    const sameUrl = thread({
      title: 'Dry hands in winter',
      origin: {format: 'jsonl', file: 'other.jsonl', line: 3},
      question: paragraphs('A different question under the same address.'),
    })
    const untitled = {url: undefined, askedAt: '2022-04-01'}
    const byTitle = thread({title: 'Knee pain!', ...untitled})
    const sameTitleAndDate = thread({
      title: 'knee pain?',
      ...untitled,
      origin: {format: 'text', file: 'knee.txt'},
      question: paragraphs('Another asker, another knee.'),
    })
    const report = await importThreads(first, sameUrl, byTitle, sameTitleAndDate, first)
    expect(report.summary).toMatchObject({read: 5, created: 2, unchanged: 1, collisions: 2})
    expect(report.threads.filter((entry) => entry.outcome === 'collision')).toEqual([
      {
        source: sameUrl.url,
        title: 'Dry hands in winter',
        outcome: 'collision',
        ids: [expect.stringMatching(/^question-/)],
        reason: `same URL as ${first.url}, other content: not imported`,
      },
      {
        source: 'knee.txt',
        title: 'knee pain?',
        outcome: 'collision',
        ids: [expect.stringMatching(/^question-/)],
        reason: 'same title and ask date as archive.jsonl:1, other content: not imported',
      },
    ])
    const stored = await lake
      .client()
      .fetch('*[_type == "question"] | order(title asc){"text": body[0].children[0].text}')
    expect(stored).toEqual([
      {text: 'About Dry hands in winter: what should I do?'},
      {text: 'About Knee pain!: what should I do?'},
    ])
  })

  it('writes a transaction again when another writer changed its documents meanwhile', async () => {
    await importThreads(dryHands)
    const client = lake.client()
    const id: string = await client.fetch('*[_type == "question"][0]._id')
    const changedSource = thread({
      title: 'Dry hands in winter',
      question: paragraphs('Updated text from the source.'),
    })
    // What the similar-thread updater writes: computed fields only, a new revision all the same.
    const updater = () => client.patch(id).set({similarComputedAt: '2024-06-01T00:00:01Z'}).commit()
    const report = await runImport(records(changedSource), racedTarget(updater))
    expect(report.summary).toMatchObject({updated: 1, failed: 0})
    expect(
      await client.fetch('*[_id == $id][0]{similarComputedAt, "text": body[0].children[0].text}', {
        id,
      }),
    ).toEqual({similarComputedAt: '2024-06-01T00:00:01Z', text: 'Updated text from the source.'})
  })

  it("keeps an editor's change made while the import was writing", async () => {
    await importThreads(dryHands)
    const client = lake.client()
    const id: string = await client.fetch('*[_type == "question"][0]._id')
    const changedSource = thread({
      title: 'Dry hands in winter',
      question: paragraphs('Updated text from the source.'),
    })
    const editor = () => client.patch(id).set({title: 'Dry, cracked hands'}).commit()
    const report = await runImport(records(changedSource), racedTarget(editor))
    expect(report.threads[0]).toMatchObject({outcome: 'kept', reason: 'kept: edited since import'})
    expect(await client.fetch('*[_id == $id][0].title', {id})).toBe('Dry, cracked hands')
  })

  it('resolves similar links of earlier questions that another writer changed meanwhile', async () => {
    await importThreads(itchyScalp)
    const client = lake.client()
    const id: string = await client.fetch('*[_type == "question"][0]._id')
    const updater = () => client.patch(id).set({similarComputedAt: '2024-06-01T00:00:01Z'}).commit()
    const report = await runImport(
      records(thread({title: 'Flaky eyebrows'})),
      racedTarget(updater, 'questionsWithUnresolved'),
    )
    expect(report).toMatchObject({summary: {created: 1, resolvedSimilar: 1}, problems: []})
    expect(
      await client.fetch(
        '*[_id == $id][0].similar[sourceTitle == "Flaky eyebrows"][0].question._ref',
        {
          id,
        },
      ),
    ).toMatch(/^question-/)
  })

  it('reports every thread it could not write, and why, when the dataset cannot be read', async () => {
    const stranger = lake.client().withConfig({token: 'not-the-token'})
    const report = await runImport(
      records(dryHands, itchyScalp),
      clientTarget(stranger, {dryRun: false}),
    )
    expect(report.stopped?.reason).toMatch(/^could not read the dataset: /)
    expect(report.summary).toMatchObject({read: 2, created: 0, failed: 2})
    expect(report.threads.map(({source, outcome}) => ({source, outcome}))).toEqual([
      {source: dryHands.url, outcome: 'failed'},
      {source: itchyScalp.url, outcome: 'failed'},
    ])
  })

  it('writes a transaction too large for one request in halves', async () => {
    // The lake takes requests of up to 16 MiB: two 9 MB questions do not fit in one.
    const large = (title: string) =>
      thread({title, question: paragraphs(`${title}: ${'x'.repeat(9 * 1024 * 1024)}`)})
    const report = await importThreads(large('First large'), large('Second large'), dryHands)
    expect(report.summary).toMatchObject({created: 3, failed: 0})
    expect(await lake.client().fetch('count(*[_type == "question"])')).toBe(3)
  })

  it('finishes the job on a re-run after a run that stopped half-way', async () => {
    const threads = Array.from({length: 30}, (_, i) => thread({title: `Question number ${i}`}))
    const controller = new AbortController()
    let batches = 0
    const target = clientTarget(lake.client(), {dryRun: false})
    const interrupted = await runImport(
      records(...threads),
      {
        ...target,
        async commit(mutations) {
          if (++batches === 2) controller.abort()
          await target.commit(mutations)
        },
      },
      {transactionSize: 5, concurrency: 1, chunkSize: 10, signal: controller.signal},
    )
    expect(interrupted.summary.created).toBeLessThan(30)
    expect(interrupted.stopped).toEqual({reason: 'interrupted', lastRead: 'archive.jsonl:1'})
    const rerun = await importThreads(...threads)
    expect(rerun.summary.failed).toBe(0)
    expect(await lake.client().fetch('count(*[_type == "question"])')).toBe(30)
    expect(await lake.client().fetch('count(*[_type == "reply"])')).toBe(30)
  })
})
