import type {Mutation} from 'sanity/migrate'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {DoctorDocument, ReplyDocument} from '../../importer/mapping.ts'
import mergeDuplicateDoctors, {
  MAX_MUTATIONS,
} from '../../migrations/merge-duplicate-doctors/index.ts'
import {neurology, paragraphs} from '../fixtures/documents.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {
  apply,
  collect,
  migrate,
  read,
  readOne,
  seed,
  transactionsOf,
} from '../support/migrations.ts'
import {importedReplyContent} from '../../domain/contentHash.ts'
import {stableHash} from '../../domain/hash.ts'
import {doctorId} from '../../domain/ids.ts'

const CANONICAL = doctorId('Lan Shengxing')

/** The doctor as today's importer writes it (its id is derived from the normalised name). */
const importedDoctor: DoctorDocument = {
  _id: CANONICAL,
  _type: 'doctor',
  name: 'Lan Shengxing',
  slug: {_type: 'slug', current: 'lan-shengxing'},
  specialties: [],
  aliases: [],
}

/** Created by hand in the Studio, same doctor: a specialty and credentials the import lacks. */
const editorsDuplicate: DoctorDocument = {
  _id: 'doctor-3f9a1c',
  _type: 'doctor',
  name: 'LAN Sheng-xing',
  slug: {_type: 'slug', current: 'lan-sheng-xing'},
  specialties: [{_type: 'reference', _ref: neurology._id, _key: 'k1'}],
  credentials: 'MD, attending neurologist',
}

/** From an older importer with another id scheme; it had collected an alias of its own. */
const oldImportDuplicate: DoctorDocument = {
  _id: 'doctor-old-lan-sheng-xing',
  _type: 'doctor',
  name: 'Lan Sheng Xing',
  slug: {_type: 'slug', current: 'lan-sheng-xing-2'},
  aliases: ['Lan S. X.'],
}

const otherDoctor: DoctorDocument = {
  _id: 'doctor-chou-mingyi',
  _type: 'doctor',
  name: 'Chou Mingyi',
  slug: {_type: 'slug', current: 'chou-mingyi'},
}

function replyBy(id: string, doctor: string): ReplyDocument {
  return {
    _id: id,
    _type: 'reply',
    question: {_type: 'reference', _ref: 'question-1'},
    doctor: {_type: 'reference', _ref: doctor},
    body: paragraphs('Rest and fluids.'),
    repliedAt: '2020-01-02',
  }
}

/** An imported reply nobody edited: its hash matches its content. */
function unEditedImportedReply(id: string, doctor: string): ReplyDocument {
  const reply = replyBy(id, doctor)
  return {...reply, source: {_type: 'source', contentHash: stableHash(importedReplyContent(reply))}}
}

function describeMutation(mutation: Mutation): string {
  return mutation.type === 'patch' || mutation.type === 'delete'
    ? `${mutation.type} ${mutation.id}`
    : `${mutation.type} ${mutation.document._id}`
}

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

