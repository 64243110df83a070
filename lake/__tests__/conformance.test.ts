import {
  ClientError,
  createClient,
  type ListenEvent,
  type MutationEvent,
  type SanityClient,
  type SanityDocument,
} from '@sanity/client'
import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'

// One conformance suite for the Content Lake HTTP API, driven only through @sanity/client. It runs
// against the embedded lake always, and against a real Sanity project when SANITY_PROJECT_ID,
// SANITY_DATASET and SANITY_API_TOKEN are set, so the embedded lake is checked against the real
// thing rather than against our own reading of the docs.

export interface ConformanceTarget {
  /** Authenticated client on the dataset under test, default (published) perspective. */
  client: SanityClient
  /** Client without a token on the same dataset. */
  anonymous: SanityClient
  /** Prefix of every document id this run creates (unique per run). */
  prefix: string
  /** Client on another, empty dataset for the export/import round trip; if absent the exported
   * documents are deleted and imported back into the same dataset. */
  importTarget?: SanityClient
  /** Whether the dataset is readable without a token (public). */
  anonymousCanRead: boolean
  cleanup: () => Promise<void>
}

type Doc = SanityDocument<Record<string, unknown>>

/** The error a request failed with; fails the test when it succeeded. */
async function failure(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ClientError) return error
    throw error
  }
  throw new Error('Expected the request to fail, but it succeeded')
}

function bodyOf(error: ClientError): Record<string, unknown> {
  const body: unknown = error.response.body
  expect(body, 'error responses carry a JSON object body').toBeTypeOf('object')
  expect(body).not.toBeNull()
  return body as Record<string, unknown>
}

function withoutSystemFields(document: Doc | Record<string, unknown>) {
  const {_rev, _updatedAt, ...rest} = document
  return rest
}

function byId<T extends {_id: string}>(documents: T[]): T[] {
  return [...documents].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
}

/** All documents (drafts included) whose id starts with `prefix`, in id order. */
function ownedDocuments(client: SanityClient, prefix: string): Promise<Doc[]> {
  return client.fetch(
    '*[string::startsWith(_id, $prefix) || string::startsWith(_id, $draft)] | order(_id asc)',
    {prefix, draft: `drafts.${prefix}`},
    {perspective: 'raw'},
  )
}

async function deleteOwned(client: SanityClient, prefix: string) {
  const ids = (await ownedDocuments(client, prefix)).map((document) => document._id)
  for (let start = 0; start < ids.length; start += 100) {
    const transaction = client.transaction()
    for (const id of ids.slice(start, start + 100)) transaction.delete(id)
    await transaction.commit({visibility: 'sync'})
  }
}

interface Listener {
  events: ListenEvent<Doc>[]
  mutations: () => MutationEvent<Doc>[]
  waitFor: (predicate: (event: MutationEvent<Doc>) => boolean) => Promise<void>
  close: () => void
}

async function listenTo(
  client: SanityClient,
  query: string,
  params: Record<string, unknown>,
): Promise<Listener> {
  const events: ListenEvent<Doc>[] = []
  let error: unknown
  const subscription = client
    .listen<Doc>(query, params, {
      includeResult: true,
      events: ['welcome', 'mutation'],
    })
    .subscribe({
      next: (event) => events.push(event),
      error: (reason: unknown) => (error = reason),
    })
  const mutations = () =>
    events.filter((event): event is MutationEvent<Doc> => event.type === 'mutation')
  const listener: Listener = {
    events,
    mutations,
    waitFor: (predicate) =>
      vi.waitFor(
        () => {
          if (error) throw error
          expect(mutations().some(predicate)).toBe(true)
        },
        {timeout: 15_000, interval: 25},
      ),
    close: () => subscription.unsubscribe(),
  }
  await vi.waitFor(
    () => {
      if (error) throw error
      expect(events.some((event) => event.type === 'welcome')).toBe(true)
    },
    {timeout: 15_000, interval: 25},
  )
  return listener
}

