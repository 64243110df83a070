import type {SanityClient} from '@sanity/client'
import {mkdtemp, readdir, rm, stat, unlink, utimes} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'
import type {Transaction} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {History} from '../history.ts'
import {DatasetStorage} from '../storage.ts'

// History kept on disk: what Studio's History panel and "Review changes" read (transactions,
// documents as of a revision or time, the events API) survives restarts and compaction, names the
// editor who made each change, and is bounded by the retention period.

const DATASET = 'test'
const QUIET = {warn: () => undefined}

interface TransactionLine {
  id: string
  timestamp: string
  author: string
  documentIDs: string[]
  effects: Record<string, {apply: unknown[]; revert: unknown[]}>
}

interface EventJson {
  type: string
  id: string
  author: string
  timestamp: string
  documentId: string
  versionId?: string
  revisionId?: string
  versionRevisionId?: string
}

/** A history API answer as Studio reads it (the token is the caller's). */
async function historyGet(lake: TestLake, path: string, token: string | null = TEST_TOKEN) {
  const response = await fetch(`${lake.server.url}/v2025-02-19/data/history/${DATASET}/${path}`, {
    headers: token ? {authorization: `Bearer ${token}`} : {},
  })
  return {status: response.status, text: await response.text()}
}

async function transactionsOf(lake: TestLake, ids: string, query = '') {
  const {status, text} = await historyGet(lake, `transactions/${ids}?excludeContent=true${query}`)
  expect(status).toBe(200)
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TransactionLine)
}

async function eventsOf(lake: TestLake, id: string, query = '') {
  const {status, text} = await historyGet(lake, `events/documents/${id}?limit=100${query}`)
  expect(status).toBe(200)
  const body = JSON.parse(text) as {events: Record<string, EventJson[]>; nextCursor: string}
  return {events: body.events[id] ?? [], nextCursor: body.nextCursor}
}

async function documentsAt(lake: TestLake, ids: string, query: string) {
  const {status, text} = await historyGet(lake, `documents/${ids}?${query}`)
  expect(status).toBe(200)
  return (JSON.parse(text) as {documents: LakeDocument[]}).documents
}

