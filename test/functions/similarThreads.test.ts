import type {SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateLabelledSet} from '../../bench/similar/labelled.ts'
import {handler, type SimilarThreadsEvent} from '../../functions/similar-threads/index.ts'
import {importLabelledSet} from '../../similar/__tests__/support.ts'
import {computeSimilar} from '../../similar/compute.ts'
import {classifyChange} from '../../similar/freshness.ts'
import {type SimilarWatcher, watchSimilar} from '../../similar/watch.ts'
import {paragraphs} from '../fixtures/documents.ts'
import {questionChanges} from '../fixtures/questionChanges.ts'
import {blueprintFunction, deliver, eventRule, functionContext} from '../support/functions.ts'
import {startTestLake, TEST_TOKEN, type TestLake} from '../support/lake.ts'

// The Sanity Function of hosted projects, offline: its blueprint declaration (filter and
// projection, evaluated as the platform does), and its handler invoked with the events real
// changes in an embedded lake make, next to the listen-based worker on a copy of the same archive.

const similarThreads = blueprintFunction('similar-threads')

function isEvent(data: unknown): data is SimilarThreadsEvent {
  return typeof data === 'object' && data !== null && 'operation' in data
}

describe('sanity.blueprint.ts: the similar-threads function', () => {
  it('runs on published questions being created, updated or deleted', () => {
    expect(similarThreads).toMatchObject({
      type: 'sanity.function.document',
      src: 'functions/similar-threads',
      event: {on: ['create', 'update', 'delete']},
    })
    expect(similarThreads.event.includeDrafts).toBeFalsy()
    expect(similarThreads.event.includeAllVersions).toBeFalsy()
  })

  it.each(questionChanges)('$name: runs $fires, classified $kind', async (change) => {
    const data = await deliver(similarThreads, change.before, change.after)
    expect(data !== undefined).toBe(change.fires)
    // What the handler receives classifies the change as the whole documents do.
    if (isEvent(data)) expect(classifyChange(data.before, data.after)).toBe(change.kind)
    expect(classifyChange(change.before, change.after)).toBe(change.kind)
  })

  it('delivers the operation and the parts of the question recomputing reads', async () => {
    const edit = questionChanges.find((c) => c.name === 'an edited title is published')
    if (!edit) throw new Error('no title edit among the fixtures')
    const data = await deliver(similarThreads, edit.before, edit.after)
    if (!isEvent(data)) throw new Error(`not delivered: ${eventRule(similarThreads)}`)
    expect(data).toMatchObject({
      operation: 'update',
      before: {title: 'Eyelid Flutter After Late Nights: Is It Serious?'},
      after: {_type: 'question', title: 'Eyelid Flutter for a Month Now'},
    })
    expect(Object.keys(data.after ?? {}).sort()).toEqual(
      [
        '_id',
        '_type',
        'body',
        'shortTitle',
        'similar',
        'similarExcluded',
        'specialty',
        'tags',
        'title',
      ].sort(),
    )
  })
})

