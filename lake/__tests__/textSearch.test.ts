import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'
import {STUDIO_REFERENCE_QUERY, STUDIO_SEARCH_QUERY} from '../../bench/queries.ts'
import {mulberry32} from '../../bench/random.ts'
import {searchQuestionsQuery, searchTerms} from '../../queries/search.ts'
import {similarFallbackQuery} from '../../queries/similar.ts'
import {Dataset, type Perspective} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import type {PlanStats} from '../planner.ts'
import {runQuery} from '../query.ts'
import {DatasetStorage} from '../storage.ts'
import {PREBUILT_SOURCES, TextIndex} from '../textIndex.ts'

// The text indexes may change what a search costs, never what it answers: every query here must
// return exactly what plain groq-js returns over the same documents (text::query: what reading
// every document returns), row for row and in the same order, in every perspective, also after
// writes. The text is built to trip the index up: case that folds differently in Unicode, dots
// at word edges, separators, arrays, Portable Text of odd shapes, missing fields, documents with
// a `_score` of their own, drafts whose text differs from the published document.

const WORDS = [
  'Pain',
  'pain',
  'PAINFUL',
  'pain.',
  '...pain',
  'e.g.',
  'chest-pain',
  "doctor's",
  'doctors',
  'café',
  'CAFÉ',
  '\u212Aelvin',
  'kelvin',
  'stra\u00DFe',
  'STRASSE',
  '\u017Fore',
  'sore',
  'v1.2',
  'twitch',
  'twitches',
  'Twitching',
  'calf',
  'CALF',
  'a',
  'an',
  'the',
  '神经',
  'Σίσυφος',
  'ΣΊΣΥΦΟΣ',
  'x*y',
  '(fever)',
  'fever!',
  '12',
  '1.5',
  'naïve',
  'e\u0301',
  '😀',
]

function words(next: () => number, count: number): string {
  const picked: string[] = []
  for (let i = 0; i < count; i++) picked.push(WORDS[Math.floor(next() * WORDS.length)] ?? '')
  return picked.join(next() < 0.2 ? ', ' : ' ')
}

function block(text: unknown, type = 'block'): Record<string, unknown> {
  return {_type: type, _key: 'k', children: [{_type: 'span', _key: 's', text}]}
}

function searchDocuments(seed: number): LakeDocument[] {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  const docs: LakeDocument[] = []
  for (let t = 0; t < 6; t++) docs.push({_id: `tag${t}`, _type: 'faqTag', name: words(next, 2)})
  for (let s = 0; s < 3; s++) {
    docs.push({
      _id: `spec${s}`,
      _type: 'specialty',
      name: words(next, 2),
      description: words(next, 4),
    })
  }
  for (let d = 0; d < 4; d++) {
    docs.push({_id: `doc${d}`, _type: 'doctor', name: words(next, 2), aliases: [words(next, 1), 7]})
  }
  for (let i = 0; i < 260; i++) {
    const shape = int(20)
    const title =
      shape === 0 ? [words(next, 2), words(next, 1), 3] : shape === 1 ? 42 : words(next, 1 + int(4))
    const body =
      shape === 2
        ? words(next, 5)
        : shape === 3
          ? block(words(next, 3))
          : shape === 4
            ? [[block(words(next, 3))], {_type: 'image'}, block(7)]
            : Array.from({length: 1 + int(3)}, () => block(words(next, 2 + int(6))))
    const day = `2020-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`
    docs.push({
      _id: `q${i}`,
      _type: 'question',
      ...(shape === 5 ? {} : {title}),
      ...(shape === 6 ? {} : {body}),
      ...(int(10) === 0 ? {} : {askedAt: int(30) === 0 ? 20200101 : day}),
      status: int(8) === 0 ? 'archived' : 'reviewed',
      specialty: {_type: 'reference', _ref: `spec${int(3)}`},
      ...(int(4) === 0
        ? {}
        : {
            tags: Array.from({length: 1 + int(3)}, () => ({
              _type: 'reference',
              _ref: `tag${int(6)}`,
              _key: 'k',
            })),
          }),
      ...(int(40) === 0 ? {_score: int(2) === 0 ? 2.5 : 'high'} : {}),
    })
    if (int(2) === 0) {
      docs.push({
        _id: `r${i}`,
        _type: 'reply',
        question: {_type: 'reference', _ref: `q${i}`},
        doctor: {_type: 'reference', _ref: `doc${int(4)}`},
        body: [block(words(next, 4))],
      })
    }
  }
  // Drafts with text of their own (the drafts perspective shows them under the published id).
  for (const doc of docs.filter((doc) => doc._type === 'question').slice(0, 40)) {
    if (int(3) === 0) docs.push({...doc, _id: `drafts.${doc._id}`, title: words(next, 3)})
  }
  docs.push({_id: 'drafts.new', _type: 'question', title: 'calf pain draft', status: 'reviewed'})
  docs.push({_id: 'versions.r1.q3', _type: 'question', title: 'calf version'})
  return docs
}

