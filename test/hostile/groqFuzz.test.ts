import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {listen, mutate, query, stillServing} from './support.ts'

// Every GROQ function groq-js knows (and some it does not), called with awkward arguments through
// the query endpoint and as listener filters, anonymously and with a token. Whatever the answer,
// it is a 200, a 4xx or a 504 (never a 500), and the lake keeps serving; under vitest an
// unhandled rejection anywhere fails the run, so a request that would crash the server fails here.

const FUNCTIONS = [
  'after',
  'anywhere',
  'before',
  'boost',
  'coalesce',
  'count',
  'dateTime',
  'defined',
  'identity',
  'length',
  'lower',
  'now',
  'operation',
  'path',
  'references',
  'round',
  'select',
  'string',
  'upper',
  'array::compact',
  'array::intersects',
  'array::join',
  'array::unique',
  'dateTime::now',
  'delta::changedAny',
  'delta::changedOnly',
  'delta::operation',
  'diff::changedAny',
  'diff::changedOnly',
  'documents::get',
  'documents::incomingRefCount',
  'documents::incomingGlobalDocumentReferenceCount',
  'geo::contains',
  'geo::distance',
  'geo::intersects',
  'geo::latLng',
  'global::anywhere',
  'global::count',
  'math::avg',
  'math::max',
  'math::min',
  'math::sum',
  'media::aspect',
  'pt::text',
  'releases::all',
  'sanity::dataset',
  'sanity::partOfRelease',
  'sanity::projectId',
  'sanity::versionOf',
  'string::lower',
  'string::split',
  'string::startsWith',
  'string::upper',
  'text::query',
  'text::semanticSimilarity',
  'user::attributes',
  'nosuch::thing',
  'nosuchfunction',
]

const PIPES = ['order(_id)', 'score(title match "a")', 'order()', 'score()', 'nosuchpipe()']

const HUGE = JSON.stringify('w '.repeat(100_000))

/** Argument lists: none, one to three of values, paths, scans and oversized or odd literals. */
const ARGUMENTS = [
  '',
  '@',
  '*',
  'title',
  'null',
  '"2020-01-01T00:00:00Z"',
  '-1e308',
  '[1, "a", null, {"b": 2}]',
  '{"_ref": "x"}',
  '"a.b.**"',
  HUGE,
  '@, @',
  '*, "x"',
  'title, 1, 2',
  '$p',
]

const PARAMS = {p: {_ref: 'doc-1'}}

/** An answer the lake may give: the result, a client error (too long for a URL…) or a timeout. */
const acceptable = (status: number) =>
  status === 200 || (status >= 400 && status < 500) || status === 504

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake(undefined, {queryTimeoutMs: 2000})
  const docs = Array.from({length: 30}, (_, index) => ({
    create: {
      _id: `doc-${index}`,
      _type: 'question',
      title: `Title ${index} ${'a'.repeat(index * 10)}`,
      body: [{_type: 'block', _key: 'b', children: [{_type: 'span', _key: 's', text: 'Body'}]}],
      ref: {_ref: `doc-${(index + 1) % 30}`},
    },
  }))
  expect((await mutate(lake, docs)).status).toBe(200)
})

afterAll(() => lake.close())

function calls(): string[] {
  const list: string[] = []
  for (const name of FUNCTIONS) for (const args of ARGUMENTS) list.push(`${name}(${args})`)
  return list
}

describe('GROQ functions with hostile arguments', () => {
  it('answer every query with a 200, a 4xx or a 504', async () => {
    const unexpected: string[] = []
    for (const call of calls()) {
      for (const groq of [`*[${call} != null][0..2]._id`, `*[0..3]{"v": ${call}}`, `${call}`]) {
        for (const token of [false, true]) {
          const answer = await query(lake, groq, {token, params: PARAMS})
          if (!acceptable(answer.status))
            unexpected.push(`${answer.status} ${groq.slice(0, 80)}: ${answer.text.slice(0, 200)}`)
        }
      }
    }
    for (const pipe of PIPES) {
      const answer = await query(lake, `*[_type == "question"] | ${pipe}`)
      if (!acceptable(answer.status)) unexpected.push(`${answer.status} ${pipe}`)
    }
    expect(unexpected).toEqual([])
    expect(await stillServing(lake)).toBe(true)
  })

  it('answer every listener filter with a 200 or a 4xx, and survive the writes that follow', async () => {
    const unexpected: string[] = []
    const open = []
    for (const call of calls()) {
      const stream = await listen(lake, `*[${call} != null]`, {
        search: `&$p=${encodeURIComponent(JSON.stringify(PARAMS.p))}`,
      })
      if (stream.status === 504 || !acceptable(stream.status))
        unexpected.push(`${stream.status} ${call.slice(0, 80)}`)
      if (stream.status === 200) open.push(stream)
      else stream.close()
    }
    // Each open filter now matches the documents of a few transactions.
    for (let round = 0; round < 3; round++) {
      const answer = await mutate(lake, [
        {createOrReplace: {_id: 'doc-1', _type: 'question', title: `Round ${round}`}},
        {createOrReplace: {_id: 'drafts.doc-2', _type: 'question', title: 'Draft'}},
      ])
      expect(answer.status).toBe(200)
    }
    expect(await stillServing(lake)).toBe(true)
    for (const stream of open) stream.close()
    expect(unexpected).toEqual([])
  })
})
