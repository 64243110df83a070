import {describe, expect, it} from 'vitest'
import {DEFAULT_RANKER, inputHash, type SimilarSource} from '../config.ts'
import {generateArchive} from '../../bench/generate.ts'
import {generateLabelledSet} from '../../bench/similar/labelled.ts'
import {type Ranked, rankSimilar, SimilarIndex} from '../ranker.ts'
import {plainText} from '../../domain/portableText.ts'

const set = generateLabelledSet({seed: 7})
const questions: SimilarSource[] = set.questions

function source(id: string, title: string, body: string, extra: Partial<SimilarSource> = {}) {
  return {_id: id, title, body, tags: [], ...extra}
}

describe('SimilarIndex', () => {
  it('ranks the paraphrase above questions that only share words', () => {
    const index = SimilarIndex.build([
      source('calf', 'Calf muscle twitching for weeks', 'My calf twitches all day long.'),
      source('calf2', 'Fasciculations in my lower leg', 'The muscles in my calves keep jumping.'),
      source('eyelid', 'Eyelid twitching', 'My left eyelid twitches when I read.'),
      source('cramp', 'Leg cramps at night', 'My calf cramps wake me up.'),
      source('other', 'Itchy rash on the arms', 'Red itchy patches after a hot shower.'),
      // Unrelated questions, so that a word in two of the five above is not a common word.
      source('f1', 'Knee hurts after running', 'My knee hurts after a long run.'),
      source('f2', 'Ear ringing at night', 'I hear ringing in my left ear.'),
      source('f3', 'Cough that will not go away', 'Dry cough for three weeks.'),
      source('f4', 'Blurry vision when reading', 'Letters get blurry.'),
      source('f5', 'Cold feet all winter', 'My feet are always cold.'),
    ])
    const ranked = rankSimilar(index, 'calf', 3)
    expect(ranked.map((r) => r._id)[0]).toBe('calf2')
    expect(ranked.map((r) => r._id)).not.toContain('calf')
    expect(ranked.map((r) => r._id)).not.toContain('other')
    expect(ranked.every((r, i) => i === 0 || (ranked[i - 1]?.score ?? 0) >= r.score)).toBe(true)
    expect(rankSimilar(index, 'unknown', 4)).toEqual([])
  })

  it('adds tag and specialty bonuses on top of the text score', () => {
    const docs = [
      source('q', 'Knee pain when climbing stairs', 'The knee hurts going up.', {
        specialty: 'ortho',
        tags: ['knee'],
      }),
      source('a', 'Knee pain when climbing stairs', 'The knee hurts going up.', {specialty: 'x'}),
      source('b', 'Knee pain when climbing stairs', 'The knee hurts going up.', {
        specialty: 'ortho',
        tags: ['knee'],
      }),
      source('filler', 'Headache', 'Head hurts.'),
    ]
    const index = SimilarIndex.build(docs)
    const [first, second] = index.rank('q', 2)
    expect(first?._id).toBe('b')
    expect((first?.score ?? 0) - (second?.score ?? 0)).toBeCloseTo(
      DEFAULT_RANKER.tagWeight + DEFAULT_RANKER.specialtyWeight,
      6,
    )
    expect(index.scoreFor('q', 'b')).toBeCloseTo(first?.score ?? 0, 9)
  })

  it('gives the same rankings after upserts, removals and compaction as a fresh build', () => {
    const base = questions.slice(0, 120)
    const later = questions.slice(120)
    const index = SimilarIndex.build(base)
    for (const question of later) index.upsert(question)
    // Edit one, delete one, then compare against an index built from the end state.
    const edited = {...(questions[5] as SimilarSource), title: 'Eyelid twitching every evening'}
    const deleted = questions[9]?._id ?? ''
    index.upsert(edited)
    index.remove(deleted)
    const endState = questions
      .filter((q) => q._id !== deleted)
      .map((q) => (q._id === edited._id ? edited : q))
    const fresh = SimilarIndex.build(endState)
    const compare = () => {
      for (const q of endState.slice(0, 60)) {
        const a = index.rank(q._id, 5)
        const b = fresh.rank(q._id, 5)
        expect(a.map((r) => r._id)).toEqual(b.map((r) => r._id))
        a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]?.score ?? 0, 9))
      }
    }
    compare()
    expect(index.stats().deltaQuestions).toBeGreaterThan(0)
    index.compact()
    expect(index.stats().deltaQuestions).toBe(0)
    compare()
    expect(index.size).toBe(endState.length)
    expect(index.has(deleted)).toBe(false)
    expect(index.inputHash(edited._id)).toBe(inputHash(edited))
  })

  it('does not re-analyse an unchanged question, only records its new revision', () => {
    const index = SimilarIndex.build(questions.slice(0, 10))
    const first = questions[0] as SimilarSource
    index.upsert({...first, _rev: 'r2'})
    expect(index.revision(first._id)).toBe('r2')
    expect(index.stats().deltaQuestions).toBe(0)
  })
})