/** Signs a browser in as Studio does: a one-time code traded for a session token. */
async function sessionToken(lake: TestLake, name?: string): Promise<string> {
  let code = new URL(lake.server.signInUrl()).hash.replace('#sid=', '')
  if (name) {
    const issued = await fetch(`${lake.server.url}/v1/auth/codes`, {
      method: 'POST',
      headers: {authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json'},
      body: JSON.stringify({name}),
    })
    code = ((await issued.json()) as {code: string}).code
  }
  const response = await fetch(`${lake.server.url}/v1/auth/fetch?sid=${code}`)
  return ((await response.json()) as {token: string}).token
}

function editorClient(lake: TestLake, token: string): SanityClient {
  return lake.client().withConfig({token, perspective: 'raw'})
}

describe('history across restarts', () => {
  let dataDir: string
  let lake: TestLake
  let editorToken: string
  let importedAt: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'history-'))
    lake = await startTestLake(dataDir, {datasets: [DATASET]})
    // The import: the command-line tools write the published thread.
    const imported = await lake
      .client()
      .createOrReplace({_id: 'q1', _type: 'question', title: 'Knee pain after running'})
    importedAt = imported._updatedAt
    // An editor signed in from the terminal's link edits it in Studio and publishes.
    editorToken = await sessionToken(lake)
    const editor = editorClient(lake, editorToken)
    await editor.action(
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.q1',
        publishedId: 'q1',
        patch: {set: {title: 'Knee pain after running: causes'}},
      },
      {transactionId: 'edit-1'},
    )
    await editor.action(
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.q1',
        publishedId: 'q1',
        patch: {set: {title: 'Knee pain after running: causes and exercises'}},
      },
      {transactionId: 'edit-2'},
    )
    await editor.action(
      {actionType: 'sanity.action.document.publish', draftId: 'drafts.q1', publishedId: 'q1'},
      {transactionId: 'publish-1'},
    )
    // Then the lake stops (writing a snapshot, which starts a new log) and starts again.
    await lake.close()
    lake = await startTestLake(dataDir, {datasets: [DATASET]})
  })

  afterAll(async () => {
    await lake.close()
    await rm(dataDir, {recursive: true, force: true})
  })

  it('keeps every transaction of a document with its author and effects', async () => {
    const transactions = await transactionsOf(lake, 'q1,drafts.q1')
    expect(transactions.map((transaction) => [transaction.id, transaction.author])).toEqual([
      [expect.any(String), 'lake-tools'],
      ['edit-1', 'local-editor'],
      ['edit-2', 'local-editor'],
      ['publish-1', 'local-editor'],
    ])
    const [created, firstEdit, , publish] = transactions
    expect(created?.timestamp).toBe(importedAt)
    expect(created?.effects.q1?.revert).toEqual([0, null])
    expect(firstEdit?.effects['drafts.q1']).toMatchObject({
      apply: [0, {_id: 'drafts.q1', title: 'Knee pain after running: causes'}],
      revert: [0, null],
    })
    // The publish deleted the draft and wrote the published document, in one transaction.
    expect(publish?.documentIDs.sort()).toEqual(['drafts.q1', 'q1'])
    expect(publish?.effects['drafts.q1']?.apply).toEqual([0, null])
    expect(publish?.effects.q1).toMatchObject({
      apply: [0, {title: 'Knee pain after running: causes and exercises', _rev: 'publish-1'}],
      revert: [0, {title: 'Knee pain after running'}],
    })
  })

  it('pages transactions as Studio asks for them', async () => {
    const since = await transactionsOf(lake, 'drafts.q1', '&fromTransaction=edit-1&limit=50')
    expect(since.map((transaction) => transaction.id)).toEqual(['edit-1', 'edit-2', 'publish-1'])
    const newest = await transactionsOf(lake, 'q1,drafts.q1', '&reverse=true&limit=2')
    expect(newest.map((transaction) => transaction.id)).toEqual(['publish-1', 'edit-2'])
    const upTo = await transactionsOf(lake, 'q1,drafts.q1', '&reverse=true&toTransaction=edit-2')
    expect(upTo.map((transaction) => transaction.id)).toEqual(['edit-2', 'edit-1', upTo[2]?.id])
  })

  it('gives documents as of a revision, a time and their last revision', async () => {
    const [draft] = await documentsAt(lake, 'drafts.q1', 'revision=edit-1')
    expect(draft).toMatchObject({_id: 'drafts.q1', _rev: 'edit-1'})
    expect(draft?.title).toBe('Knee pain after running: causes')
    const [asImported] = await documentsAt(lake, 'q1', `time=${importedAt}`)
    expect(asImported?.title).toBe('Knee pain after running')
    const [deletedDraft] = await documentsAt(lake, 'drafts.q1', 'lastRevision=true')
    expect(deletedDraft?._rev).toBe('edit-2')
    expect(await documentsAt(lake, 'q1', 'revision=no-such-revision')).toEqual([])
  })

  it('serves the events Studio shows: created at import, draft created, published', async () => {
    const published = await eventsOf(lake, 'q1')
    expect(published.events.map((event) => [event.type, event.author])).toEqual([
      ['publishDocumentVersion', 'local-editor'],
      ['createLiveDocument', 'lake-tools'],
    ])
    // "Created" is the import, not when this lake process started.
    expect(published.events[1]?.timestamp).toBe(importedAt)
    expect(published.events[0]).toMatchObject({
      documentId: 'q1',
      revisionId: 'publish-1',
      versionId: 'drafts.q1',
      versionRevisionId: 'edit-2',
    })
    const draft = await eventsOf(lake, 'drafts.q1')
    expect(draft.events.map((event) => [event.type, event.versionRevisionId])).toEqual([
      ['publishDocumentVersion', 'edit-2'],
      ['createDocumentVersion', 'edit-1'],
    ])
    expect(draft.nextCursor).toBe('')
  })

  it('pages events with a cursor', async () => {
    const first = await historyGet(lake, 'events/documents/q1?limit=1')
    const page = JSON.parse(first.text) as {events: {q1: EventJson[]}; nextCursor: string}
    expect(page.events.q1.map((event) => event.type)).toEqual(['publishDocumentVersion'])
    expect(page.nextCursor).not.toBe('')
    const next = await eventsOf(lake, 'q1', `&nextCursor=${page.nextCursor}`)
    expect(next.events.map((event) => event.type)).toEqual(['createLiveDocument'])
    expect(next.nextCursor).toBe('')
  })

  it('names the authors through the user endpoints Studio calls', async () => {
    const me = await fetch(`${lake.server.url}/v2021-06-07/users/me`, {
      headers: {authorization: `Bearer ${editorToken}`},
    })
    expect(await me.json()).toMatchObject({id: 'local-editor', name: 'Local Editor'})
    const users = await fetch(`${lake.server.url}/v2021-06-07/users/local-editor,lake-tools`, {
      headers: {authorization: `Bearer ${editorToken}`},
    })
    expect(await users.json()).toEqual([
      expect.objectContaining({id: 'local-editor', displayName: 'Local Editor'}),
      expect.objectContaining({id: 'lake-tools', displayName: 'Command-line tools'}),
    ])
  })

  it('tells anonymous callers nothing', async () => {
    expect((await historyGet(lake, 'transactions/q1', null)).status).toBe(401)
    expect((await historyGet(lake, 'events/documents/q1', null)).status).toBe(401)
    expect((await historyGet(lake, 'documents/q1?revision=publish-1', null)).status).toBe(401)
    for (const path of ['users/local-editor', 'projects/local']) {
      const response = await fetch(`${lake.server.url}/v2021-06-07/${path}`)
      expect(response.status).toBe(401)
      expect(await response.text()).not.toContain('Local Editor')
    }
    // Who is signed in? Nobody: an empty user, as Sanity answers.
    const me = await fetch(`${lake.server.url}/v2021-06-07/users/me`)
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({})
  })

  it('refuses malformed history requests with a 400 or 404 and keeps serving', async () => {
    const statuses = await Promise.all(
      [
        'transactions/q1?limit=lots',
        'transactions/q1?fromTime=yesterday',
        'events/documents/q1?nextCursor=abc',
        'events/documents/q1,q2',
        'documents/q1',
        'documents/q1?revision=publish-1&time=2025-01-01T00:00:00Z',
        'documents/bad%20id?lastRevision=true',
        'events/releases/r1',
        'nothing/q1',
      ].map(async (path) => (await historyGet(lake, path)).status),
    )
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 400, 404, 404])
    expect((await eventsOf(lake, 'q1')).events.length).toBeGreaterThan(0)
  })

  it('names an editor signed in with a name on their changes, after they sign out too', async () => {
    const token = await sessionToken(lake, 'Mei Lin')
    const editor = editorClient(lake, token)
    await editor.action(
      {
        actionType: 'sanity.action.document.create',
        publishedId: 'q2',
        attributes: {_id: 'drafts.q2', _type: 'question', title: 'Night sweats'},
        ifExists: 'fail',
      },
      {transactionId: 'create-q2'},
    )
    const me = await fetch(`${lake.server.url}/v2021-06-07/users/me`, {
      headers: {authorization: `Bearer ${token}`},
    })
    const {id} = (await me.json()) as {id: string}
    await fetch(`${lake.server.url}/v1/auth/logout`, {
      method: 'POST',
      headers: {authorization: `Bearer ${token}`},
    })
    const [created] = await transactionsOf(lake, 'drafts.q2')
    expect(created?.author).toBe(id)
    const user = await fetch(`${lake.server.url}/v2021-06-07/users/${id}`, {
      headers: {authorization: `Bearer ${TEST_TOKEN}`},
    })
    expect(await user.json()).toMatchObject({id, displayName: 'Mei Lin'})
  })
  it('shows a draft written after its publish as an edit of the same draft', async () => {
    const editor = editorClient(lake, editorToken)
    await editor.action(
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.q1',
        publishedId: 'q1',
        patch: {set: {title: 'Knee pain after running: causes, exercises and rest'}},
      },
      {transactionId: 'edit-3'},
    )
    // No second "draft created": Studio compares a publish with the draft's first creation.
    const draft = await eventsOf(lake, 'drafts.q1')
    expect(draft.events.map((event) => [event.type, event.id])).toEqual([
      ['publishDocumentVersion', 'publish-1'],
      ['createDocumentVersion', 'edit-1'],
    ])
    // Studio makes an edit of it from the transactions after the publish.
    const after = await transactionsOf(lake, 'drafts.q1', '&fromTransaction=edit-2')
    expect(after.map((transaction) => transaction.id)).toEqual(['edit-2', 'publish-1', 'edit-3'])
    const edit = after[2]
    expect(edit?.effects['drafts.q1']?.revert).toEqual([
      0,
      expect.objectContaining({title: 'Knee pain after running: causes and exercises'}),
    ])
    const range = await transactionsOf(
      lake,
      'drafts.q1',
      '&fromTransaction=edit-1&toTransaction=edit-2',
    )
    expect(range.map((transaction) => transaction.id)).toEqual(['edit-1', 'edit-2'])
    expect(
      await transactionsOf(lake, 'drafts.q1', '&fromTransaction=edit-3&toTransaction=edit-2'),
    ).toEqual([])
  })
})

