import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {HEALTH_SET, isHealthQuestion} from '../health.ts'
import {loadRealSets, type RealSetMeta} from '../sets.ts'

// A prepared "quora" set of our own lines: the health subset keeps its corpus and the queries
// whose question names a health topic, and never a train fold.

const CORPUS = [
  {id: 'quora:1a', title: 'What helps a migraine that lasts two days?'},
  {id: 'quora:1b', title: 'How do I stop a two-day migraine?'},
  {id: 'quora:2a', title: 'Which laptop is best for drawing?'},
  {id: 'quora:2b', title: 'What laptop should an illustrator buy?'},
  {id: 'quora:3a', title: 'Is it safe to take two different pills for a cold together?'},
  {id: 'quora:3b', title: 'Can I combine two cold medicines?'},
]
const query = (a: string, b: string) => ({query: a, relevant: [b]})
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'health-'))
  const setDir = join(dir, 'quora')
  await mkdir(setDir)
  const jsonl = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n')
  const meta = {name: 'quora', stats: {dev: 2, test: 2, train: 1}} as unknown as RealSetMeta
  await writeFile(join(setDir, 'meta.json'), JSON.stringify(meta))
  await writeFile(join(setDir, 'corpus.jsonl'), jsonl(CORPUS))
  await writeFile(
    join(setDir, 'dev.jsonl'),
    jsonl([query('quora:1a', 'quora:1b'), query('quora:2a', 'quora:2b')]),
  )
  await writeFile(
    join(setDir, 'test.jsonl'),
    jsonl([query('quora:3b', 'quora:3a'), query('quora:2b', 'quora:2a')]),
  )
  await writeFile(join(setDir, 'train.jsonl'), jsonl([query('quora:1b', 'quora:1a')]))
})

afterAll(() => rm(dir, {recursive: true, force: true}))

it('finds health questions by the topic words of their own line', () => {
  expect(
    isHealthQuestion({id: 'x', title: 'Why does my knee hurt after running? Joints ache'}),
  ).toBe(true)
  expect(isHealthQuestion({id: 'x', title: 'What causes back pain when sitting?'})).toBe(true)
  expect(isHealthQuestion({id: 'x', title: 'Which laptop is best for drawing?'})).toBe(false)
  // Whole words only: "paint" is not "pain", "skinny jeans" not "skin".
  expect(isHealthQuestion({id: 'x', title: 'Which paint dries fastest on skinny frames?'})).toBe(
    false,
  )
})

it('makes the quora-health set from the quora set when asked for, with its whole corpus', async () => {
  const [health] = await loadRealSets(dir, [HEALTH_SET])
  expect(health?.name).toBe(HEALTH_SET)
  expect(health?.corpus).toHaveLength(CORPUS.length)
  expect(health?.dev.map(({query}) => query)).toEqual(['quora:1a'])
  expect(health?.test.map(({query}) => query)).toEqual(['quora:3b'])
  expect(health?.train).toEqual([])
  expect(health?.meta.stats).toMatchObject({dev: 1, test: 1, train: 0})
  // Asked for by name only: the parent is read for it but not returned.
  expect((await loadRealSets(dir, ['quora'])).map((set) => set.name)).toEqual(['quora'])
  expect((await loadRealSets(dir)).map((set) => set.name)).toEqual(['quora', HEALTH_SET])
})