export function defineConformanceSuite(label: string, setup: () => Promise<ConformanceTarget>) {
  describe(label, () => {
    let target: ConformanceTarget
    let client: SanityClient
    let raw: SanityClient
    let drafts: SanityClient
    let anonymous: SanityClient
    let counter = 0

    /** Ids and a document type private to one test. */
    const scope = (name: string) => {
      const base = `${target.prefix}-${name}-${++counter}`
      return {
        type: `conformance_${base.replace(/-/g, '_')}`,
        id: (local: string) => `${base}-${local}`,
      }
    }

    beforeAll(async () => {
      target = await setup()
      client = target.client
      raw = client.withConfig({perspective: 'raw'})
      drafts = client.withConfig({perspective: 'drafts'})
      anonymous = target.anonymous
    }, 60_000)

    afterAll(async () => {
      await target?.cleanup()
    }, 120_000)

    describe('queries', () => {
      it('fetch binds $params of every JSON type', async () => {
        const {type, id} = scope('params')
        await client
          .transaction()
          .create({_id: id('a'), _type: type, n: 1, tags: ['x'], meta: {lang: 'en'}})
          .create({_id: id('b'), _type: type, n: 2, tags: ['y'], meta: {lang: 'nb'}})
          .create({_id: id('c'), _type: type, n: 3, tags: ['x', 'y'], meta: {lang: 'en'}})
          .commit({visibility: 'sync'})

        const atLeast = await client.fetch(
          '*[_type == $type && n >= $min] | order(n asc) {_id, n}',
          {type, min: 2},
        )
        expect(atLeast).toEqual([
          {_id: id('b'), n: 2},
          {_id: id('c'), n: 3},
        ])
        const inList = await client.fetch('*[_id in $ids] | order(n desc)._id', {
          ids: [id('a'), id('c'), id('missing')],
        })
        expect(inList).toEqual([id('c'), id('a')])
        const objectParams: Record<string, unknown> = {type, meta: {lang: 'en'}, tag: 'y'}
        const byObject = await client.fetch(
          '*[_type == $type && meta.lang == $meta.lang && $tag in tags] | order(n asc).n',
          objectParams,
        )
        expect(byObject).toEqual([3])
        expect(await client.fetch('count(*[_type == $type && n == $n])', {type, n: 99})).toBe(0)
        expect(await client.fetch('*[_id == $id][0]{n}', {id: id('missing')})).toBeNull()
      })

      it('slices take $params, and a non-number slice bound is a 400', async () => {
        const {type, id} = scope('slice-params')
        const transaction = client.transaction()
        for (const n of [1, 2, 3, 4]) transaction.create({_id: id(`d${n}`), _type: type, n})
        await transaction.commit({visibility: 'sync'})
        const query = '*[_type == $type] | order(n asc)[$start...$end].n'
        expect(await client.fetch(query, {type, start: 1, end: 3})).toEqual([2, 3])
        expect(await client.fetch(query, {type, start: 0, end: 1})).toEqual([1])
        await expect(client.fetch(query, {type, start: 0, end: 'x'})).rejects.toMatchObject({
          statusCode: 400,
        })
      })

      it('perspectives: raw sees drafts, published hides them, drafts overlays them', async () => {
        const {type, id} = scope('perspectives')
        const both = id('both')
        const draftOnly = id('draftonly')
        const publishedOnly = id('pubonly')
        await client
          .transaction()
          .create({_id: both, _type: type, title: 'published title'})
          .create({_id: `drafts.${both}`, _type: type, title: 'draft title'})
          .create({_id: `drafts.${draftOnly}`, _type: type, title: 'only a draft'})
          .create({_id: publishedOnly, _type: type, title: 'only published'})
          .commit({visibility: 'sync'})
        const query = '*[_type == $type] | order(_id asc)'

        const rawDocs: Doc[] = await raw.fetch(query, {type})
        expect(rawDocs.map((document) => document._id).sort()).toEqual(
          [both, publishedOnly, `drafts.${both}`, `drafts.${draftOnly}`].sort(),
        )

        const published: Doc[] = await client.fetch(query, {type}, {perspective: 'published'})
        expect(published.map((document) => [document._id, document.title])).toEqual([
          [both, 'published title'],
          [publishedOnly, 'only published'],
        ])

        const overlaid: Doc[] = await drafts.fetch(query, {type})
        expect(overlaid.map((document) => [document._id, document.title])).toEqual([
          [both, 'draft title'],
          [draftOnly, 'only a draft'],
          [publishedOnly, 'only published'],
        ])
        expect(overlaid[0]?._originalId).toBe(`drafts.${both}`)
        expect(overlaid[1]?._originalId).toBe(`drafts.${draftOnly}`)

        // A per-request perspective overrides the client's.
        const perRequest: Doc[] = await drafts.fetch(query, {type}, {perspective: 'raw'})
        expect(perRequest).toHaveLength(4)
      })

      it(`the default perspective for apiVersion ${API_VERSION} is published`, async () => {
        expect(client.config().perspective).toBeUndefined()
        const {type, id} = scope('default-perspective')
        await client
          .transaction()
          .create({_id: id('doc'), _type: type})
          .create({_id: `drafts.${id('doc')}`, _type: type})
          .create({_id: `drafts.${id('new')}`, _type: type})
          .commit({visibility: 'sync'})
        expect(await client.fetch('*[_type == $type]._id', {type})).toEqual([id('doc')])
      })
    })

    describe('documents', () => {
      it('create stores the document, stamps system fields and refuses an existing id', async () => {
        const {type, id} = scope('create')
        const created = await client.create({_id: id('doc'), _type: type, title: 'first'})
        expect(created).toMatchObject({_id: id('doc'), _type: type, title: 'first'})
        expect(created._rev).toEqual(expect.any(String))
        expect(created._createdAt).toEqual(created._updatedAt)
        expect(Number.isNaN(Date.parse(created._createdAt))).toBe(false)
        expect(await client.getDocument(id('doc'))).toEqual(created)

        const error = await failure(client.create({_id: id('doc'), _type: type, title: 'second'}))
        expect(error.statusCode).toBe(409)
        expect(JSON.stringify(bodyOf(error))).toContain(id('doc'))
        expect(await client.getDocument(id('doc'))).toEqual(created)
      })

      it('create generates an id when none is given and uses an id ending in "." as a prefix', async () => {
        const {type, id} = scope('generated')
        const anonymousId = await client.create({_type: type, title: 'no id'})
        expect(anonymousId._id).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/)
        const prefixed = await client.create({_id: `${id('gen')}.`, _type: type})
        expect(prefixed._id.startsWith(`${id('gen')}.`)).toBe(true)
        expect(prefixed._id.length).toBeGreaterThan(`${id('gen')}.`.length)
        expect(await client.getDocuments([anonymousId._id, prefixed._id])).toEqual([
          anonymousId,
          prefixed,
        ])
        await client.delete(anonymousId._id)
      })

      it('createOrReplace replaces the whole document and keeps _createdAt', async () => {
        const {type, id} = scope('replace')
        const first = await client.createOrReplace({
          _id: id('doc'),
          _type: type,
          title: 'v1',
          gone: true,
        })
        const second = await client.createOrReplace({_id: id('doc'), _type: type, title: 'v2'})
        expect(second).toMatchObject({_id: id('doc'), title: 'v2'})
        expect(second).not.toHaveProperty('gone')
        expect(second._createdAt).toBe(first._createdAt)
        expect(second._rev).not.toBe(first._rev)
        expect(await client.getDocument(id('doc'))).toEqual(second)
      })

      it('create and createOrReplace take a given _createdAt for a new document only', async () => {
        const {type, id} = scope('created-at')
        const createdAt = '2020-01-02T03:04:05Z'
        const created = await client.create({_id: id('a'), _type: type, _createdAt: createdAt})
        const replaced = await client.createOrReplace({
          _id: id('b'),
          _type: type,
          _createdAt: createdAt,
        })
        expect(Date.parse(created._createdAt)).toBe(Date.parse(createdAt))
        expect(Date.parse(replaced._createdAt)).toBe(Date.parse(createdAt))
        const again = await client.createOrReplace({
          _id: id('b'),
          _type: type,
          _createdAt: '2021-01-01T00:00:00Z',
        })
        expect(again._createdAt).toBe(replaced._createdAt)
      })

      it('createIfNotExists creates a missing document and leaves an existing one alone', async () => {
        const {type, id} = scope('if-not-exists')
        const existing = await client.create({_id: id('old'), _type: type, title: 'original'})
        await client.createIfNotExists({_id: id('old'), _type: type, title: 'ignored'})
        expect(await client.getDocument(id('old'))).toEqual(existing)
        const created = await client.createIfNotExists({_id: id('new'), _type: type, title: 'new'})
        expect(created).toMatchObject({_id: id('new'), title: 'new'})
        expect(await client.getDocument(id('new'))).toEqual(created)
      })

      it('delete removes by id and by query', async () => {
        const {type, id} = scope('delete')
        await client
          .transaction()
          .create({_id: id('a'), _type: type, n: 1})
          .create({_id: id('b'), _type: type, n: 2})
          .create({_id: id('c'), _type: type, n: 3})
          .create({_id: id('d'), _type: type, n: 4})
          .commit({visibility: 'sync'})

        const byIdResult = await client.delete(id('a'))
        expect(byIdResult.results.map((result: {id: string}) => result.id)).toEqual([id('a')])
        expect(await client.getDocument(id('a'))).toBeUndefined()

        const byQuery = await client.delete({
          query: '*[_type == $type && n >= $min]',
          params: {type, min: 3},
        })
        expect(byQuery.results.map((result: {id: string}) => result.id).sort()).toEqual([
          id('c'),
          id('d'),
        ])
        expect(await client.fetch('*[_type == $type]._id', {type})).toEqual([id('b')])

        // Deleting what is not there is not an error.
        await client.delete(id('a'))
        expect(await client.fetch('*[_type == $type]._id', {type})).toEqual([id('b')])
      })

      it('getDocuments returns documents in the requested order and null for missing ones', async () => {
        const {type, id} = scope('get-documents')
        const a = await client.create({_id: id('a'), _type: type})
        const b = await client.create({_id: id('b'), _type: type})
        const draft = await client.create({_id: `drafts.${id('a')}`, _type: type})
        expect(await client.getDocuments([id('b'), id('missing'), id('a'), draft._id])).toEqual([
          b,
          null,
          a,
          draft,
        ])
        expect(await client.getDocument(id('missing'))).toBeUndefined()
      })
    })

    describe('transactions', () => {
      it('are all or nothing: a failing second mutation leaves the first unapplied', async () => {
        const {type, id} = scope('atomic')
        const existing = await client.create({_id: id('existing'), _type: type, n: 1})

        const duplicate = await failure(
          client
            .transaction()
            .create({_id: id('fresh'), _type: type})
            .create({_id: id('existing'), _type: type})
            .commit(),
        )
        expect(duplicate.statusCode).toBe(409)

        const missingPatch = await failure(
          client
            .transaction()
            .patch(id('existing'), (patch) => patch.inc({n: 1}))
            .patch(id('missing'), (patch) => patch.set({n: 1}))
            .commit(),
        )
        expect(missingPatch.statusCode).toBeGreaterThanOrEqual(400)
        expect(missingPatch.statusCode).toBeLessThan(500)

        const staleRevision = await failure(
          client
            .transaction()
            .createOrReplace({_id: id('other'), _type: type})
            .patch(id('existing'), (patch) => patch.ifRevisionId('not-the-revision').set({n: 5}))
            .commit(),
        )
        expect(staleRevision.statusCode).toBe(409)

        expect(await client.getDocuments([id('fresh'), id('existing'), id('other')])).toEqual([
          null,
          existing,
          null,
        ])
      })

      it('apply mutations in order and report one result per mutation', async () => {
        const {type, id} = scope('ordered')
        const result = await client
          .transaction()
          .create({_id: id('doc'), _type: type, n: 1})
          .patch(id('doc'), (patch) => patch.inc({n: 10}))
          .patch(id('doc'), (patch) => patch.set({title: 'patched'}))
          .commit()
        expect(result.results.map((item) => item.id)).toEqual([id('doc'), id('doc'), id('doc')])
        expect(result.results.map((item) => item.operation)).toEqual(['create', 'update', 'update'])
        const document = await client.getDocument(id('doc'))
        expect(document).toMatchObject({n: 11, title: 'patched', _rev: result.transactionId})
      })
    })

    describe('patches', () => {
      it('set, setIfMissing, unset, inc and dec', async () => {
        const {type, id} = scope('patch-basic')
        await client.create({
          _id: id('doc'),
          _type: type,
          title: 'old',
          count: 10,
          score: 1.5,
          nested: {inner: 'keep', other: 'drop'},
          gone: 'soon',
        })
        const patched = await client
          .patch(id('doc'))
          .set({title: 'new', 'nested.inner': 'changed'})
          .setIfMissing({title: 'ignored', added: 'yes'})
          .unset(['gone', 'nested.other'])
          .inc({count: 5})
          .dec({score: 0.5})
          .commit()
        expect(withoutSystemFields(patched)).toEqual({
          _id: id('doc'),
          _type: type,
          _createdAt: patched._createdAt,
          title: 'new',
          added: 'yes',
          count: 15,
          score: 1,
          nested: {inner: 'changed'},
        })
        expect(await client.getDocument(id('doc'))).toEqual(patched)
      })

      it('insert before, after and replace on keyed array items', async () => {
        const {type, id} = scope('patch-insert')
        await client.create({
          _id: id('doc'),
          _type: type,
          items: [
            {_key: 'a', v: 'a'},
            {_key: 'b', v: 'b'},
            {_key: 'c', v: 'c'},
          ],
        })
        await client
          .patch(id('doc'))
          .insert('before', 'items[_key=="b"]', [{_key: 'x', v: 'x'}])
          .commit()
        await client
          .patch(id('doc'))
          .insert('after', 'items[_key=="c"]', [
            {_key: 'y', v: 'y'},
            {_key: 'z', v: 'z'},
          ])
          .commit()
        await client
          .patch(id('doc'))
          .insert('replace', 'items[_key=="a"]', [{_key: 'r', v: 'r'}])
          .commit()
        // An insert patch holds one position, so two inserts in one go are two patch mutations.
        await client
          .transaction()
          .patch(id('doc'), (patch) =>
            patch.insert('before', 'items[0]', [{_key: 'first', v: 'first'}]),
          )
          .patch(id('doc'), (patch) =>
            patch.insert('after', 'items[-1]', [{_key: 'last', v: 'last'}]),
          )
          .commit()
        const document = await client.getDocument(id('doc'))
        expect((document?.items as {_key: string}[] | undefined)?.map((item) => item._key)).toEqual(
          ['first', 'r', 'x', 'b', 'c', 'y', 'z', 'last'],
        )
      })

      it('diffMatchPatch edits a string', async () => {
        const {type, id} = scope('patch-dmp')
        await client.create({_id: id('doc'), _type: type, body: 'hello world'})
        const patched = await client
          .patch(id('doc'))
          .diffMatchPatch({body: '@@ -1,11 +1,11 @@\n-h\n+j\n ello world\n'})
          .commit()
        expect(patched.body).toBe('jello world')
      })

      it('ifRevisionID: a mismatch is a 409 and changes nothing, a match succeeds', async () => {
        const {type, id} = scope('if-revision')
        const created = await client.create({_id: id('doc'), _type: type, n: 1})

        const error = await failure(
          client.patch(id('doc')).ifRevisionId(`${created._rev}x`).set({n: 2}).commit(),
        )
        expect(error.statusCode).toBe(409)
        expect(await client.getDocument(id('doc'))).toEqual(created)

        const patched = await client
          .patch(id('doc'))
          .ifRevisionId(created._rev)
          .set({n: 3})
          .commit()
        expect(patched.n).toBe(3)
        expect(patched._rev).not.toBe(created._rev)

        // The old revision is now stale.
        const stale = await failure(
          client.patch(id('doc')).ifRevisionId(created._rev).set({n: 4}).commit(),
        )
        expect(stale.statusCode).toBe(409)
        expect(await client.getDocument(id('doc'))).toEqual(patched)
      })

      it('ifRevisionID: patches in one transaction are checked against the revision before it', async () => {
        const {type, id} = scope('if-revision-tx')
        const created = await client.create({_id: id('doc'), _type: type, a: 1, b: 1})
        // @sanity/mutate encodes one patch with several operations as several raw patches that
        // share the ifRevisionID; the migration runners send them in one transaction.
        await client.mutate([
          {patch: {id: id('doc'), ifRevisionID: created._rev, set: {a: 2}}},
          {patch: {id: id('doc'), ifRevisionID: created._rev, set: {b: 2}}},
        ])
        expect(await client.getDocument(id('doc'))).toMatchObject({a: 2, b: 2})
      })
    })

    describe('system fields', () => {
      it('_rev changes on every write and is the transaction id; _createdAt is stable', async () => {
        const {type, id} = scope('system')
        const transactionId = `${id('tx')}`.replace(/-/g, '')
        const committed = await client
          .transaction()
          .create({_id: id('doc'), _type: type, n: 0})
          .commit({transactionId})
        expect(committed.transactionId).toBe(transactionId)
        const first = await client.getDocument(id('doc'))
        expect(first?._rev).toBe(transactionId)

        const revisions = new Set([first?._rev])
        let previous = first as Doc
        for (let step = 1; step <= 3; step++) {
          const result = await client
            .transaction()
            .patch(id('doc'), (patch) => patch.inc({n: 1}))
            .commit()
          const current = (await client.getDocument(id('doc'))) as Doc
          expect(current._rev).toBe(result.transactionId)
          expect(current._createdAt).toBe(first?._createdAt)
          expect(Date.parse(current._updatedAt)).toBeGreaterThanOrEqual(
            Date.parse(previous._updatedAt),
          )
          expect(current.n).toBe(step)
          revisions.add(current._rev)
          previous = current
        }
        expect(revisions.size).toBe(4)
      })
    })

    describe('mutation options', () => {
      it('returnDocuments and returnIds shape the response', async () => {
        const {type, id} = scope('return')
        const documents = await client.mutate(
          [
            {create: {_id: id('a'), _type: type, n: 1}},
            {createOrReplace: {_id: id('b'), _type: type, n: 2}},
          ],
          {returnFirst: false, returnDocuments: true},
        )
        expect(documents.map((document) => [document._id, document.n])).toEqual([
          [id('a'), 1],
          [id('b'), 2],
        ])

        const ids = await client.mutate(
          [{patch: {id: id('a'), set: {n: 3}}}, {createIfNotExists: {_id: id('c'), _type: type}}],
          {returnFirst: false, returnDocuments: false},
        )
        expect(ids.transactionId).toEqual(expect.any(String))
        expect(ids.documentIds).toEqual([id('a'), id('c')])
        expect(ids.results).toEqual([
          expect.objectContaining({id: id('a'), operation: 'update'}),
          expect.objectContaining({id: id('c'), operation: 'create'}),
        ])
        expect((await client.getDocument(id('a')))?._rev).toBe(ids.transactionId)
      })

      it('dryRun reports the outcome and changes nothing', async () => {
        const {type, id} = scope('dry-run')
        const existing = await client.create({_id: id('doc'), _type: type, n: 1})

        const wouldCreate = await client.create({_id: id('new'), _type: type, n: 5}, {dryRun: true})
        expect(wouldCreate).toMatchObject({_id: id('new'), n: 5})
        const wouldPatch = await client.patch(id('doc')).inc({n: 41}).commit({dryRun: true})
        expect(wouldPatch).toMatchObject({_id: id('doc'), n: 42})
        await client.mutate([{delete: {id: id('doc')}}], {dryRun: true})

        expect(await client.getDocuments([id('new'), id('doc')])).toEqual([null, existing])
        // A failing dry run fails like the real thing.
        const error = await failure(client.create({_id: id('doc'), _type: type}, {dryRun: true}))
        expect(error.statusCode).toBe(409)
      })

      it('autoGenerateArrayKeys gives keyless array objects a unique _key', async () => {
        const {type, id} = scope('array-keys')
        const created = await client.create(
          {
            _id: id('doc'),
            _type: type,
            items: [{v: 1}, {v: 2}, {_key: 'kept', v: 3}],
            nested: {list: [{v: 4}]},
            plain: ['a', 'b'],
          },
          {autoGenerateArrayKeys: true},
        )
        const items = created.items as {_key: string; v: number}[]
        expect(items.map((item) => item.v)).toEqual([1, 2, 3])
        for (const item of items) expect(item._key).toEqual(expect.any(String))
        expect(new Set(items.map((item) => item._key)).size).toBe(3)
        expect(items[2]?._key).toBe('kept')
        expect((created.nested as unknown as {list: {_key: string}[]}).list[0]?._key).toEqual(
          expect.any(String),
        )
        expect(created.plain).toEqual(['a', 'b'])

        const appended = await client
          .patch(id('doc'))
          .append('items', [{v: 5}])
          .commit({autoGenerateArrayKeys: true})
        const after = appended.items as {_key: string; v: number}[]
        expect(after.map((item) => item.v)).toEqual([1, 2, 3, 5])
        expect(after[3]?._key).toEqual(expect.any(String))
        expect(new Set(after.map((item) => item._key)).size).toBe(4)
      })
    })

    describe('listen', () => {
      it('sends a welcome, then one event per matching document per transaction', async () => {
        const {type, id} = scope('listen')
        const listener = await listenTo(client, '*[_type == $type && open == true]', {type})
        try {
          expect(listener.events[0]?.type).toBe('welcome')

          const appear = await client.create({_id: id('a'), _type: type, open: true, n: 0})
          await client.create({_id: id('other'), _type: `${type}_other`, open: true})
          await client.create({_id: id('closed'), _type: type, open: false})
          const update = await client
            .transaction()
            .patch(id('a'), (patch) => patch.inc({n: 1}))
            .patch(id('a'), (patch) => patch.inc({n: 1}))
            .commit()
          const swap = await client
            .transaction()
            .patch(id('a'), (patch) => patch.set({open: false}))
            .create({_id: id('b'), _type: type, open: true})
            .patch(id('closed'), (patch) => patch.set({n: 1}))
            .commit()
          const removal = await client.transaction().delete(id('b')).commit()
          const marker = await client.create({_id: id('marker'), _type: type, open: true})
          await listener.waitFor((event) => event.documentId === id('marker'))

          const events = listener.mutations()
          const summary = events.map((event) => [
            event.transactionId,
            event.documentId,
            event.transition,
          ])
          expect(summary).toEqual([
            [appear._rev, id('a'), 'appear'],
            [update.transactionId, id('a'), 'update'],
            [swap.transactionId, id('a'), 'disappear'],
            [swap.transactionId, id('b'), 'appear'],
            [removal.transactionId, id('b'), 'disappear'],
            [marker._rev, id('marker'), 'appear'],
          ])
          expect(events[0]?.result).toMatchObject({_id: id('a'), n: 0, open: true})
          expect(events[1]?.result).toMatchObject({_id: id('a'), n: 2})
          expect(events[3]?.result).toMatchObject({_id: id('b'), open: true})
        } finally {
          listener.close()
        }
      })
    })

    describe('export and import', () => {
      it('exports NDJSON of every document and an import round-trips them', async () => {
        const {type, id} = scope('export')
        await client
          .transaction()
          .create({
            _id: id('author'),
            _type: type,
            name: 'Åse Ødegård – “quotes” \u{1F9EA}',
            born: 1970,
            active: true,
          })
          .create({
            _id: id('post'),
            _type: type,
            author: {_type: 'reference', _ref: id('author')},
            body: [{_key: 'k1', _type: 'block', children: [{_key: 's1', text: 'hi'}]}],
            tags: ['a', 'b'],
            ratio: 0.25,
          })
          .create({_id: `drafts.${id('post')}`, _type: type, tags: ['draft']})
          .commit({visibility: 'sync'})
        const {dataset} = client.config()
        const ndjson: unknown = await client.request({uri: `/data/export/${dataset}`})
        expect(typeof ndjson).toBe('string')
        const lines = (ndjson as string).split('\n').filter((line) => line.trim() !== '')
        const all = lines.map((line) => JSON.parse(line) as Doc)
        const exported = byId(all.filter((document) => document._type === type))

        // Every document of the dataset is in the export, drafts included, exactly as stored.
        const stored: Doc[] = await raw.fetch('*[_type == $type] | order(_id asc)', {type})
        expect(exported).toEqual(stored)
        expect(exported).toHaveLength(3)
        const everything: string[] = await raw.fetch(
          '*[string::startsWith(_id, $prefix) || string::startsWith(_id, $draft)]._id',
          {prefix: target.prefix, draft: `drafts.${target.prefix}`},
        )
        const exportedIds = new Set(all.map((document) => document._id))
        expect(everything.filter((documentId) => !exportedIds.has(documentId))).toEqual([])

        const destination = target.importTarget ?? client
        if (!target.importTarget) {
          const transaction = client.transaction()
          for (const document of exported) transaction.delete(document._id)
          await transaction.commit({visibility: 'sync'})
        }
        const importing = destination.transaction()
        for (const document of exported) importing.createOrReplace(document)
        await importing.commit({visibility: 'sync'})

        const imported: Doc[] = await destination.fetch(
          '*[_type == $type] | order(_id asc)',
          {type},
          {perspective: 'raw'},
        )
        expect(imported.map(withoutSystemFields)).toEqual(exported.map(withoutSystemFields))
        const destinationDataset = destination.config().dataset
        const reexported = String(
          await destination.request({uri: `/data/export/${destinationDataset}`}),
        )
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Doc)
          .filter((document) => document._type === type)
        expect(byId(reexported).map(withoutSystemFields)).toEqual(exported.map(withoutSystemFields))
      })
    })

    describe('access', () => {
      it('the anonymous client reads published documents only', async (context) => {
        if (!target.anonymousCanRead) context.skip()
        const {type, id} = scope('anonymous-read')
        await client
          .transaction()
          .create({_id: id('pub'), _type: type, title: 'public'})
          .create({_id: `drafts.${id('pub')}`, _type: type, title: 'secret draft'})
          .create({_id: `drafts.${id('draft')}`, _type: type, title: 'secret'})
          .commit({visibility: 'sync'})
        const seen: Doc[] = await anonymous.fetch('*[_type == $type]', {type})
        expect(seen.map((document) => [document._id, document.title])).toEqual([
          [id('pub'), 'public'],
        ])
        expect(
          await anonymous.fetch('*[_id in $ids]._id', {
            ids: [`drafts.${id('pub')}`, `drafts.${id('draft')}`],
          }),
        ).toEqual([])
        expect(
          await anonymous.fetch('*[_type == $type]._id', {type}, {perspective: 'published'}),
        ).toEqual([id('pub')])
        expect(await anonymous.getDocument(`drafts.${id('pub')}`)).toBeUndefined()
      })

      it('the anonymous client cannot write (401) and nothing changes', async () => {
        const {type, id} = scope('anonymous-write')
        const existing = await client.create({_id: id('doc'), _type: type, n: 1})
        const attempts = [
          anonymous.create({_id: id('new'), _type: type}),
          anonymous.createOrReplace({_id: id('doc'), _type: type}),
          anonymous.patch(id('doc')).set({n: 2}).commit(),
          anonymous.delete(id('doc')),
        ]
        for (const attempt of attempts) {
          const error = await failure(attempt)
          expect(error.statusCode).toBe(401)
          bodyOf(error)
        }
        expect(await client.getDocuments([id('doc'), id('new')])).toEqual([existing, null])
      })

      it('the anonymous client cannot use the raw or drafts perspective (401)', async () => {
        for (const perspective of ['raw', 'drafts'] as const) {
          const error = await failure(anonymous.fetch('count(*)', {}, {perspective}))
          expect(error.statusCode).toBe(401)
          bodyOf(error)
        }
      })

      it('a wrong token is a 401 with a JSON body, for reads and writes', async () => {
        const {type, id} = scope('wrong-token')
        const impostor = client.withConfig({token: 'not-the-right-token-0123456789'})
        const read = await failure(impostor.fetch('count(*)'))
        expect(read.statusCode).toBe(401)
        const body = bodyOf(read)
        expect(JSON.stringify(body).length).toBeGreaterThan(2)
        const write = await failure(impostor.create({_id: id('doc'), _type: type}))
        expect(write.statusCode).toBe(401)
        bodyOf(write)
        expect(await client.getDocument(id('doc'))).toBeUndefined()
      })
    })
  })
}