// --- Storage level: compaction, a lost index, retention ---

let counter = 0

function note(id: string, n: number, rev: string): LakeDocument {
  return {
    _id: id,
    _type: 'note',
    _rev: rev,
    _updatedAt: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
    n,
  }
}

/** Commits one transaction writing `after` for each id (null deletes). */
async function commit(storage: DatasetStorage, writes: [string, number | null][], author = 'test') {
  const id = `tx${++counter}`
  await storage.commit(async (dataset) => {
    const transaction: Omit<Transaction, 'seq'> = {
      id,
      timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, counter)).toISOString(),
      author,
      mutations: [],
      changes: writes.map(([docId, n]) => ({
        id: docId,
        before: dataset.get(docId) ?? null,
        after: n === null ? null : note(docId, n, id),
      })),
    }
    return {transaction, result: undefined}
  })
  return id
}

async function openStorage(
  dir: string,
  options: {historyDays?: number; compactBytes?: number} = {},
) {
  return DatasetStorage.open(dir, 'data', 'test', {
    ...QUIET,
    unsafeNoSync: true,
    parseInBackground: false,
    ...options,
  })
}

describe('history storage', () => {
  let root: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'history-storage-'))
  })

  afterAll(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it('keeps versions across compactions and rebuilds a lost index from the history files', async () => {
    const dir = join(root, 'compact')
    let storage = await openStorage(dir, {compactBytes: 400})
    const ids: string[] = []
    for (let n = 1; n <= 12; n++)
      ids.push(
        await commit(storage, [
          ['a', n],
          [`b${n}`, n],
        ]),
      )
    await storage.close()
    // Every compaction started a new log; the old ones are history files, not copies.
    const files = (await readdir(join(dir, 'history'))).filter((name) => name.endsWith('.log'))
    expect(files.length).toBeGreaterThan(3)
    expect((await stat(join(dir, 'transactions.log'))).nlink).toBe(2)

    const read = async () => {
      const history = new History(storage.history, storage.dataset)
      const transactions = await history.transactions(['a'])
      return transactions.map((transaction) => [transaction.id, transaction.effects.a?.apply])
    }
    storage = await openStorage(dir)
    const before = await read()
    expect(before.map(([id]) => id)).toEqual(ids)
    expect(before[4]?.[1]).toEqual([0, note('a', 5, ids[4] ?? '')])
    await storage.close()

    await unlink(join(dir, 'history', 'changes.idx'))
    storage = await openStorage(dir)
    expect(await read()).toEqual(before)
    await storage.close()
  })

  it('indexes what a crash kept from the index on the next open', async () => {
    const dir = join(root, 'crash')
    let storage = await openStorage(dir)
    await commit(storage, [['c', 1]])
    await storage.close({compact: false})
    const index = join(dir, 'history', 'changes.idx')
    const kept = (await stat(index)).size
    storage = await openStorage(dir)
    await commit(storage, [['c', 2]])
    await commit(storage, [['c', 3]])
    await storage.close({compact: false})
    // As if the process died before the index appends reached the disk.
    const {truncate} = await import('node:fs/promises')
    await truncate(index, kept + 10)
    storage = await openStorage(dir)
    const history = new History(storage.history, storage.dataset)
    const transactions = await history.transactions(['c'])
    expect(transactions.map((transaction) => transaction.effects.c?.apply[1])).toMatchObject([
      {n: 1},
      {n: 2},
      {n: 3},
    ])
    await storage.close()
  })

  it('writes the version before of documents history has not met, once', async () => {
    const dir = join(root, 'baseline')
    // A dataset from before history: its documents are in the snapshot only.
    let storage = await openStorage(dir, {historyDays: 0})
    await commit(storage, [['old', 1]])
    await storage.close()
    storage = await openStorage(dir)
    const first = await commit(storage, [['old', 2]])
    await commit(storage, [['old', 3]])
    const history = new History(storage.history, storage.dataset)
    const [edit] = await history.transactions(['old'])
    expect(edit?.id).toBe(first)
    expect(edit?.effects.old?.revert).toEqual([0, expect.objectContaining({n: 1})])
    await storage.close()
  })

  it('removes history files older than the retention period, keeping what later versions need', async () => {
    const dir = join(root, 'retention')
    let storage = await openStorage(dir, {historyDays: 30})
    await commit(storage, [
      ['r', 1],
      ['gone', 1],
    ])
    await commit(storage, [['r', 2]])
    await storage.close()
    storage = await openStorage(dir, {historyDays: 30})
    const latest = await commit(storage, [['r', 3]])
    await storage.close()
    // The first log was last written two months ago.
    const historyDir = join(dir, 'history')
    const old = new Date(Date.now() - 60 * 24 * 60 * 60 * 1000)
    await utimes(join(historyDir, '000001.log'), old, old)
    storage = await openStorage(dir, {historyDays: 30})
    expect(await readdir(historyDir)).not.toContain('000001.log')
    const history = new History(storage.history, storage.dataset)
    const transactions = await history.transactions(['r', 'gone'])
    // Only the recent transaction is left, and it still compares with the version before it.
    expect(transactions.map((transaction) => transaction.id)).toEqual([latest])
    expect(transactions[0]?.effects.r?.revert).toEqual([0, expect.objectContaining({n: 2})])
    expect(await history.transactions(['gone'])).toEqual([])
    const names = await readdir(historyDir)
    expect(names.some((name) => name.endsWith('.anchors'))).toBe(true)
    await storage.close()
  })

  it('keeps no history when the retention period is 0', async () => {
    const dir = join(root, 'off')
    const storage = await openStorage(dir, {historyDays: 0})
    await commit(storage, [['x', 1]])
    expect(storage.history).toBeUndefined()
    expect(await new History(storage.history, storage.dataset).transactions(['x'])).toEqual([])
    await storage.close()
    expect(await readdir(dir)).not.toContain('history')
  })
})
