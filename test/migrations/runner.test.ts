import {defineMigration, at, patch, set} from 'sanity/migrate'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {QuestionDocument} from '../../importer/mapping.ts'
import {
  type MigrationEvent,
  MigrationRunError,
  mutationTarget,
  type PlannedTransaction,
  runMigration,
} from '../../migrator/run.ts'
import backfillSlugs from '../../migrations/backfill-slugs/index.ts'
import scrubAskerPii from '../../migrations/scrub-asker-pii/index.ts'
import {paragraphs} from '../fixtures/documents.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {read, seed} from '../support/migrations.ts'

// The lake runner (`npm run migrate`): documents read in pages with the migration's types and
// filter applied, dry run by default, bounded transactions, and an interrupted run that a second
// run finishes without doing anything twice.

function askedBy(n: number, name: string): QuestionDocument {
  const id = `question-${String(n).padStart(3, '0')}`
  return {
    _id: id,
    _type: 'question',
    title: `Question ${n}`,
    slug: {_type: 'slug', current: id},
    body: paragraphs(`Question number ${n}.`),
    asker: {_type: 'asker', displayName: name},
  }
}

/** 250 questions whose askers are shown by full name, and 10 that are not. */
const ARCHIVE = [
  ...Array.from({length: 250}, (_, n) => askedBy(n, 'Chen Mei-ling')),
  ...Array.from({length: 10}, (_, n) => askedBy(250 + n, 'C.')),
]

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

const client = () => lake.client({dataset: 'runner'})
const fullNames = () =>
  client().fetch('count(*[_type == "question" && asker.displayName == "Chen Mei-ling"])')

function recorder() {
  const planned: PlannedTransaction[] = []
  const committed: PlannedTransaction[] = []
  const onEvent = (event: MigrationEvent) => {
    if (event.kind === 'transaction') planned.push(event.transaction)
    else committed.push(event.transaction)
  }
  return {planned, committed, onEvent}
}

beforeEach(async () => {
  await client().delete({query: '*[!(_id in path("_.**"))]'})
  await seed(client(), ARCHIVE)
})

describe('runMigration', () => {
  it('dry-runs by listing the transactions it would commit, writing nothing', async () => {
    const {planned, committed, onEvent} = recorder()

    const report = await runMigration(client(), scrubAskerPii, {dryRun: true, onEvent})

    expect(committed).toEqual([])
    expect(await fullNames()).toBe(250)
    expect(planned.map((transaction) => transaction.mutations.length)).toEqual([100, 100, 50])
    expect(planned[0]?.types.get('question-000')).toBe('question')
    expect(report).toMatchObject({
      dryRun: true,
      documents: 260,
      transactions: 3,
      mutations: 250,
      byType: {question: {documents: 250, mutations: 250}},
      interrupted: false,
    })
  })

  it('commits in transactions of at most 100 mutations, against the revisions it read', async () => {
    const {committed, onEvent} = recorder()

    const report = await runMigration(client(), scrubAskerPii, {dryRun: false, onEvent})

    expect(committed.map((transaction) => transaction.mutations.length)).toEqual([100, 100, 50])
    expect(committed[0]?.mutations[0]).toMatchObject({
      patch: {id: 'question-000', ifRevisionID: expect.any(String)},
    })
    expect(await fullNames()).toBe(0)
    expect(report.byType.question).toMatchObject({updated: 250, created: 0, deleted: 0})
  })

  it('never splits one document’s patch across transactions', async () => {
    const {planned, onEvent} = recorder()
    await seed(client(), [
      {
        ...askedBy(0, 'C.'),
        title: 'Call 0912 345 678 about my rash',
        shortTitle: 'Or 0912 345 679',
        body: paragraphs('Or 0912 345 680.'),
      },
    ])

    await runMigration(client(), scrubAskerPii, {dryRun: false, maxMutations: 2, onEvent})

    // title, its slug, the short title and the body: one patch of four mutations.
    const sizes = planned.map((transaction) => transaction.mutations.length)
    expect(sizes[0]).toBe(4)
    expect(sizes.slice(1).every((size) => size <= 2)).toBe(true)
    expect(new Set(planned[0]?.mutations.map((mutation) => mutationTarget(mutation).id))).toEqual(
      new Set(['question-000']),
    )
  })

  it('reads documents in pages and applies the migration’s types and filter', async () => {
    await seed(client(), [
      {_id: 'question-000', _type: 'question', title: 'No slug yet'},
      {_id: 'reply-1', _type: 'reply'},
    ])

    const report = await runMigration(client(), backfillSlugs, {dryRun: true, pageSize: 7})

    expect(report.documents).toBe(1)
    expect(report.byType).toEqual({
      question: {documents: 1, mutations: 1, created: 0, updated: 0, deleted: 0},
    })
  })

  it('stops between transactions when interrupted; a second run finishes without repeating', async () => {
    const controller = new AbortController()
    const first = await runMigration(client(), scrubAskerPii, {
      dryRun: false,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.kind === 'committed') controller.abort()
      },
    })
    expect(first).toMatchObject({interrupted: true, transactions: 1, mutations: 100})
    expect(await fullNames()).toBe(150)

    const second = await runMigration(client(), scrubAskerPii, {dryRun: false})
    expect(second).toMatchObject({interrupted: false, transactions: 2, mutations: 150})
    expect(await fullNames()).toBe(0)

    const third = await runMigration(client(), scrubAskerPii, {dryRun: false})
    expect(third).toMatchObject({transactions: 0, mutations: 0})
  })

  it('fails on a document edited since it was read, reporting what was committed', async () => {
    // An editor changes question-150 while the first transaction commits: the second
    // transaction carries its old revision and is refused whole.
    const run = runMigration(client(), scrubAskerPii, {
      dryRun: false,
      onEvent: async (event) => {
        if (event.kind === 'committed' && event.transaction.index === 1)
          await client().patch('question-150').set({shortTitle: 'edited'}).commit()
      },
    })
    const error: unknown = await run.catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(MigrationRunError)
    if (!(error instanceof MigrationRunError)) return
    expect(error.message).toContain('question-150')
    expect(error.report).toMatchObject({transactions: 1, mutations: 100})
    expect(await fullNames()).toBe(150)

    await runMigration(client(), scrubAskerPii, {dryRun: false})
    expect(await fullNames()).toBe(0)
    const [edited] = await read(client(), ['question-150'])
    expect(edited).toMatchObject({shortTitle: 'edited', asker: {displayName: 'C.'}})
  })

  it('keeps the migration to reading: a client write throws', async () => {
    const writes = defineMigration({
      title: 'Tries to write through the context client',
      documentTypes: ['question'],
      migrate: {
        document(document, context) {
          Reflect.get(context.client, 'delete')
          return patch(document._id, at(['title'], set('unreachable')))
        },
      },
    })

    await expect(runMigration(client(), writes, {dryRun: true})).rejects.toThrow(
      /Client method "delete" can not be called during a migration/,
    )
  })
})