function runPrefix(): string {
  return `conf${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
}

// (a) The embedded lake, always.
defineConformanceSuite('conformance against the embedded lake', async () => {
  const lake: TestLake = await startTestLake()
  return {
    client: lake.client({dataset: 'conformance'}),
    anonymous: lake.anonymousClient('conformance'),
    importTarget: lake.client({dataset: 'conformance-import'}),
    prefix: runPrefix(),
    anonymousCanRead: true,
    cleanup: () => lake.close(),
  }
})

// (b) A real Sanity project, when configured.
const {SANITY_PROJECT_ID, SANITY_DATASET, SANITY_API_TOKEN, SANITY_IMPORT_DATASET} = process.env
// oxlint-disable-next-line vitest/no-conditional-tests -- it needs credentials, given or not per run
if (SANITY_PROJECT_ID && SANITY_DATASET && SANITY_API_TOKEN) {
  defineConformanceSuite(
    `conformance against real Sanity (project ${SANITY_PROJECT_ID}, dataset ${SANITY_DATASET})`,
    async () => {
      const base = {
        projectId: SANITY_PROJECT_ID,
        dataset: SANITY_DATASET,
        apiVersion: API_VERSION,
        useCdn: false,
      }
      const client = createClient({...base, token: SANITY_API_TOKEN})
      const importTarget = SANITY_IMPORT_DATASET
        ? client.withConfig({dataset: SANITY_IMPORT_DATASET})
        : undefined
      const prefix = runPrefix()
      return {
        client,
        anonymous: createClient(base),
        ...(importTarget ? {importTarget} : {}),
        prefix,
        // Anonymous reads need a public dataset; set SANITY_DATASET_PRIVATE=true to skip them.
        anonymousCanRead: process.env.SANITY_DATASET_PRIVATE !== 'true',
        cleanup: async () => {
          await deleteOwned(client, prefix)
          if (importTarget) await deleteOwned(importTarget, prefix)
        },
      }
    },
  )
} else {
  // A skipped placeholder, so the run's report says how to run the real-Sanity suite.
  // oxlint-disable-next-line vitest/no-disabled-tests -- see above
  describe.skip('conformance against real Sanity (skipped: set SANITY_PROJECT_ID, SANITY_DATASET, SANITY_API_TOKEN)', () => {
    // oxlint-disable-next-line vitest/expect-expect -- never runs: it only names the skipped suite
    it('runs the conformance suite against a real Sanity project', () => {})
  })
}
