import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readInputs} from '../importer/inputs.ts'
import {type ImportReport, runImport} from '../importer/run.ts'
import {clientTarget} from '../importer/target.ts'
import {
  DEFAULT_COMPUTED_LIMIT,
  loadSimilarIndex,
  rankSimilar,
  recomputeAfterImport,
} from '../similar/index.ts'
import {startTestLake, type TestLake} from './support/lake.ts'

// The sample archive `npm start` imports on first run, imported the same way into a test lake:
// it must import cleanly and show what the product does — many specialties, doctors who answer
// several threads, shared FAQ tags, Similar Q&A lists that link sample threads, and near-duplicate
// questions (sample/near-duplicates.json) that the similar-thread engine puts together.

const SAMPLE = join(import.meta.dirname, '..', 'sample')

interface NearDuplicateGroup {
  topic: string
  wording: string
  titles: string[]
}

interface QuestionLists {
  _id: string
  title: string
  imported: string[] | null
  unresolved: number
  computed: string[] | null
}

let lake: TestLake
let report: ImportReport
let groups: NearDuplicateGroup[]
let questions: QuestionLists[]

beforeAll(async () => {
  lake = await startTestLake()
  report = await runImport(
    readInputs([join(SAMPLE, 'archive')]),
    clientTarget(lake.client(), {dryRun: false}),
  )
  // As `npm start` does after its first-run import.
  await recomputeAfterImport(lake.client(), report)
  const manifest = JSON.parse(await readFile(join(SAMPLE, 'near-duplicates.json'), 'utf8')) as {
    groups: NearDuplicateGroup[]
  }
  groups = manifest.groups
  questions = await lake.client().fetch<QuestionLists[]>(
    `*[_type == "question"]{
      _id, title,
      "imported": similar[provenance == "imported" && defined(question._ref)].question._ref,
      "unresolved": count(similar[provenance == "imported" && !defined(question._ref)]),
      "computed": similar[provenance == "computed"].question._ref
    }`,
  )
}, 120_000)

afterAll(() => lake.close())

/** Question id by title; fails the test when the manifest names a thread the sample lacks. */
function idOf(title: string): string {
  const found = questions.filter((question) => question.title === title)
  expect(found, `questions titled "${title}"`).toHaveLength(1)
  return found[0]?._id ?? ''
}

describe('the sample archive', () => {
  it('imports every thread without a problem', () => {
    expect(report.stopped).toBeUndefined()
    expect(report.problems).toEqual([])
    expect(report.summary).toMatchObject({failed: 0, collisions: 0, skipped: 0, kept: 0})
    expect(report.summary.created).toBe(report.summary.read)
    // The one deliberately flagged reply ("Ok."), for the Studio's "Flagged on import" list.
    expect(report.summary.flags).toEqual({oneWordReply: 1})
    // Names are reduced to initials; nothing in the medical text looks like contact details.
    expect(report.summary.privacy).toMatchObject({email: 0, phone: 0, messenger: 0, url: 0})
  })

  it('holds at least 120 threads over at least 10 specialties, with several doctors each', async () => {
    expect(questions.length).toBeGreaterThanOrEqual(120)
    const specialties = await lake.client().fetch<{name: string; doctors: number}[]>(
      `*[_type == "specialty" && count(*[_type == "question" && references(^._id)]) >= 5]{
        name,
        "doctors": count(array::unique(*[_type == "reply" && question->specialty._ref == ^._id].doctor._ref))
      }`,
    )
    expect(specialties.length).toBeGreaterThanOrEqual(10)
    for (const specialty of specialties)
      expect(specialty.doctors, specialty.name).toBeGreaterThanOrEqual(2)
    const busyDoctors = await lake
      .client()
      .fetch<number>(
        'count(*[_type == "doctor" && count(*[_type == "reply" && references(^._id)]) >= 3])',
      )
    expect(busyDoctors).toBeGreaterThanOrEqual(20)
  })

  it('tags every thread, with FAQ tags shared across threads', async () => {
    const untagged = await lake
      .client()
      .fetch<string[]>('*[_type == "question" && count(tags) == 0].title')
    expect(untagged).toEqual([])
    const shared = await lake
      .client()
      .fetch<number>(
        'count(*[_type == "faqTag" && count(*[_type == "question" && references(^._id)]) >= 2])',
      )
    expect(shared).toBeGreaterThanOrEqual(40)
  })

  it('links every Similar Q&A title to a thread of the sample', () => {
    expect(questions.filter((question) => question.unresolved > 0).map((q) => q.title)).toEqual([])
    const withFour = questions.filter((question) => question.imported?.length === 4)
    expect(withFour.length).toBeGreaterThanOrEqual(120)
  })

  it('lists near-duplicates in groups of two or three, none linked to another by its page', () => {
    expect(groups.length).toBeGreaterThanOrEqual(20)
    for (const group of groups) {
      expect(group.titles.length, group.topic).toBeGreaterThanOrEqual(2)
      const ids = group.titles.map(idOf)
      // The engine must find them: no near-duplicate lists another under "Similar Q&A".
      for (const id of ids) {
        const imported = questions.find((question) => question._id === id)?.imported ?? []
        expect(
          imported.filter((target) => ids.includes(target)),
          group.topic,
        ).toEqual([])
      }
    }
  })

  it('puts each near-duplicate next to the others of its group in the computed similar lists', () => {
    const missed: string[] = []
    for (const group of groups) {
      const ids = group.titles.map(idOf)
      for (const [index, id] of ids.entries()) {
        const computed = questions.find((question) => question._id === id)?.computed ?? []
        for (const [other, partner] of ids.entries())
          if (partner !== id && !computed.includes(partner))
            missed.push(`"${group.titles[index]}" does not list "${group.titles[other]}"`)
      }
    }
    expect(missed).toEqual([])
  })

  it("ranks each near-duplicate's partners among its four most similar threads", async () => {
    const index = await loadSimilarIndex(lake.client())
    const missed: string[] = []
    for (const group of groups) {
      const ids = group.titles.map(idOf)
      for (const [position, id] of ids.entries()) {
        const top = rankSimilar(index, id, DEFAULT_COMPUTED_LIMIT).map((ranked) => ranked._id)
        for (const [other, partner] of ids.entries())
          if (partner !== id && !top.includes(partner))
            missed.push(`"${group.titles[position]}" misses "${group.titles[other]}"`)
      }
    }
    expect(missed).toEqual([])
  })
})
