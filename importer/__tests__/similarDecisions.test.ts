import type {PatchOperations, SanityClient} from '@sanity/client'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {excludePatches, pinPatches, unexcludePatches} from '../../similar/editorial.ts'
import type {SimilarEntry, SimilarExclusionEntry} from '../../similar/entries.ts'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {textToPortableText} from '../portableText.ts'
import type {ParseResult, ThreadRecord} from '../record.ts'
import {runImport} from '../run.ts'
import {clientTarget} from '../target.ts'
import {importedQuestionContent} from '../../domain/contentHash.ts'
import {stableHash} from '../../domain/hash.ts'

// Re-imports and editors' similar-thread decisions, against the embedded lake: a pin or an
// exclusion survives re-imports of the same and of a changed source page, and is not an edit
// (the question keeps following its source).

const EDITOR = {by: 'Dr. Editor', at: new Date('2024-06-02T08:00:00Z')}

let lake: TestLake
let client: SanityClient

beforeEach(async () => {
  lake = await startTestLake()
  client = lake.client()
})

afterEach(() => lake.close())

const paragraphs = (text: string) => textToPortableText(text, 'p')

function thread(title: string, overrides: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    origin: {format: 'jsonl', file: 'ears.jsonl', line: 1},
    url: `https://qa.example.org/ears/${encodeURIComponent(title)}`,
    title,
    specialty: 'Otolaryngology',
    question: paragraphs(`${title}. Should I see someone about it?`),
    askedAt: '2023-03-01',
    replies: [
      {
        doctor: 'Dr. Wu Anping',
        specialty: 'Otolaryngology',
        body: paragraphs('Rest your ears and come in if it lasts more than a week.'),
        repliedAt: '2023-03-02',
      },
    ],
    similar: [],
    tags: [{name: 'Tinnitus', specialty: 'Otolaryngology'}],
    ...overrides,
  }
}

const RINGING = 'Ringing in one ear after a concert'
const AT_NIGHT = 'Ears ringing at night'
const BUZZING = 'Buzzing sound in the left ear'
const HEARING = 'Hearing loss after loud music'
const JAW = 'Tinnitus and jaw pain'

const ringing = (overrides: Partial<ThreadRecord> = {}) =>
  thread(RINGING, {
    similar: [{title: AT_NIGHT}, {title: BUZZING}, {title: HEARING}],
    ...overrides,
  })
const others = [AT_NIGHT, BUZZING, HEARING, JAW].map((title) => thread(title))

async function* records(threads: ThreadRecord[]): AsyncGenerator<ParseResult> {
  for (const record of threads) yield {ok: true, record}
}

function importThreads(...threads: ThreadRecord[]) {
  return runImport(records(threads), clientTarget(client, {dryRun: false}), {
    now: () => new Date('2024-06-01T00:00:00Z'),
  })
}

interface Question {
  _id: string
  _rev: string
  text: string
  similar: SimilarEntry[]
  exclusions: SimilarExclusionEntry[] | null
  contentHash: string
}

async function question(title: string): Promise<Question> {
  const found = await client.fetch<Question | null>(
    `*[_type == "question" && title == $title][0]{
      _id, _rev, "text": pt::text(body), similar, "exclusions": similarExcluded,
      "contentHash": source.contentHash
    }`,
    {title},
  )
  if (!found) throw new Error(`no question "${title}"`)
  return found
}

const idOf = async (title: string) => (await question(title))._id

/** The list as an editor reads it: target title (or source title) and where it comes from. */
async function listOf(title: string) {
  return client.fetch<{title: string; provenance: string}[]>(
    `*[_type == "question" && title == $title][0].similar[]{
      "title": coalesce(question->title, sourceTitle), provenance
    }`,
    {title},
  )
}

async function apply(id: string, patches: PatchOperations[]) {
  expect(patches.length).toBeGreaterThan(0)
  const transaction = client.transaction()
  for (const patch of patches) transaction.patch(id, patch)
  await transaction.commit()
}

/** Pins `pin`, excludes `exclude` (source entries) and a computed entry for JAW. */
async function triage(pin: string, exclude: string) {
  const {_id, similar} = await question(RINGING)
  const jaw: SimilarEntry = {
    _key: 'computed-jaw',
    _type: 'similarThread',
    question: {_type: 'reference', _ref: await idOf(JAW), _weak: true},
    provenance: 'computed',
    score: 0.41,
  }
  // What the similar-thread engine writes: a computed entry after the source page's.
  await client.patch(_id).insert('after', 'similar[-1]', [jaw]).commit()
  const keyOf = async (target: string) => {
    const id = await idOf(target)
    return similar.find((entry) => entry.question?._ref === id)?._key ?? ''
  }
  let current = await question(RINGING)
  await apply(_id, pinPatches(current.similar, await keyOf(pin)))
  current = await question(RINGING)
  await apply(_id, excludePatches(current.similar, [], await keyOf(exclude), EDITOR))
  current = await question(RINGING)
  await apply(_id, excludePatches(current.similar, current.exclusions, 'computed-jaw', EDITOR))
}

