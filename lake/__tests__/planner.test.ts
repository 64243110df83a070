import {describe, expect, it} from 'vitest'
import {Dataset, type Perspective} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {type PlanStats} from '../planner.ts'
import {runQuery} from '../query.ts'

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
    const stats: PlanStats = {indexed: 0, scans: 0}
    await runQuery(dataset, QUERIES[1]?.[0] ?? '', {
      params: {slug: 'slug-4'},
      perspective: 'published',
      stats,
    })
    expect(stats).toEqual({indexed: 2, scans: 0})
  })

  it('keeps value indexes current as documents change', async () => {
    const changing = new Dataset('changing')
    changing.load(documents())
    const bySlug = () =>
      runQuery(changing, '*[slug.current == $slug]._id', {params: {slug: 'slug-7'}})
    expect(await bySlug()).toEqual(['q7'])
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
    expect(await bySlug()).toEqual([])
    expect(await runQuery(changing, '*[slug.current == "slug-new"]._id')).toEqual(['q7'])
  })
})
