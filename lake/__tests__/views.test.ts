import {describe, expect, it} from 'vitest'
import {Dataset, type Perspective} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {getPublishedId, isDraftId, isVersionId} from '@sanity/client/csm'
import {runQuery} from '../query.ts'

// The published and drafts perspectives are views over the raw index. Here they are checked
// against the perspectives built from first principles, after every one of a few hundred random
// writes (drafts, versions, type changes, deletions), so a stale cache or a wrong overlay fails.

function random(seed: number) {
  let state = seed
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
}

/** The perspective computed directly from the raw documents, in full-scan order. */
function expected(raw: LakeDocument[], perspective: Perspective): LakeDocument[] {
  if (perspective === 'raw') return raw
  if (perspective === 'published')
    return raw.filter((d) => !isDraftId(d._id) && !isVersionId(d._id))
  const drafts = new Set<string>(
    raw.filter((d) => isDraftId(d._id)).map((d) => getPublishedId(d._id)),
  )
  const out: LakeDocument[] = []
  for (const d of raw) {
    if (isVersionId(d._id)) continue
    if (isDraftId(d._id)) out.push({...d, _id: getPublishedId(d._id), _originalId: d._id})
    else if (!drafts.has(d._id)) out.push(d)
  }
  return out
}

const QUERIES: [string, (pick: (n: number) => number) => Record<string, unknown>][] = [
  ['*[_type == $type]._id', (pick) => ({type: ['question', 'reply'][pick(2)]})],
  ['*[references($id)]{_id, _originalId}', (pick) => ({id: `q${pick(12)}`})],
  ['*[_id == $id][0]{_id, title, _originalId}', (pick) => ({id: `q${pick(12)}`})],
  ['*[slug.current == $slug]._id', (pick) => ({slug: `s${pick(6)}`})],
  [
    '*[_type == "question"]{_id, "replies": *[_type == "reply" && references(^._id)]._id}',
    () => ({}),
  ],
  ['*[_type == "reply"]{_id, "q": question->title}', () => ({})],
]

describe('perspective views', () => {
  it('match perspectives built from the raw documents after every write', async () => {
    const pick = random(7)
    const dataset = new Dataset('views')
    let seq = 0
    for (let step = 0; step < 300; step++) {
      const n = pick(12)
      const id =
        [`q${n}`, `drafts.q${n}`, `versions.r1.q${n}`, `r${n}`, `drafts.r${n}`][pick(5)] ?? ''
      const remove = pick(5) === 0
      const isReply = getPublishedId(id).startsWith('r')
      const after: LakeDocument | null = remove
        ? null
        : isReply
          ? {_id: id, _type: 'reply', question: {_type: 'reference', _ref: `q${pick(12)}`}}
          : {
              _id: id,
              // Now and then a draft changes its document's type.
              _type: pick(10) === 0 ? 'reply' : 'question',
              title: `title ${step}`,
              slug: {current: `s${pick(6)}`},
              related: [{_key: 'a', _ref: `q${pick(12)}`}],
            }
      dataset.apply({
        seq: ++seq,
        id: `t${seq}`,
        timestamp: '2026-01-01T00:00:00Z',
        mutations: [],
        changes: [{id, before: dataset.get(id) ?? null, after}],
      })
      const raw = dataset.raw.documents()
      for (const perspective of ['published', 'drafts'] as const) {
        const view = dataset.view(perspective)
        const want = expected(raw, perspective)
        expect(view.documents()).toEqual(want)
        for (const document of want) expect(view.get(document._id)).toEqual(document)
        if (step % 10 === 0) {
          for (const [query, params] of QUERIES) {
            const values = params(pick)
            const planned = await runQuery(dataset, query, {params: values, perspective})
            const plain = await runQuery(dataset, query, {params: values, perspective, plain: true})
            expect(planned, `${perspective} ${query} ${JSON.stringify(values)}`).toEqual(plain)
          }
        }
      }
    }
  })

  it('hide drafts and versions from published lookups and overlay drafts under published ids', () => {
    const dataset = new Dataset('views')
    dataset.load([
      {_id: 'a', _type: 'question', title: 'published'},
      {_id: 'drafts.a', _type: 'question', title: 'draft'},
      {_id: 'versions.r.a', _type: 'question', title: 'version'},
      {_id: 'drafts.b', _type: 'question', title: 'new draft'},
    ])
    const published = dataset.view('published')
    const drafts = dataset.view('drafts')
    expect([...published.idsOfType('question')]).toEqual(['a'])
    expect(published.get('drafts.a')).toBeUndefined()
    expect([...drafts.idsOfType('question')]).toEqual(['a', 'b'])
    expect(drafts.get('a')).toEqual({
      _id: 'a',
      _type: 'question',
      title: 'draft',
      _originalId: 'drafts.a',
    })
    expect(drafts.idsOfType('question').has('b')).toBe(true)
    expect(drafts.idsOfType('question').has('drafts.b')).toBe(false)
  })
})

describe('referrers', () => {
  it('stay in scan order through rewrites, renumbering and deletes', () => {
    const dataset = new Dataset('referrers')
    const note = (id: string, refs: string[]): LakeDocument => ({
      _id: id,
      _type: 'note',
      refs: refs.map((ref, i) => ({_key: `k${i}`, _ref: ref})),
    })
    dataset.load(Array.from({length: 300}, (_, i) => note(`n${i}`, ['hub', `t${i % 7}`])))
    let next = 1
    const rewrite = (ids: string[], refs: (id: string) => string[] | null) =>
      dataset.apply({
        seq: next,
        id: `t${next++}`,
        timestamp: '',
        mutations: [],
        changes: ids.map((id) => {
          const targets = refs(id)
          return {id, before: dataset.get(id) ?? null, after: targets ? note(id, targets) : null}
        }),
      })
    const expectScanOrder = () => {
      for (const target of ['hub', 't0', 't3', 'hub2']) {
        const expected = dataset.raw
          .documents()
          .filter((doc) => JSON.stringify(doc).includes(`"_ref":"${target}"`))
          .map((doc) => doc._id)
        expect([...dataset.raw.idsReferencing(target)], target).toEqual(expected)
      }
    }
    rewrite(['n5', 'n299', 'n0', 'n150'], () => ['hub', 't3'])
    expectScanOrder()
    rewrite(['n7', 'n8', 'n140'], (id) => (id === 'n8' ? null : ['hub2', 't0']))
    expectScanOrder()
    dataset.raw.renumber()
    rewrite(['n1', 'n5', 'n298'], () => ['hub', 'hub2', 't0'])
    expectScanOrder()
    // Most of a long list rewritten (its dead positions dropped), one target's referrers all
    // gone, then one again.
    const all = dataset.raw.documents().map((doc) => doc._id)
    rewrite(all.slice(0, 250), (id) => (id.endsWith('3') ? null : ['hub', 't0']))
    expectScanOrder()
    rewrite(all.slice(100), () => ['hub'])
    expect(dataset.raw.idsReferencing('t3').size).toBe(0)
    expect(dataset.raw.positionsReferencing(['t3', 't0'])).toEqual(
      Int32Array.from(
        all.slice(0, 100).flatMap((id) => {
          const doc = dataset.get(id)
          return doc && JSON.stringify(doc).includes('"t0"') ? [dataset.raw.positionOf(id)] : []
        }),
      ),
    )
    rewrite(['n2'], () => ['t3'])
    expectScanOrder()
    expect([...dataset.raw.idsReferencing('t3')]).toEqual(['n2'])
  })
})