describe('functions/similar-threads handler', () => {
  it('refuses event data its projection did not make', async () => {
    const context = functionContext({
      apiHost: 'http://127.0.0.1:9',
      projectId: 'local',
      dataset: 'none',
      token: TEST_TOKEN,
      functionName: 'similar-threads',
    })
    await expect(handler({context, event: {data: {operation: 'update'}}})).rejects.toThrow(
      /no "before" and "after"/,
    )
  })

  const SEED = 31
  const set = generateLabelledSet({seed: SEED})
  let lake: TestLake
  /** The same archive twice: one kept fresh by the function, one by the worker. */
  let viaFunction: SanityClient
  let viaWorker: SanityClient
  let watcher: SimilarWatcher
  let ids: Map<string, string>
  const members = (concept: string) =>
    set.questions.filter((q) => q.concept === concept).map((q) => ids.get(q._id) ?? '')

  beforeAll(async () => {
    lake = await startTestLake()
    viaFunction = lake.client({dataset: 'function'})
    viaWorker = lake.client({dataset: 'worker'})
    ids = await importLabelledSet(viaFunction, set.questions, SEED)
    const same = await importLabelledSet(viaWorker, set.questions, SEED)
    expect([...same.values()]).toEqual([...ids.values()])
    await Promise.all([computeSimilar(viaFunction), computeSimilar(viaWorker)])
    watcher = watchSimilar({client: viaWorker, debounceMs: 10})
    await watcher.ready
  })

  afterAll(async () => {
    await watcher.stop()
    await lake.close()
  })

  /** Invokes the handler as the platform would for the change `commit` makes to `id`. */
  async function invoke(id: string, commit: (client: SanityClient) => Promise<unknown>) {
    const before = await viaFunction.getDocument(id)
    await commit(viaFunction)
    const after = await viaFunction.getDocument(id)
    const data = await deliver(similarThreads, before ?? null, after ?? null)
    if (!isEvent(data)) return false
    const context = functionContext({
      apiHost: lake.server.url,
      projectId: 'local',
      dataset: 'function',
      token: TEST_TOKEN,
      functionName: 'similar-threads',
    })
    await handler({context, event: {data}})
    return true
  }

  /** Makes the change in both archives: through the function in one, the worker in the other. */
  async function change(
    id: string,
    commit: (client: SanityClient) => Promise<{transactionId: string}>,
  ): Promise<boolean> {
    const ran = await invoke(id, commit)
    const {transactionId} = await commit(viaWorker)
    await watcher.settled(transactionId)
    return ran
  }

  const lists = async (client: SanityClient) =>
    client.fetch<{_id: string; similar: unknown; similarInputHash: string | null}[]>(
      `*[_type == "question"] | order(_id asc){_id, similar, similarInputHash}`,
    )

  const transaction = {returnDocuments: false} as const

  it('recomputes what a published edit, a pick and a deletion affect, as the worker does', async () => {
    const rewritten = members('sinusitis')[0] ?? ''
    const picked = members('insomnia')[0] ?? ''
    const gone = members('migraine')[0] ?? ''
    const before = await lists(viaFunction)
    expect(before).toEqual(await lists(viaWorker))

    // The first event finds a cold instance: it reads the archive (an editor's pick changes no
    // ranking input, so its index holds what the worker's does).
    const pick =
      (await viaFunction.fetch<string | null>(
        '*[_id == $id][0].similar[provenance == "computed"][0].question._ref',
        {id: picked},
      )) ?? ''
    const addPick = (client: SanityClient) =>
      client
        .patch(picked)
        .insert('before', 'similar[0]', [
          {
            _key: 'pick',
            _type: 'similarThread',
            question: {_type: 'reference', _ref: pick, _weak: true},
            provenance: 'curated',
          },
        ])
        .commit(transaction)
    expect(await change(picked, addPick)).toBe(true)

    const rewrite = (client: SanityClient) =>
      client
        .patch(rewritten)
        .set({
          title: 'My legs jerk and I cannot keep them still at night',
          body: paragraphs('An urge to move my legs keeps me awake every night.'),
        })
        .commit(transaction)
    expect(await change(rewritten, rewrite)).toBe(true)

    const remove = async (client: SanityClient) => {
      await client.delete({
        query: '*[_type == "reply" && question._ref == $id]',
        params: {id: gone},
      })
      return client.delete(gone, transaction)
    }
    expect(await change(gone, remove)).toBe(true)

    const after = await lists(viaFunction)
    expect(after).toEqual(await lists(viaWorker))
    const listsOf = (id: string) =>
      JSON.stringify(after.find((question) => question._id === id)?.similar ?? [])
    const changedLists = after.filter(
      (question) =>
        JSON.stringify(question.similar) !==
        JSON.stringify(before.find((b) => b._id === question._id)?.similar),
    )
    expect(changedLists.length).toBeGreaterThan(3)
    expect(listsOf(picked)).toContain('"_key":"pick"')
    for (const question of after) expect(JSON.stringify(question.similar)).not.toContain(gone)
  })

  it('is not run for its own writes, nor for a workflow change', async () => {
    const id = members('eczema')[0] ?? ''
    // A list the engine writes (after the archive changed under it) does not run the function.
    await viaFunction.patch(id).unset(['similarInputHash']).commit()
    const stale = await viaFunction.getDocument(id)
    await computeSimilar(viaFunction, {ids: [id]})
    const written = await viaFunction.getDocument(id)
    expect(written?._rev).not.toBe(stale?._rev)
    expect(await deliver(similarThreads, stale ?? null, written ?? null)).toBeUndefined()

    const revisions = await viaFunction.fetch<string[]>('*[_type == "question"] | order(_id)._rev')
    const reviewed = (client: SanityClient) =>
      client.patch(id).set({status: 'reviewed'}).commit(transaction)
    expect(await invoke(id, reviewed)).toBe(false)
    const now = await viaFunction.fetch<string[]>('*[_type == "question"] | order(_id)._rev')
    expect(now.filter((rev, i) => rev !== revisions[i])).toHaveLength(1) // the edit itself
  })

  it('writes nothing when the same event is delivered twice', async () => {
    const id = members('hives')[0] ?? ''
    const before = await viaFunction.getDocument(id)
    await viaFunction.patch(id).set({title: 'Itchy welts come and go on my arms'}).commit()
    const after = await viaFunction.getDocument(id)
    const data = await deliver(similarThreads, before ?? null, after ?? null)
    if (!isEvent(data)) throw new Error('the edit did not run the function')
    const context = functionContext({
      apiHost: lake.server.url,
      projectId: 'local',
      dataset: 'function',
      token: TEST_TOKEN,
      functionName: 'similar-threads',
    })
    await handler({context, event: {data}})
    const once = await viaFunction.fetch<string[]>('*[_type == "question"] | order(_id)._rev')
    await handler({context, event: {data}})
    expect(await viaFunction.fetch<string[]>('*[_type == "question"] | order(_id)._rev')).toEqual(
      once,
    )
  })
})
