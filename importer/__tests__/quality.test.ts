import {execFile} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'
import {textToPortableText} from '../portableText.ts'
import type {ThreadRecord, ThreadReply} from '../record.ts'
import {runImport} from '../run.ts'
import {clientTarget} from '../target.ts'

// Quality flags through the whole pipeline, against a real embedded lake: what is stored, counted
// and reported, and how re-imports treat flags editors dismissed and text that was fixed.

let lake: TestLake

beforeEach(async () => {
  lake = await startTestLake()
})

afterEach(() => lake.close())

const paragraphs = (text: string) => textToPortableText(text, 'p')
const NOW = new Date('2024-06-01T00:00:00Z')
const LATER = new Date('2024-07-01T00:00:00Z')

function answer(body: string, overrides: Partial<ThreadReply> = {}): ThreadReply {
  return {
    doctor: 'Dr. Pan Yuwen',
    specialty: 'Otolaryngology',
    body: paragraphs(body),
    repliedAt: '2017-08-03',
    ...overrides,
  }
}

function thread(title: string, overrides: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    origin: {format: 'jsonl', file: 'archive.jsonl', line: 1},
    url: `https://qa.example.org/t/${encodeURIComponent(title)}`,
    title,
    specialty: 'Otolaryngology',
    question: paragraphs(`My nose has been blocked on one side for a month (${title}). What now?`),
    asker: {name: 'Tsai', age: '30~39', gender: 'female'},
    askedAt: '2017-08-01',
    replies: [answer('Rinse with saline twice a day and see a clinic if it lasts.')],
    similar: [],
    tags: [],
    ...overrides,
  }
}

function importThreads(threads: ThreadRecord[], now = NOW) {
  async function* records() {
    for (const record of threads) yield {ok: true as const, record}
  }
  return runImport(records(), clientTarget(lake.client(), {dryRun: false}), {now: () => now})
}

interface Flag {
  code: string
  status: string
  message: string
  raisedAt: string
  dismissedBy?: string
}

async function flagsOf(id: string): Promise<Flag[] | null> {
  return lake.client().fetch('*[_id == $id][0].quality', {id})
}

const okReply = thread('Blocked nose', {replies: [answer('Ok.')]})