const PERSPECTIVES: Perspective[] = ['raw', 'published', 'drafts']

/** Planned and plain answers of one query, and the planner's statistics. */
async function expectAsPlain(
  dataset: Dataset,
  query: string,
  params: Record<string, unknown>,
  step = '',
) {
  for (const perspective of PERSPECTIVES) {
    const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
    const planned = await runQuery(dataset, query, {params, perspective, stats})
    const plain = await runQuery(dataset, query, {params, perspective, plain: true})
    expect(
      JSON.stringify(planned),
      `${step} ${perspective} ${query} ${JSON.stringify(params)}`,
    ).toBe(JSON.stringify(plain))
    expect(stats.scoreMismatches ?? 0).toBe(0)
  }
}

const SITE_SEARCHES = [
  'pain',
  'calf twitch',
  'Pain doctors',
  'café',
  'kelvin sore',
  'a',
  'e.g.',
  '神经',
  'σίσυφος',
  'STRASSE',
  '1.5',
  'zzz',
]

const SCORED_QUERIES: [string, Record<string, unknown>][] = [
  [
    '*[_type == "question" && [title, pt::text(body)] match $t] | score(boost(title match $t, 3), pt::text(body) match $t) | order(_score desc, askedAt desc, _id desc)[0...5]{_id, _score}',
    {t: ['pain*']},
  ],
  [
    '*[_type == "question" && [title, pt::text(body)] match $t] | score(boost(title match $t, 3), pt::text(body) match $t) | order(_score desc)[0...7]{_id, _score}',
    {t: ['pain*', 'calf*']},
  ],
  [
    '*[title match $t] | score(title match $t) | order(_score asc)[0...5]{_id, _score}',
    {t: 'pain*'},
  ],
  [
    '*[_type in ["question", "reply"]] | score(pt::text(body) match $t || title match $t, boost(title match $t, -3), boost(title match $t, "x")) [_score > 0] | order(_score desc, _id)[0...6]{_id, _score}',
    {t: 'twitch*'},
  ],
  [
    '*[_type == "question"] | score(title match $t && !(pt::text(body) match "sore"), (title match "calf" || _id in ["q3", "q9"]), true) [_score > 0] {_id, "o": [_score, askedAt]} | order(o[0] desc, o[1] desc)[0...8]',
    {t: 'pain'},
  ],
  [
    '*[_type == "question"] | score(title match $t, references($tags)) [_score > 0] {_id, "orderings": [_score]} | order(orderings[0] desc) [0...10]',
    {t: 'calf', tags: ['tag1', 'tag2']},
  ],
  [
    '*[_type == "question"] | score(title match $t) [_score > 0] {_id, "k": _score} | order(missing desc, k desc)[0...5]',
    {t: 'pain*'},
  ],
  [
    '*[_type == "question" && title match $t] | score(title match $t, pt::text(body) match "p*n") | order(_score desc)[0...5]{_id, _score}',
    {t: 'pain'},
  ],
  [
    '*[_type == "question"] | score([title, pt::text(body)] match $t) | order(_score desc, _id)[2...9]._id',
    {t: ['kelvin', 'sore*']},
  ],
  [
    '*[_type == "question"] | score(title match $t) | order(_score desc)[0...5]{_id, _score}',
    {t: null},
  ],
  [
    '*[_type == "question" && (title match "pain*" || pt::text(body) match "calf")] | order(count(tags[_ref in $tags]) desc, askedAt desc)[0...6]._id',
    {tags: ['tag1', 'tag3']},
  ],
]

const TEXT_QUERIES = [
  'calf',
  'calf*',
  'pain twi*',
  'PAIN -calf',
  '"calf pain"',
  'kelvin*',
  'q1*',
  'tag*',
  '*',
  '',
  '-pain',
  'neu*',
  'σί*',
  'draft*',
]