describe('re-imports and editors’ similar-thread decisions', () => {
  it('keeps pins and exclusions through re-imports, and the question keeps following its source', async () => {
    await importThreads(ringing(), ...others)
    expect(await listOf(RINGING)).toEqual([
      {title: AT_NIGHT, provenance: 'imported'},
      {title: BUZZING, provenance: 'imported'},
      {title: HEARING, provenance: 'imported'},
    ])
    await triage(BUZZING, HEARING)
    const triaged = await listOf(RINGING)
    expect(triaged).toEqual([
      {title: BUZZING, provenance: 'curated'},
      {title: AT_NIGHT, provenance: 'imported'},
    ])
    const decided = await question(RINGING)
    expect(decided.exclusions?.map((exclusion) => exclusion.sourceTitle ?? null)).toEqual([
      HEARING,
      null,
    ])

    // The same archive again: nothing to do, nothing written.
    const same = await importThreads(ringing(), ...others)
    expect(same.threads.find((t) => t.title === RINGING)).toMatchObject({outcome: 'unchanged'})
    expect((await question(RINGING))._rev).toBe(decided._rev)

    // The source page changed its text and now lists the computed thread an editor excluded:
    // the question follows the source, and the editor's decisions hold.
    const changed = ringing({
      question: paragraphs('The ringing started after a loud concert two days ago.'),
      similar: [{title: AT_NIGHT}, {title: BUZZING}, {title: HEARING}, {title: JAW}],
    })
    const update = await importThreads(changed, ...others)
    expect(update.threads.find((t) => t.title === RINGING)).toMatchObject({outcome: 'updated'})
    const updated = await question(RINGING)
    expect(updated.text).toBe('The ringing started after a loud concert two days ago.')
    expect(await listOf(RINGING)).toEqual(triaged)
    expect(updated.exclusions).toEqual(decided.exclusions)
    expect(updated.contentHash).toBe(stableHash(importedQuestionContent(await raw(updated._id))))
    const again = await importThreads(changed, ...others)
    expect(again.threads.find((t) => t.title === RINGING)).toMatchObject({outcome: 'unchanged'})

    // Un-excluding a source entry puts it back among the source page's entries; still unedited.
    const exclusion = updated.exclusions?.[0]
    await apply(
      updated._id,
      unexcludePatches(updated.similar, updated.exclusions, exclusion?._key ?? ''),
    )
    expect(await listOf(RINGING)).toEqual([...triaged, {title: HEARING, provenance: 'imported'}])
    const restored = await importThreads(changed, ...others)
    expect(restored.threads.find((t) => t.title === RINGING)).toMatchObject({
      outcome: 'unchanged',
    })
    expect(await listOf(RINGING)).toEqual([...triaged, {title: HEARING, provenance: 'imported'}])
  })

  it('still treats an edit of the imported text as an edit', async () => {
    await importThreads(ringing(), ...others)
    await triage(AT_NIGHT, BUZZING)
    const {_id} = await question(RINGING)
    await client.patch(_id).set({title: 'Ringing in my right ear after a concert'}).commit()
    const report = await importThreads(ringing(), ...others)
    expect(report.threads.find((t) => t.ids[0] === _id)).toMatchObject({
      outcome: 'kept',
      reason: 'kept: edited since import',
    })
  })

  it('counts a hash written by an earlier version as unedited, and rewrites it', async () => {
    await importThreads(ringing(), ...others)
    const {_id} = await question(RINGING)
    const document = await raw(_id)
    // Earlier versions hashed the imported entries' titles in list order (not sorted).
    const legacy = stableHash({
      ...importedQuestionContent(document),
      similar: [AT_NIGHT, BUZZING, HEARING],
    })
    expect(legacy).not.toBe(stableHash(importedQuestionContent(document)))
    await client.patch(_id).set({'source.contentHash': legacy}).commit()

    const report = await importThreads(ringing(), ...others)
    expect(report.threads.find((t) => t.ids[0] === _id)).toMatchObject({outcome: 'unchanged'})
    expect((await question(RINGING)).contentHash).toBe(
      stableHash(importedQuestionContent(await raw(_id))),
    )
  })
})

async function raw(id: string): Promise<Record<string, unknown>> {
  const document = await client.getDocument(id)
  if (!document) throw new Error(`no document ${id}`)
  return document
}