describe('quality flags on import', () => {
  it('stores flags on the documents, counts them in the summary and lists them in the report', async () => {
    const refusal = thread('Please provide the text you would like translated')
    const report = await importThreads([okReply, refusal])
    expect(report.summary.flags).toEqual({oneWordReply: 1, machineTranslationRefusal: 1})
    const [first, second] = report.threads
    const replyId = first?.ids[1] ?? ''
    expect(first?.flags).toEqual([
      {id: replyId, code: 'oneWordReply', message: expect.stringMatching(/single word "Ok\."/)},
    ])
    expect(second?.flags).toEqual([
      {id: second?.ids[0], code: 'machineTranslationRefusal', message: expect.any(String)},
    ])
    expect(await flagsOf(replyId)).toEqual([
      expect.objectContaining({
        _key: 'oneWordReply',
        code: 'oneWordReply',
        status: 'open',
        raisedAt: NOW.toISOString(),
      }),
    ])
    expect(await flagsOf(first?.ids[0] ?? '')).toBeNull()
  })

  it('stores a gender the text contradicts as unknown, and remembers what was stated', async () => {
    const mister = thread('Snoring', {replies: [answer('Dear Mr.\nTsai, snoring often improves.')]})
    const {threads} = await importThreads([mister])
    const question = await lake
      .client()
      .fetch('*[_id == $id][0]{asker, quality}', {id: threads[0]?.ids[0]})
    expect(question.asker.gender).toBe('unknown')
    expect(question.quality).toEqual([
      expect.objectContaining({
        code: 'genderContradicted',
        detail: {excerpt: expect.stringContaining('Dear Mr.'), statedGender: 'female'},
      }),
    ])
  })

  it("keeps a signature's other spelling as an alias of the doctor", async () => {
    const signed = thread('Nosebleeds', {
      replies: [answer('Pinch the nose for ten minutes. Dr. Pan Yuh-wen')],
    })
    const unsigned = thread('Sinus pain')
    const {threads} = await importThreads([signed, unsigned])
    expect(threads[0]?.flags).toEqual([
      expect.objectContaining({code: 'doctorSignatureDiffers', id: threads[0]?.ids[1]}),
    ])
    expect(await lake.client().fetch('*[_type == "doctor"]{name, aliases}')).toEqual([
      {name: 'Pan Yuwen', aliases: ['Pan Yuh-wen']},
    ])
  })

  it('never raises a dismissed flag again, also when the source changes', async () => {
    const {threads} = await importThreads([okReply])
    const replyId = threads[0]?.ids[1] ?? ''
    await lake
      .client()
      .patch(replyId)
      .set({
        'quality[_key=="oneWordReply"].status': 'dismissed',
        'quality[_key=="oneWordReply"].dismissedBy': 'Editor',
      })
      .commit()

    const again = await importThreads([okReply], LATER)
    expect(again.threads[0]).toMatchObject({outcome: 'unchanged'})
    expect(again.threads[0]?.flags).toBeUndefined()
    expect(again.summary.flags).toEqual({})

    // Dismissing is no edit: a changed source still updates the reply, and the flag stays dismissed.
    const changed = thread('Blocked nose', {replies: [answer('Yes.')]})
    const updated = await importThreads([changed], LATER)
    expect(updated.threads[0]).toMatchObject({outcome: 'updated'})
    expect(await flagsOf(replyId)).toEqual([
      expect.objectContaining({code: 'oneWordReply', status: 'dismissed', dismissedBy: 'Editor'}),
    ])
  })

  it('clears an open flag when the source text was fixed, and refreshes one still raised', async () => {
    const {threads} = await importThreads([okReply])
    const replyId = threads[0]?.ids[1] ?? ''
    const reworded = await importThreads(
      [thread('Blocked nose', {replies: [answer('Yes')]})],
      LATER,
    )
    expect(reworded.threads[0]).toMatchObject({outcome: 'updated'})
    expect(await flagsOf(replyId)).toEqual([
      expect.objectContaining({
        code: 'oneWordReply',
        status: 'open',
        raisedAt: NOW.toISOString(),
        message: expect.stringContaining('"Yes"'),
      }),
    ])
    const fixed = await importThreads([thread('Blocked nose')], LATER)
    expect(fixed.threads[0]).toMatchObject({outcome: 'updated'})
    expect(await flagsOf(replyId)).toBeNull()
  })

  it('flags threads imported before the detectors existed, without changing their content', async () => {
    const {threads} = await importThreads([okReply])
    const replyId = threads[0]?.ids[1] ?? ''
    await lake.client().patch(replyId).unset(['quality']).commit()
    const again = await importThreads([okReply], LATER)
    expect(again.threads[0]).toMatchObject({outcome: 'unchanged', flags: [{code: 'oneWordReply'}]})
    expect(await flagsOf(replyId)).toEqual([
      expect.objectContaining({code: 'oneWordReply', raisedAt: LATER.toISOString()}),
    ])
    const third = await importThreads([okReply], LATER)
    expect(third.threads[0]).toMatchObject({outcome: 'unchanged'})
  })

  it('flags the later of two questions repeated in one run, and one repeating the dataset', async () => {
    const text = paragraphs('My ears pop every time I swallow and my hearing is muffled. Why?')
    const asked = (title: string, askedAt: string) => thread(title, {question: text, askedAt})
    const first = await importThreads([
      asked('Ears pop (b)', '2017-09-01'),
      asked('Ears pop (a)', '2017-08-01'),
    ])
    const [later, original] = first.threads
    expect(later?.flags).toEqual([
      expect.objectContaining({
        code: 'duplicateQuestion',
        message: expect.stringContaining('"Ears pop (a)"'),
      }),
    ])
    expect(original?.flags).toBeUndefined()
    expect(first.summary.flags).toEqual({duplicateQuestion: 1})
    const stored = await flagsOf(later?.ids[0] ?? '')
    expect(stored?.[0]).toMatchObject({
      detail: {duplicateOf: {_ref: original?.ids[0], _weak: true}},
    })

    const next = await importThreads([asked('Ears pop (c)', '2018-01-01')])
    expect(next.threads[0]?.flags).toEqual([expect.objectContaining({code: 'duplicateQuestion'})])
    const again = await importThreads([asked('Ears pop (a)', '2017-08-01')])
    expect(again.threads[0]).toMatchObject({outcome: 'unchanged'})
    expect(again.threads[0]?.flags).toBeUndefined()
  })

  it('prints the flags in the summary line and the report of npm run import', async () => {
    const input = join(lake.dataDir, 'flagged.jsonl')
    const reportFile = join(lake.dataDir, 'report.json')
    await writeFile(
      input,
      JSON.stringify({
        url: 'https://qa.example.org/t/dry-mouth',
        title: 'Dry mouth at night',
        question: 'My mouth is dry every morning. Could it be my medicine?',
        askedAt: '2017-08-01',
        replies: [{doctor: 'Dr. Pan Yuwen', body: 'Ok.', repliedAt: '2017-08-02'}],
      }),
    )
    const {stdout} = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', 'scripts', 'import.ts'),
        input,
        '--report',
        reportFile,
      ],
      {
        env: {
          ...process.env,
          SANITY_PROJECT_ID: '',
          SANITY_DATASET: 'test',
          LAKE_DATA_DIR: lake.dataDir,
          LAKE_TOKEN: TEST_TOKEN,
        },
      },
    )
    expect(stdout).toContain('; flags: 1 one-word reply; ')
    const written = JSON.parse(await readFile(reportFile, 'utf8'))
    expect(written.summary.flags).toEqual({oneWordReply: 1})
    expect(written.threads[0].flags).toEqual([
      {id: expect.stringMatching(/^reply-/), code: 'oneWordReply', message: expect.any(String)},
    ])
  })
})