describe('text-indexed search', () => {
  for (const seed of [1, 2]) {
    const dataset = new Dataset(`search-${seed}`)
    dataset.load(searchDocuments(seed))

    it(`answers the site search as plain groq-js does (seed ${seed})`, async () => {
      for (const text of SITE_SEARCHES) {
        for (const limit of [3, 10]) {
          await expectAsPlain(dataset, searchQuestionsQuery, {terms: searchTerms(text), limit})
        }
      }
    })

    it(`answers match filters and score() as plain groq-js does (seed ${seed})`, async () => {
      for (const [query, params] of SCORED_QUERIES) await expectAsPlain(dataset, query, params)
      for (const t of [
        'pain',
        'Pain*',
        'café',
        'CAFÉ*',
        'kelvin',
        'e.g',
        'v1.2',
        '12',
        'x*y',
        '*',
        ['pain', 'fever'],
        ['pain', 3],
        null,
        7,
        '',
      ]) {
        for (const query of [
          '*[title match $t]._id',
          '*[[title, name] match $t]._id',
          '*[pt::text(body) match $t]._id',
          '*[[title, pt::text(body)] match $t && !(title match "sore")]._id',
          '*[title match $t || pt::text(body) match "calf*"]._id',
          '*[aliases match $t]._id',
          '*[_type == "question" && title match $t][0...3]._id',
        ]) {
          await expectAsPlain(dataset, query, {t})
        }
      }
    })

    it(`answers Studio's search as reading every document does (seed ${seed})`, async () => {
      for (const text of TEXT_QUERIES) {
        const query = text.endsWith('*') || text === '' ? text : `${text}*`
        const refIds = (await runQuery(dataset, STUDIO_REFERENCE_QUERY, {
          params: {__query: query},
          perspective: 'drafts',
        })) as string[]
        await expectAsPlain(dataset, STUDIO_REFERENCE_QUERY, {__query: query})
        await expectAsPlain(dataset, STUDIO_SEARCH_QUERY, {
          __types: ['question', 'reply', 'doctor', 'specialty', 'faqTag'],
          __limit: 11,
          __query: query,
          __rawQuery: text,
          __refIds: refIds,
        })
      }
    })

    it(`answers the live similar fallback as plain groq-js does (seed ${seed})`, async () => {
      for (const question of dataset.raw
        .documents()
        .filter((doc) => doc._type === 'question')
        .slice(0, 30)) {
        const tags = Array.isArray(question.tags)
          ? question.tags.map((tag: {_ref: string}) => tag._ref)
          : []
        const specialty = (question.specialty as {_ref: string})._ref
        await expectAsPlain(dataset, similarFallbackQuery, {
          id: question._id,
          refs: [specialty, ...tags],
          tags,
          specialty,
          exclude: ['q5', 'q6'],
          limit: 4,
        })
      }
    })
  }

  it('ranks the site search, Studio search and similar fallback from the indexes', async () => {
    const dataset = new Dataset('search-stats')
    dataset.load(searchDocuments(3))
    const statsOf = async (
      query: string,
      params: Record<string, unknown>,
      perspective: Perspective,
    ) => {
      const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
      await runQuery(dataset, query, {params, perspective, stats})
      return stats
    }
    expect(
      await statsOf(searchQuestionsQuery, {terms: searchTerms('a'), limit: 10}, 'published'),
    ).toMatchObject({scans: 0, ranked: 1})
    expect(
      await statsOf(
        STUDIO_SEARCH_QUERY,
        {
          __types: ['question', 'reply', 'doctor', 'specialty', 'faqTag'],
          __limit: 11,
          __query: 'pain*',
          __rawQuery: 'pain',
          __refIds: ['q1'],
        },
        'drafts',
      ),
    ).toMatchObject({scans: 0, ranked: 1})
    expect(
      await statsOf(
        similarFallbackQuery,
        {
          id: 'q1',
          refs: ['spec0', 'spec1', 'tag1'],
          tags: ['tag1'],
          specialty: 'spec0',
          exclude: [],
          limit: 4,
        },
        'published',
      ),
    ).toMatchObject({scans: 0, ranked: 1})
  })
})