describe('SimilarIndex pruning', () => {
  // The bench archive generator: long bodies over a small vocabulary, so every query term is
  // common and the pruned walk skips most postings; plus the labelled set (paraphrase clusters).
  const archiveSources = (threads: number, seed: number): SimilarSource[] =>
    generateArchive({threads, seed}).questions.map((question) => ({
      _id: question._id,
      title: question.title ?? '',
      body: plainText(question.body),
      tags: (question.tags ?? []).map((tag) => tag._ref),
      ...(question.specialty ? {specialty: question.specialty._ref} : {}),
    }))
  const archiveQuestions = archiveSources(1000, 11)

  /** Every ranking of `index` with pruning on and off, for the given limits and exclusions. */
  function bothWays(index: SimilarIndex, ids: string[], limit: number, exclude = 0) {
    const pruned: Ranked[][] = []
    const full: Ranked[][] = []
    for (const id of ids) {
      const others = new Set(index.rank(id, exclude).map((r) => r._id))
      index.setPruning(true)
      pruned.push(index.rank(id, limit, others))
      index.setPruning(false)
      full.push(index.rank(id, limit, others))
    }
    index.setPruning(true)
    return {pruned, full}
  }

  it('gives the full walk’s top lists, scores to the last bit', () => {
    const index = SimilarIndex.build(archiveQuestions)
    const ids = index.questionIds().filter((_, i) => i % 2 === 0)
    for (const [limit, exclude] of [
      [1, 0],
      [4, 0],
      [4, 3],
      [50, 0],
    ] as const) {
      const {pruned, full} = bothWays(index, ids, limit, exclude)
      expect(pruned).toEqual(full)
      expect(pruned.every((list) => list.length === limit)).toBe(true)
    }
    // Most query terms were skipped, so the lists above came from the pruned walk.
    expect(index.stats().skippedTerms).toBeGreaterThan(ids.length * 4 * 5)
  })

  it('gives the full walk’s top lists on paraphrase clusters and after edits', () => {
    const index = SimilarIndex.build(questions.slice(0, 150))
    for (const question of questions.slice(150)) index.upsert(question)
    index.upsert({...(questions[3] as SimilarSource), body: 'My eyelid twitches every evening.'})
    index.remove(questions[8]?._id ?? '')
    expect(index.stats().deltaQuestions).toBeGreaterThan(0)
    const ids = index.questionIds()
    const {pruned, full} = bothWays(index, ids, 4, 2)
    expect(pruned).toEqual(full)
    expect(index.stats().skippedTerms).toBeGreaterThan(0)
  })

  it('gives the full walk’s top lists when most questions were added after the build', () => {
    // Added questions have postings of their own (delta), read after the built ones.
    const index = SimilarIndex.build(archiveQuestions.slice(0, 300))
    for (const question of archiveQuestions.slice(300)) index.upsert(question)
    expect(index.stats().deltaQuestions).toBe(archiveQuestions.length - 300)
    const ids = index.questionIds().filter((_, i) => i % 3 === 0)
    const {pruned, full} = bothWays(index, ids, 4, 2)
    expect(pruned).toEqual(full)
    expect(index.stats().skippedTerms).toBeGreaterThan(ids.length * 4)
  })

  it('gives the full walk’s top lists when a term reaches thousands (more questions raise the bar)', () => {
    // Past 2,304 questions reached (9 × RAISE_PER), a step scores more than 8 in full.
    const index = SimilarIndex.build(archiveSources(4000, 12))
    const ids = index.questionIds().filter((_, i) => i % 40 === 0)
    for (const limit of [4, 10]) {
      const {pruned, full} = bothWays(index, ids, limit)
      expect(pruned).toEqual(full)
    }
    expect(index.stats().skippedTerms).toBeGreaterThan(ids.length * 2 * 4)
  })

  it('gives the full walk’s pool when feedback reranks it', () => {
    const index = SimilarIndex.build(archiveQuestions.slice(0, 400), {
      ...DEFAULT_RANKER,
      prfWeight: 0.1,
    })
    const {pruned, full} = bothWays(index, index.questionIds().slice(0, 100), 4)
    expect(pruned).toEqual(full)
  })
})
