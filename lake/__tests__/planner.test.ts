import {describe, expect, it} from 'vitest'
import {Dataset, type Perspective} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import type {PlanStats} from '../planner.ts'
import {runQuery} from '../query.ts'
import {mulberry32} from '../../bench/random.ts'

// The planner may change the cost of a query, never its answer: every query here must return
// exactly what plain groq-js returns over the same documents, and the indexable ones must not scan.

function documents(): LakeDocument[] {
  const docs: LakeDocument[] = []
  for (let i = 0; i < 60; i++) {
    docs.push({
      _id: `q${i}`,
      _type: 'question',
      title: `Question ${i % 7}`,
      titleKey: `question ${i % 7}`,
      slug: {_type: 'slug', current: `slug-${i}`},
      rank: i % 5,
      flagged: i % 3 === 0,
      specialty: {_type: 'reference', _ref: `s${i % 4}`},
      tags: [{_type: 'reference', _ref: `t${i % 6}`, _key: 'a'}],
      ...(i % 9 === 0 ? {} : {askedAt: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`}),
    })
    if (i % 2 === 0) {
      docs.push({_id: `r${i}`, _type: 'reply', question: {_type: 'reference', _ref: `q${i}`}, n: i})
    }
  }
  for (let s = 0; s < 4; s++) docs.push({_id: `s${s}`, _type: 'specialty', name: `Specialty ${s}`})
  docs.push({
    _id: 'drafts.q1',
    _type: 'question',
    title: 'Draft of question 1',
    slug: {_type: 'slug', current: 'slug-1'},
  })
  docs.push({_id: 'odd', _type: 'question', slug: 'not-an-object', rank: '1'})
  // Another type sharing values with questions: value lookups merge both in scan order.
  for (const i of [2, 7, 11])
    docs.splice(i * 3, 0, {_id: `p${i}`, _type: 'page', rank: i % 5, slug: {current: `slug-${i}`}})
  return docs
}

const QUERIES: [string, Record<string, unknown>][] = [
  [
    '*[_type == "question"][0...8]{_id, "replies": *[_type == "reply" && references(^._id)]._id}',
    {},
  ],
  ['*[_type == "question"][0...8]{_id, "same": count(*[specialty._ref == ^.specialty._ref])}', {}],
  ['*[_type == "question"][0...8]{_id, "none": count(*[specialty._ref == ^.missing])}', {}],
  ['*[_type == "reply"]{n, "q": *[_id == ^.question._ref][0].title}', {}],
  ['*[_type == "specialty"]{name, "q": *[_type == "question" && ^._id == specialty._ref]._id}', {}],
  ['*[_id == $id][0]{title}', {id: 'q3'}],
  [
    '*[_type == "question" && slug.current == $slug][0]{title, "replies": *[_type == "reply" && references(^._id)]{n}}',
    {slug: 'slug-4'},
  ],
  [
    '*[_type == "question" && specialty._ref == $s] | order(askedAt desc)[0...5]{_id, askedAt}',
    {s: 's2'},
  ],
  ['*[references($id)]._id', {id: 'q10'}],
  ['*[_id in $ids]._id', {ids: ['q5', 'r6', 'missing', 'q1']}],
  ['*[titleKey in $keys]._id', {keys: ['question 2', 'question 5']}],
  ['*[rank == 1]._id', {}],
  ['*[rank == 2]._id', {}],
  ['*[_type == "page" && rank == 2]._id', {}],
  ['*[_type == "question" && rank == 2 && flagged == true]._id', {}],
  ['*[_type == $type && slug.current == "slug-7"]._id', {type: 'page'}],
  ['*[rank == "1"]._id', {}],
  ['*[flagged == true && _type == "question"]._id', {}],
  ['*[_type == "question" && (rank == 2 || rank == 3)]._id', {}],
  ['*[_type == "question" && !(rank == 2)]._id', {}],
  ['*[slug.current == "slug-1"]{_id, title}', {}],
  ['*[askedAt == null]._id', {}],
  ['*[_type == $type]{_id, "specialty": specialty->name}[0...10]', {type: 'question'}],
  ['count(*[_type == "reply" && question._ref in $ids])', {ids: ['q2', 'q4', 'q5']}],
  [
    '*[_type == "specialty"]{name, "questions": count(*[_type == "question" && specialty._ref == ^._id])}',
    {},
  ],
]

const PERSPECTIVES: Perspective[] = ['raw', 'published', 'drafts']

describe('planned queries', () => {
  const dataset = new Dataset('test')
  dataset.load(documents())

  for (const perspective of PERSPECTIVES) {
    it.each(QUERIES)(
      `returns what plain groq-js returns (${perspective}): %s`,
      async (query, params) => {
        const planned = await runQuery(dataset, query, {params, perspective})
        const plain = await runQuery(dataset, query, {params, perspective, plain: true})
        expect(planned).toEqual(plain)
      },
    )
  }

  it('answers indexable filters without scanning the dataset', async () => {
    const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
    await runQuery(dataset, QUERIES[1]?.[0] ?? '', {
      params: {slug: 'slug-4'},
      perspective: 'published',
      stats,
    })
    expect(stats).toEqual({indexed: 2, scans: 0, orderedPrefix: 0, firstMatches: 0})
  })

  it('keeps value indexes current as documents change', async () => {
    const changing = new Dataset('changing')
    changing.load(documents())
    const bySlug = () =>
      runQuery(changing, '*[slug.current == $slug]._id', {params: {slug: 'slug-7'}})
    expect(await bySlug()).toEqual(['q7', 'p7'])
    const moved = {
      ...(changing.get('q7') ?? {_id: 'q7', _type: 'question'}),
      slug: {_type: 'slug', current: 'slug-new'},
    }
    changing.apply({
      seq: 1,
      id: 'tx',
      timestamp: '2024-01-01T00:00:00Z',
      mutations: [],
      changes: [{id: 'q7', before: changing.get('q7') ?? null, after: moved}],
    })
    expect(await bySlug()).toEqual(['p7'])
    expect(await runQuery(changing, '*[slug.current == "slug-new"]._id')).toEqual(['q7'])
    expect(
      await runQuery(changing, '*[_type == "question" && slug.current == "slug-new"]._id'),
    ).toEqual(['q7'])
  })
})

// Ordered slices over indexed candidates filter only the candidates with the best first order key
// (lake/orderedSlice.ts). Keys here tie a lot, some are missing or of mixed types, and some
// filters reject most of the first round, so every path (retries, fallbacks) is compared.

const TITLES = [
  'alpha',
  'Alpha',
  'beta',
  'élan',
  'Zulu',
  'zulu',
  '😀 smile',
  'ｆull',
  '10',
  '9',
  '',
]

function orderedDocuments(seed: number): LakeDocument[] {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  const pad = (n: number) => String(n).padStart(2, '0')
  const docs: LakeDocument[] = []
  for (let g = 0; g < 3; g++) {
    docs.push({_id: `g${g}`, _type: 'group', name: `Group ${g}`, since: `2021-0${g + 3}-01`})
  }
  for (let i = 0; i < 600; i++) {
    const day = `2021-${pad(int(12) + 1)}-${pad(int(28) + 1)}`
    docs.push({
      _id: `item-${String(int(1000)).padStart(3, '0')}-${i}`,
      _type: 'item',
      group: `g${int(3)}`,
      day,
      at: `${day}T${pad(int(24))}:00:00Z`,
      score: int(40) - 10 + (int(4) === 0 ? 0.5 : 0),
      rank: int(5),
      title: TITLES[int(TITLES.length)] ?? '',
      nested: {at: day},
      same: 'tie',
      keep: int(10) === 0,
      ...(int(150) === 0 ? {rare: true} : {}),
      ...(int(40) === 0 ? {} : {maybe: day}),
      mixed: int(50) === 0 ? 7 : day,
    })
  }
  // Drafts reorder the keys of some published items in the drafts perspective.
  for (const doc of docs.slice(3, 40)) {
    if (int(2) === 0) docs.push({...doc, _id: `drafts.${doc._id}`, day: '2030-01-01', score: 99})
  }
  return docs
}

const ORDERED_QUERIES: [string, Record<string, unknown>][] = [
  ['*[_type == "item"] | order(day desc)[0...20]{_id, day}', {}],
  ['*[_type == "item"] | order(day asc)[0...20]._id', {}],
  [
    '*[_type == "item" && group == $g] | order(day asc, rank desc)[5...10]{_id, day, rank}',
    {g: 'g1'},
  ],
  ['*[_type == "item" && group == $g] | order(at desc, title)[0..3]._id', {g: 'g2'}],
  ['*[_type == "item"] | order(score desc, _id)[0..3]{_id, score}', {}],
  ['*[_type == "item"] | order(score asc)[0...20]._id', {}],
  ['*[_type == "item"] | order(title, rank desc)[0...20]{_id, title}', {}],
  ['*[_type == "item"] | order(nested.at desc, _id asc)[0...20]._id', {}],
  ['*[_type == "item"] | order(day desc)[0]._id', {}],
  ['*[_type == "item"] | order(day desc)[3]{_id}', {}],
  ['*[_type == "item"] | order(day desc)[0...100]._id', {}],
  ['*[_type == "item"] | order(day desc)[0...400]._id', {}],
  ['*[_type == "item"] | order(same desc, day)[0...20]._id', {}],
  // Filters rejecting most of the first round: retries, and for `rare` every round.
  ['*[_type == "item" && keep] | order(day)[0...20]._id', {}],
  ['*[_type == "item" && keep && rank > 2] | order(day desc)[0...20]{_id, rank}', {}],
  ['*[_type == "item" && defined(rare)] | order(day desc)[0...20]._id', {}],
  ['*[_type == "item" && day <= now() && score > 20] | order(day desc)[0...20]._id', {}],
  // Keys groq-js compares by type first, or not at all: no ordered prefix.
  ['*[_type == "item"] | order(maybe desc)[0...20]._id', {}],
  ['*[_type == "item"] | order(mixed)[0...20]._id', {}],
  ['*[_type == "item"] | order(missing desc, day)[0...20]._id', {}],
  ['*[_type == "item"] | order(day desc)[-5..-1]._id', {}],
  ['*[_type == "item"] | order(lower(title), day)[0...20]._id', {}],
  // Unions of candidates, subqueries in the filter and projection, per-row ordered slices.
  [
    '*[_type == "item" && group in $gs] | order(day desc)[0...20]{_id, "n": count(*[_type == "item" && group == ^.group && day == ^.day])}',
    {gs: ['g0', 'g2']},
  ],
  [
    '*[_type == "item" && count(*[_type == "group" && _id == ^.group]) > 0] | order(day desc)[0...20]._id',
    {},
  ],
  [
    '*[_type == "group"]{_id, "top": *[_type == "item" && group == ^._id] | order(day desc)[0...3]._id}',
    {},
  ],
  [
    '*[_type == "group"]{_id, "top": *[_type == "item" && day < ^.since] | order(day desc)[0...3]._id}',
    {},
  ],
  ['{"top": *[_type == "item"] | order(day desc)[0...5]._id}', {}],
  ['count(*[_type == "item"] | order(day desc)[0...30])', {}],
  // Slices without order: the filter runs until it has its rows.
  ['*[_type == "item"][0...20]{_id, day}', {}],
  ['*[_type == "item"][5...10]._id', {}],
  ['*[_type == "item"][0..3]._id', {}],
  ['*[_type == "item"][0]._id', {}],
  ['*[_type == "item"][70]._id', {}],
  ['*[_type == "item" && keep][0...20]._id', {}],
  ['*[_type == "item" && keep && rank > 2][10...30]{_id, rank}', {}],
  ['*[_type == "item" && defined(rare)][0...20]._id', {}],
  ['*[_type == "item" && group in $gs][0...40]._id', {gs: ['g2', 'g0']}],
  ['*[_type == "item" && (group == "g1" || group == "g2")][0...70]._id', {}],
  ['*[_type == "item"][0...1000]._id', {}],
  ['*[_type == "item"][-3..-1]._id', {}],
  ['{"first": *[_type == "item" && keep][0...5]._id}', {}],
]

describe('planned ordered slices', () => {
  for (const seed of [1, 2, 3]) {
    const dataset = new Dataset(`ordered-${seed}`)
    dataset.load(orderedDocuments(seed))
    for (const perspective of PERSPECTIVES) {
      it.each(ORDERED_QUERIES)(
        `returns what plain groq-js returns (seed ${seed}, ${perspective}): %s`,
        async (query, params) => {
          const planned = await runQuery(dataset, query, {params, perspective})
          const plain = await runQuery(dataset, query, {params, perspective, plain: true})
          expect(JSON.stringify(planned)).toEqual(JSON.stringify(plain))
        },
      )
    }
  }

  const dataset = new Dataset('ordered')
  dataset.load(orderedDocuments(1))
  const statsOf = async (query: string, params: Record<string, unknown> = {}) => {
    const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
    await runQuery(dataset, query, {params, perspective: 'published', stats})
    return stats
  }

  it('filters only the candidates with the best keys when the key is comparable', async () => {
    for (const query of [
      '*[_type == "item"] | order(day desc)[0...20]{_id, day}',
      '*[_type == "item" && group == $g] | order(day asc, rank desc)[5...10]._id',
      '*[_type == "item"] | order(score asc)[0..3]._id',
      '*[_type == "item"] | order(day desc)[0]._id',
      '*[_type == "item" && keep] | order(day)[0...20]._id',
    ]) {
      expect(await statsOf(query, {g: 'g1'})).toEqual({
        indexed: 1,
        scans: 0,
        orderedPrefix: 1,
        firstMatches: 0,
      })
    }
  })

  it('gives the same answers from sorted keys kept between queries, until a write', async () => {
    const kept = new Dataset('ordered-kept')
    kept.load(orderedDocuments(4))
    const check = async () => {
      for (const [query, params] of ORDERED_QUERIES) {
        for (const perspective of PERSPECTIVES) {
          const plain = JSON.stringify(
            await runQuery(kept, query, {params, perspective, plain: true}),
          )
          // Twice: the second run reads the keys the first one left.
          for (let run = 0; run < 2; run++) {
            const planned = await runQuery(kept, query, {params, perspective})
            expect(JSON.stringify(planned), `${perspective} ${query}`).toEqual(plain)
          }
        }
      }
    }
    await check()
    // Moving documents to the top of every order must show up in the next answers.
    const moved = kept.raw
      .documents()
      .filter((doc) => doc._type === 'item')
      .slice(-30)
    kept.apply({
      seq: 1,
      id: 'move',
      timestamp: '',
      mutations: [],
      changes: moved.map((doc) => ({
        id: doc._id,
        before: doc,
        after: {...doc, day: '2099-12-31', score: 1e9, keep: true},
      })),
    })
    await check()
  })

  it('filters unordered slices only until they have their rows', async () => {
    for (const query of [
      '*[_type == "item"][0...20]._id',
      '*[_type == "item" && keep][5...10]._id',
      '*[_type == "item"][3]._id',
    ]) {
      // From documents or from stubs (`stubbed`), in batches either way.
      expect(await statsOf(query)).toMatchObject({
        indexed: 1,
        scans: 0,
        orderedPrefix: 0,
        firstMatches: 1,
      })
    }
    for (const query of ['*[_type == "item"][-3..-1]._id', '*[_type == "item"][0...400]._id']) {
      expect(await statsOf(query)).toMatchObject({firstMatches: 0})
    }
  })

  it('scans all candidates for keys not comparable or slices not in the root scope', async () => {
    for (const query of [
      '*[_type == "item"] | order(maybe desc)[0...20]._id',
      '*[_type == "item"] | order(mixed)[0...20]._id',
      '*[_type == "item"] | order(lower(title))[0...20]._id',
      '*[_type == "item"] | order(day desc)[-5..-1]._id',
      '*[_type == "item" && group == "g1"] | order(day desc)[0...200]._id',
    ]) {
      expect(await statsOf(query)).toEqual({
        indexed: 1,
        scans: 0,
        orderedPrefix: 0,
        firstMatches: 0,
      })
    }
    expect(
      await statsOf('*[_type == "group"]{"top": *[_type == "item"] | order(day desc)[0...3]._id}'),
    ).toEqual({indexed: 2, scans: 0, orderedPrefix: 0, firstMatches: 0})
  })
})

describe('match through the word index', () => {
  // Text that stresses groq-js's tokenizer: case, dots at word edges and inside words, hyphens,
  // apostrophes, non-ASCII letters (including ones whose case maps to ASCII), arrays of strings.
  const WORDS = [
    'Pain',
    'pain',
    'PAIN',
    'pain.',
    '.pain',
    'pain...',
    'e.g.',
    'chest-pain',
    "doctor's",
    'doctors',
    'café',
    'cafe',
    'KELVIN',
    '\u212Aelvin',
    'stra\u00DFe',
    'strasse',
    '\u017Fore',
    'sore',
    'v1.2',
    'v12',
    'a_b',
    'x*y',
    '(fever)',
    'fever!',
    '"quoted"',
    '12',
    "'.'",
    "'x'",
  ]
  const pick = (i: number, n: number) => WORDS[(i * 7 + n * 13) % WORDS.length] ?? ''
  const docs: LakeDocument[] = []
  for (let i = 0; i < 120; i++) {
    const title = Array.from({length: (i % 5) + 1}, (_, n) => pick(i, n)).join(i % 3 ? ' ' : ', ')
    docs.push({
      _id: i % 10 === 0 ? `drafts.m${i}` : `m${i}`,
      _type: 'note',
      title: i % 11 === 0 ? [title, pick(i, 9), 7] : i % 13 === 0 ? 42 : title,
    })
  }
  const dataset = new Dataset('match')
  dataset.load(docs)
  const PATTERNS: unknown[] = [
    'pain',
    'Pain fever',
    'PAIN',
    'cafe',
    'café',
    'kelvin',
    'strasse',
    'sore',
    'sore*',
    'p*n',
    'e.g',
    'v1.2',
    'v12',
    "'.'",
    "'x'",
    "doctor's",
    'doctors pain',
    'chest',
    'fever',
    '12',
    '',
    '  ,, ',
    ['pain', 'fever'],
    ['pain', 3],
    null,
    7,
  ]

  it('returns what plain groq-js returns for every pattern and perspective', async () => {
    for (const perspective of PERSPECTIVES) {
      for (const words of PATTERNS) {
        for (const query of [
          '*[title match $words]._id',
          '*[_type == "note" && title match $words] | order(_id)[0...5]{_id, title}',
          '*[title match $words || title match "fever"]._id',
        ]) {
          const options = {params: {words}, perspective}
          const planned = await runQuery(dataset, query, options)
          const plain = await runQuery(dataset, query, {...options, plain: true})
          expect(planned, `${perspective} ${query} ${JSON.stringify(words)}`).toEqual(plain)
        }
      }
    }
  })

  it('uses the index for words and prefixes, and scans for inner wildcards and dots', async () => {
    const statsOf = async (words: unknown) => {
      const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
      await runQuery(dataset, '*[title match $words]._id', {params: {words}, stats})
      return stats
    }
    expect(await statsOf('pain fever')).toMatchObject({indexed: 1, scans: 0})
    expect(await statsOf('sore*')).toMatchObject({indexed: 1, scans: 0})
    expect(await statsOf('p*n')).toMatchObject({indexed: 0, scans: 1})
    // groq-js drops dots at word edges ("v1.2" is the word "v12"); a dot between other
    // characters stays and means "any character" in its pattern.
    expect(await statsOf('v1.2')).toMatchObject({indexed: 1, scans: 0})
    expect(await statsOf("'.'")).toMatchObject({indexed: 0, scans: 1})
  })

  it('keeps the word index current as documents change', async () => {
    const changing = new Dataset('match-changes')
    changing.load([{_id: 'a', _type: 'note', title: 'knee pain'}])
    const query = '*[title match "pain"]._id'
    expect(await runQuery(changing, query)).toEqual(['a'])
    changing.apply({
      seq: 1,
      id: 't1',
      timestamp: '',
      mutations: [],
      changes: [
        {id: 'a', before: null, after: {_id: 'a', _type: 'note', title: 'knee ache'}},
        {id: 'b', before: null, after: {_id: 'b', _type: 'note', title: 'Back PAIN.'}},
      ],
    })
    expect(await runQuery(changing, query)).toEqual(['b'])
  })
})

describe('filters over stubs and key columns, nested slices, coalesce keys', () => {
  // Values a key column keeps apart: strings, null, missing, objects (COMPOUND: the row is read
  // as its document), and a path under a field that is sometimes not an object.
  function questions(): LakeDocument[] {
    const docs: LakeDocument[] = []
    for (let i = 0; i < 48; i++) {
      const status = ['archived', 'open', null, undefined, {state: 'open'}, 'closed'][i % 6]
      const slug = [{current: `s-${i}`}, 'plain', undefined, {current: null}][i % 4]
      docs.push({
        _id: `q${i}`,
        _type: 'question',
        _rev: `rev${i}`,
        ...(status === undefined ? {} : {status}),
        ...(slug === undefined ? {} : {slug}),
        ...(i % 5 === 0 ? {} : {askedAt: `2021-02-${String((i % 27) + 1).padStart(2, '0')}`}),
        ...(i % 7 === 0 ? {answeredAt: i % 2 === 0 ? 3 : {day: 1}} : {}),
        // Longer than a key column keeps (LONG): read from the document.
        note: i % 3 === 0 ? `needle ${i} ${'hay '.repeat(80)}` : `short needle ${i % 4}`,
      })
    }
    docs.push({_id: 'drafts.q1', _type: 'question', status: 'archived', askedAt: '2030-01-01'})
    docs.push({_id: 'x1', _type: 'note', status: 'open'})
    return docs
  }
  const COUNT = 'count(*[_type == "question" && status != "archived"])'
  const PAGE =
    '{"total": count(*[_type == "question" && status != "archived"]), "rows": *[_type == "question" && status != "archived"] | order(coalesce(askedAt, "") desc, _id desc)[0...5]{_id, askedAt}}'
  const CASES: string[] = [
    COUNT,
    PAGE,
    '*[_type == "question" && defined(slug.current) && status in ["open", "closed"]]._id',
    '*[_type == "question" && (slug == "plain" || slug.current == "s-4" || !defined(slug))]{_id, _rev}',
    '*[status == "open"]._id',
    'count(*[_type == "question" && lower(status) > "b" && length(status) == 6])',
    '*[_type == "question"] | order(coalesce(answeredAt, askedAt, 0) desc, _id)[0...6]._id',
    '*[_type == "question"] | order(coalesce(missing, "z"), _id desc)[0...4]._id',
    '*[_type == "question" && note match "needle 3*"]._id',
    '*[_type == "question" && note > "needle 4"]{_id, _rev}',
    '*[_type == "question"] | order(note desc, _id)[0...6]._id',
    '*[_type == "question" && note match "needle*"][2...5]._id',
    'count(*[_type == "question" && status != "archived"][0...3])',
  ]

  for (const perspective of PERSPECTIVES) {
    it(`returns what plain groq-js returns, before and after the columns are built (${perspective})`, async () => {
      const dataset = new Dataset('stubs')
      dataset.load(questions())
      for (const round of ['building', 'built']) {
        for (const query of CASES) {
          const planned = await runQuery(dataset, query, {perspective})
          const plain = await runQuery(dataset, query, {perspective, plain: true})
          expect(planned, `${round}: ${query}`).toEqual(plain)
        }
        await dataset.raw.indexesBuilt()
      }
    })
  }

  it('filters counts on stubs once the columns are built, and narrows slices inside objects', async () => {
    const dataset = new Dataset('stubs')
    dataset.load(questions())
    const statsOf = async (query: string) => {
      const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
      await runQuery(dataset, query, {perspective: 'published', stats})
      return stats
    }
    expect(await statsOf(COUNT)).not.toHaveProperty('stubbed') // asks for the status column
    await dataset.raw.indexesBuilt()
    expect(await statsOf(COUNT)).toMatchObject({stubbed: 1, scans: 0})
    // The object's count is stubbed and its rows (a coalesce key) filtered from the best keys on.
    expect(await statsOf(PAGE)).toMatchObject({stubbed: 1, ranked: 1, scans: 0})
    // What is returned comes from stubs only: a projection of another field reads documents.
    expect(await statsOf('*[status == "open"]{_id, status}')).not.toHaveProperty('stubbed')
    // Drafts are stubbed under their published ids; `match` runs on the column's strings.
    const drafts: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
    await runQuery(dataset, COUNT, {perspective: 'drafts', stats: drafts})
    expect(drafts).toMatchObject({stubbed: 1})
    const NOTES = '*[_type == "question" && note match "needle*"]._id'
    await statsOf(NOTES)
    await dataset.raw.indexesBuilt()
    expect(await statsOf(NOTES)).toMatchObject({stubbed: 1})
    // The long notes stay in their documents, not in the column.
    const notes = dataset.raw.keyColumn(['note'], false) ?? []
    expect(notes.filter((note) => typeof note === 'string')).toHaveLength(32)
  })
})

describe('hostile field names in stubbed filters', () => {
  it('never sets a prototype: `__proto__` paths are left to groq-js', async () => {
    const dataset = new Dataset('proto')
    dataset.load([
      JSON.parse(
        '{"_id": "h1", "_type": "question", "__proto__": {"polluted": "yes"}, "status": "open"}',
      ) as LakeDocument,
      {_id: 'h2', _type: 'question', status: 'open'},
    ])
    const query = '*[_type == "question" && __proto__.polluted == "yes" && status == "open"]._id'
    for (let round = 0; round < 2; round++) {
      expect(await runQuery(dataset, query)).toEqual(await runQuery(dataset, query, {plain: true}))
      await dataset.raw.indexesBuilt()
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