describe('text indexes kept current', () => {
  const QUERIES: [string, Record<string, unknown>][] = [
    [searchQuestionsQuery, {terms: searchTerms('pain'), limit: 5}],
    [searchQuestionsQuery, {terms: searchTerms('calf tw'), limit: 5}],
    ['*[title match $t]._id', {t: 'kelvin'}],
    ['*[pt::text(body) match $t]._id', {t: 'sore*'}],
    ['*[[@, _id] match text::query($q)]._id', {q: 'pain calf*'}],
    ['*[[@, _id] match text::query($q)]._id', {q: 'fresh*'}],
    [
      similarFallbackQuery,
      {
        id: 'q2',
        refs: ['spec1', 'tag1', 'tag2'],
        tags: ['tag1', 'tag2'],
        specialty: 'spec1',
        exclude: [],
        limit: 4,
      },
    ],
    [
      '*[_type == "question"] | order(select(status == "archived" => 1, 0) desc, askedAt desc)[0...5]._id',
      {},
    ],
  ]
  const expectIndexesCurrent = async (dataset: Dataset, step: string) => {
    for (const [query, params] of QUERIES) await expectAsPlain(dataset, query, params, step)
  }

  function write(
    dataset: Dataset,
    seq: number,
    changes: {id: string; after: LakeDocument | null}[],
  ) {
    dataset.apply({
      seq,
      id: `t${seq}`,
      timestamp: '',
      mutations: [],
      changes: changes.map(({id, after}) => ({id, before: dataset.get(id) ?? null, after})),
    })
  }

  it('follows writes, deletes, drafts and renumbered positions', async () => {
    const dataset = new Dataset('search-writes')
    dataset.load(searchDocuments(4))
    await expectIndexesCurrent(dataset, 'step 1')
    const questions = dataset.raw.documents().filter((doc) => doc._type === 'question')
    let seq = 1
    // Text changed, documents deleted and created, a draft made and one discarded.
    write(dataset, seq++, [
      ...questions.slice(0, 30).map((doc) => ({
        id: doc._id,
        after: {
          ...doc,
          title: `fresh pain ${doc._id}`,
          body: [block('calf twitch, again')],
          askedAt: '2030-01-01',
          tags: [{_type: 'reference', _ref: 'tag1', _key: 'k'}],
        },
      })),
      ...questions.slice(30, 50).map((doc) => ({id: doc._id, after: null})),
      {id: 'q-new', after: {_id: 'q-new', _type: 'question', title: 'Fresh KELVIN pain'}},
      {id: 'drafts.q60', after: {_id: 'drafts.q60', _type: 'question', title: 'fresh draft pain'}},
      {id: 'drafts.q1', after: null},
    ])
    await expectIndexesCurrent(dataset, 'step 2')
    // The same documents rewritten again and again leave most postings of their lists dead.
    for (let round = 0; round < 5; round++) {
      write(
        dataset,
        seq++,
        questions.slice(60, 120).map((doc) => ({
          id: doc._id,
          after: {
            ...doc,
            title: `round ${round} pain`,
            status: round % 2 ? 'archived' : 'reviewed',
          },
        })),
      )
    }
    await expectIndexesCurrent(dataset, 'step 3')
    dataset.raw.renumber()
    await expectIndexesCurrent(dataset, 'step 4')
    write(dataset, seq++, [
      {id: 'q-last', after: {_id: 'q-last', _type: 'question', title: 'pain'}},
    ])
    await expectIndexesCurrent(dataset, 'step 5')
  })

  it('moves rewritten documents to the same keys and postings as indexing afresh', async () => {
    // Writes that keep most fields (the same objects, as a patch leaves them) read the shared
    // text once: a word in both a kept and a changed field, a field dropped or added, the title
    // rewritten under a kept body, only a field without text changed.
    const dataset = new Dataset('search-moves')
    dataset.load(searchDocuments(6))
    await dataset.raw.prepareText(PREBUILT_SOURCES)
    const questions = dataset.raw.documents().filter((doc) => doc._type === 'question')
    const isLive = (position: number) => dataset.raw.idAtPosition(position) !== undefined
    for (let round = 0; round < 6; round++) {
      write(
        dataset,
        round + 1,
        questions.map((question, i) => {
          const doc = dataset.get(question._id) ?? question
          const {body, ...rest} = doc
          const after = [
            {...doc, status: `round ${round}`},
            {...doc, note: `${String(doc.title)} fresh${round} ${round % 2 ? 'pain' : ''}`},
            {...doc, title: `${words(mulberry32(round * 1000 + i), 3)} pain`},
            round % 2 ? rest : {...rest, body: body ?? [block(`calf pain ${round}`)]},
          ][i % 4] as LakeDocument
          return {id: doc._id, after}
        }),
      )
      for (const source of PREBUILT_SOURCES) {
        const fresh = new TextIndex(source, isLive)
        for (const doc of dataset.raw.documents()) fresh.add(dataset.raw.positionOf(doc._id), doc)
        const kept = dataset.raw.textIndex(source)?.size()
        const {keys, postings} = fresh.size()
        expect({keys: kept?.keys, postings: kept?.postings}, `round ${round}`).toEqual({
          keys,
          postings,
        })
      }
      await expectAsPlain(dataset, '*[[@, _id] match text::query($q)]._id', {q: 'pain fresh*'})
      await expectAsPlain(dataset, '*[title match "pain"]._id', {})
    }
  })

  it('counts shared tags that no document had when the key column was built', async () => {
    const dataset = new Dataset('search-new-tags')
    dataset.load(searchDocuments(7))
    const fallback = (tags: string[]) => ({
      id: 'q2',
      refs: ['spec1', ...tags],
      tags,
      specialty: 'spec1',
      exclude: [],
      limit: 4,
    })
    await expectAsPlain(dataset, similarFallbackQuery, fallback(['tag1', 'tag-new']))
    await dataset.raw.indexesBuilt()
    const questions = dataset.raw
      .documents()
      .filter((doc) => doc._type === 'question' && !doc._id.includes('.') && doc._id !== 'q2')
    // Every question in the specialty (more candidates than one round of the ranked slice), the
    // last six with a tag first written now, several times: each item counts, as groq-js counts.
    const tag = (ref: string, key: string) => ({_type: 'reference', _ref: ref, _key: key})
    write(
      dataset,
      1,
      questions.map((doc, i) => ({
        id: doc._id,
        after: {
          ...doc,
          status: 'reviewed',
          specialty: {_type: 'reference', _ref: 'spec1'},
          tags:
            i >= questions.length - 6
              ? Array.from({length: 4 + (i % 2)}, (_, k) => tag('tag-new', `n${k}`))
              : i % 3 === 0
                ? [tag('tag1', 't')]
                : [],
        },
      })),
    )
    await expectAsPlain(dataset, similarFallbackQuery, fallback(['tag1', 'tag-new']))
    await expectAsPlain(dataset, similarFallbackQuery, fallback(['tag-new']))
  })

  it('keeps documents written while an index is being built', async () => {
    const docs: LakeDocument[] = []
    for (let i = 0; i < 4000; i++) {
      docs.push({_id: `n${i}`, _type: 'note', title: `note ${i % 7 === 0 ? 'pain' : 'ache'} ${i}`})
    }
    const dataset = new Dataset('search-build')
    dataset.load(docs)
    const building = dataset.raw.prepareText([{kind: 'field', path: ['title']}])
    // The build has read the first documents only: change some before and some after it.
    expect(dataset.raw.textIndex({kind: 'field', path: ['title']})).toBeUndefined()
    write(dataset, 1, [
      {id: 'n7', after: {_id: 'n7', _type: 'note', title: 'ache'}},
      {id: 'n3990', after: {_id: 'n3990', _type: 'note', title: 'pain'}},
      {id: 'n14', after: null},
      {id: 'n-new', after: {_id: 'n-new', _type: 'note', title: 'pain'}},
    ])
    await building
    expect(dataset.raw.textIndex({kind: 'field', path: ['title']})).toBeDefined()
    await expectAsPlain(dataset, '*[title match "pain"]._id', {})
    await expectAsPlain(dataset, '*[title match "n*"]._id', {})

    // A build small enough to end in its first slice, before its promise settles: documents
    // written in that moment are indexed by the write, not left to a build that is over.
    const small = new Dataset('search-build-small')
    small.load(docs.slice(0, 10))
    const built = small.raw.prepareText([{kind: 'field', path: ['title']}])
    write(small, 1, [
      {id: 'n1', after: {_id: 'n1', _type: 'note', title: 'pain'}},
      {id: 'n-new', after: {_id: 'n-new', _type: 'note', title: 'pain'}},
    ])
    await built
    await expectAsPlain(small, '*[title match "pain"]._id', {})
  })
})

describe('text indexes after opening', () => {
  it("builds the searches' indexes once a snapshot is parsed, before any search", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-text-'))
    try {
      const options = {unsafeNoSync: true, parseInBackground: true}
      const writer = await DatasetStorage.open(dir, 'test', 'test', options)
      const docs = searchDocuments(5)
      await writer.commit(async () => ({
        transaction: {
          id: 't1',
          timestamp: '',
          mutations: [],
          changes: docs.map((after) => ({id: after._id, before: null, after})),
        },
        result: null,
      }))
      await writer.close()
      const reader = await DatasetStorage.open(dir, 'test', 'test', options)
      const {raw} = reader.dataset
      for (let tries = 0; raw.unparsedCount > 0 && tries < 500; tries++) await sleep(10)
      await raw.indexesBuilt()
      for (const source of PREBUILT_SOURCES) expect(raw.textIndex(source)).toBeDefined()
      await expectAsPlain(reader.dataset, searchQuestionsQuery, {
        terms: searchTerms('calf'),
        limit: 5,
      })
      await reader.close({compact: false})
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