describe('migration merge-duplicate-doctors', () => {
  const client = () => lake.client({dataset: 'merge'})

  beforeEach(async () => {
    await client().delete({query: '*[!(_id in path("_.**"))]'})
  })

  it('repoints replies (drafts too) to the doctor with the importer’s id and deletes the rest', async () => {
    await seed(client(), [
      neurology,
      importedDoctor,
      editorsDuplicate,
      oldImportDuplicate,
      otherDoctor,
      replyBy('reply-a', editorsDuplicate._id),
      replyBy('drafts.reply-b', oldImportDuplicate._id),
      replyBy('reply-c', CANONICAL),
      replyBy('reply-d', otherDoctor._id),
    ])

    await migrate(client(), mergeDuplicateDoctors)

    const doctors = await client().fetch('*[_type == "doctor"] | order(_id asc)._id')
    expect(doctors).toEqual([otherDoctor._id, CANONICAL])
    const replies = await read(client(), ['reply-a', 'drafts.reply-b', 'reply-c', 'reply-d'])
    expect(replies.map((reply) => [reply._id, reply.doctor._ref])).toEqual([
      ['drafts.reply-b', CANONICAL],
      ['reply-a', CANONICAL],
      ['reply-c', CANONICAL],
      ['reply-d', otherDoctor._id],
    ])
  })

  it('collects names, aliases and specialties, and takes over missing credentials', async () => {
    await seed(client(), [neurology, importedDoctor, editorsDuplicate, oldImportDuplicate])

    await migrate(client(), mergeDuplicateDoctors)

    const kept = await readOne(client(), CANONICAL)
    expect(kept.name).toBe('Lan Shengxing')
    expect(kept.aliases).toEqual(['LAN Sheng-xing', 'Lan Sheng Xing', 'Lan S. X.'])
    expect(kept.specialties).toEqual([
      {_type: 'reference', _ref: neurology._id, _key: neurology._id},
    ])
    expect(kept.credentials).toBe('MD, attending neurologist')
    expect(kept.slug.current).toBe('lan-shengxing')
  })

  it('keeps the oldest doctor when none has the importer’s id, and deletes duplicates’ drafts', async () => {
    const older = {...editorsDuplicate, _createdAt: '2015-01-01T00:00:00Z'}
    const newer = {...oldImportDuplicate, _createdAt: '2018-01-01T00:00:00Z'}
    await seed(client(), [older, newer, {...newer, _id: `drafts.${newer._id}`}])

    await migrate(client(), mergeDuplicateDoctors)

    const left = await client().fetch('*[_type == "doctor"]._id', {}, {perspective: 'raw'})
    expect(left).toEqual([older._id])
  })

  it('merges each group in one transaction, deletes last', async () => {
    await seed(client(), [
      importedDoctor,
      editorsDuplicate,
      replyBy('reply-a', editorsDuplicate._id),
      replyBy('reply-b', editorsDuplicate._id),
    ])

    const transactions = transactionsOf(await collect(client(), mergeDuplicateDoctors))

    expect(transactions).toHaveLength(1)
    expect(transactions[0]?.map(describeMutation)).toEqual([
      'patch reply-a',
      'patch reply-b',
      `patch ${CANONICAL}`,
      `delete ${editorsDuplicate._id}`,
    ])
  })

  it('keeps imported replies unedited in the importer’s eyes', async () => {
    await seed(client(), [
      importedDoctor,
      editorsDuplicate,
      unEditedImportedReply('reply-imported', editorsDuplicate._id),
    ])

    await migrate(client(), mergeDuplicateDoctors)

    const reply = await readOne(client(), 'reply-imported')
    expect(reply.doctor._ref).toBe(CANONICAL)
    expect(reply.source.contentHash).toBe(stableHash(importedReplyContent(reply)))
  })

  it('splits a large group into bounded transactions and finishes after an interruption', async () => {
    const replies = Array.from({length: 150}, (_, n) =>
      replyBy(`reply-${String(n).padStart(3, '0')}`, editorsDuplicate._id),
    )
    await seed(client(), [importedDoctor, editorsDuplicate, ...replies])

    const transactions = transactionsOf(await collect(client(), mergeDuplicateDoctors))
    expect(transactions.map((mutations) => mutations.length)).toEqual([52, 100])
    expect(transactions.every((mutations) => mutations.length <= MAX_MUTATIONS)).toBe(true)
    expect(transactions[0]?.some((mutation) => mutation.type === 'delete')).toBe(false)

    // Interrupted after the first transaction: the duplicate still exists, 52 replies moved.
    const [first] = await collect(client(), mergeDuplicateDoctors)
    await apply(client(), [first ?? []])
    expect(await client().fetch('count(*[references($id)])', {id: editorsDuplicate._id})).toBe(98)

    const rerun = transactionsOf(await collect(client(), mergeDuplicateDoctors))
    expect(rerun.map((mutations) => mutations.length)).toEqual([100])
    await migrate(client(), mergeDuplicateDoctors)
    expect(await client().fetch('count(*[references($id)])', {id: CANONICAL})).toBe(150)
    expect(await read(client(), [editorsDuplicate._id])).toEqual([])
  })

  it('changes nothing when run a second time', async () => {
    await seed(client(), [
      importedDoctor,
      editorsDuplicate,
      oldImportDuplicate,
      replyBy('reply-a', editorsDuplicate._id),
    ])
    await migrate(client(), mergeDuplicateDoctors)

    expect(await collect(client(), mergeDuplicateDoctors)).toEqual([])
  })
})
