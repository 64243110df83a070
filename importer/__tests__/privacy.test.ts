import {toPlainText} from '@portabletext/toolkit'
import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {readInputs} from '../inputs.ts'
import {scrubRecord} from '../privacy.ts'
import type {ThreadRecord} from '../record.ts'
import {type ImportReport, runImport} from '../run.ts'
import {clientTarget} from '../target.ts'
import {parsePageText} from '../parse/pageText.ts'

// The privacy step end to end: personal data in every field of a thread, in each input format,
// never reaches a stored document (slugs, titles, tags, Similar Q&A entries and link targets
// included), while the numbers that are the medicine survive; every mask is in the report.

const SEED = join(import.meta.dirname, '../../../shared/seeds/000_218b8b56eb9e42cc.txt')

let lake: TestLake
let dir: string

beforeEach(async () => {
  lake = await startTestLake()
  dir = await mkdtemp(join(tmpdir(), 'privacy-import-'))
})

afterEach(async () => {
  await lake.close()
  await rm(dir, {recursive: true, force: true})
})

async function importFiles(files: Record<string, string>): Promise<ImportReport> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  const paths = Object.keys(files).map((name) => join(dir, name))
  return runImport(readInputs(paths), clientTarget(lake.client(), {dryRun: false}))
}

/** Every stored document of the dataset, as one JSON text to search. */
async function everything(): Promise<string> {
  return JSON.stringify(await lake.client({perspective: 'raw'}).fetch('*'))
}

const numbersIn = (text: string) => (text.match(/\d+(?:[.,/~:-]\d+)*/g) ?? []).sort()

/** My own thread, in the seed's page shape, with personal data in every field. */
const LEAKY_PAGE = `Knee Pain for Wong Kaiming after Running, mail wong.kaiming@example.net - Orthopedics

Share to:

Wong Kaiming's knee, call 0933-222-111


My knee hurts after running 5-10 km. I weigh 72 kg and I am 175 cm tall. I take 400 mg of ibuprofen 2 times a day. My blood pressure was 128/84 and I eat about 1800-2000 kcal.
You can reach me on LINE ID: kaiming_wong88 or at wong.kaiming at gmail dot com, phone +852 9123 4567.

WONG KAIMING, 30~39 year old male. Ask Date: 2019/05/03

Dr. Lo Wai-man reply Orthopedics


Dear Mr.
Wong, rest for 2-3 weeks and ice the knee for 15 minutes 3 times a day. Kaiming, if the pain lasts beyond 6 weeks, an MRI is advisable.

Reply Date: 2019/05/05

Similar Q&A

Runner's knee: call 0988 777 666 for Mr. Chan

Related FAQ

Knee pain (contact knee.help@example.org)
`

const LEAKED = [
  'Kaiming',
  'KAIMING',
  'Wong',
  'wong.kaiming',
  '0933-222-111',
  'kaiming_wong88',
  'gmail dot com',
  '9123 4567',
  '0988 777 666',
  'knee.help@example.org',
  'Chan',
]

describe('importing personal data', () => {
  it('masks it in every field of a page and keeps the medical numbers', async () => {
    const report = await importFiles({'leaky.txt': LEAKY_PAGE})
    expect(report.summary.failed).toBe(0)
    const stored = await everything()
    for (const leaked of LEAKED) expect(stored, leaked).not.toContain(leaked)
    expect(stored.toLowerCase()).not.toContain('kaiming')
    for (const number of ['5-10 km', '72 kg', '175 cm', '400 mg', '128/84', '1800-2000 kcal'])
      expect(stored, number).toContain(number)
    for (const doctor of ['Lo Wai-man']) expect(stored).toContain(doctor)
    const question = await lake
      .client()
      .fetch<{title: string; slug: string; shortTitle: string}>(
        '*[_type == "question"][0]{title, "slug": slug.current, shortTitle}',
      )
    expect(question.title).toBe('Knee Pain for W. after Running, mail [email removed]')
    expect(question.slug).not.toMatch(/wong|kaiming|example/)
    const categories = new Set(report.threads[0]?.masks?.map((mask) => mask.category))
    expect(categories).toEqual(new Set(['askerName', 'email', 'phone', 'messenger']))
    expect(report.threads[0]?.masks).toContainEqual({
      field: 'replies[0].body',
      category: 'askerName',
      before: 'Wong',
      after: 'W.',
    })
  })

  it('removes mailto links of saved HTML along with the address they show', async () => {
    const html = `<html><head><title>Hoarse voice - ENT</title></head><body>
      <h1>Hoarse voice - ENT</h1>
      <div class="question"><p>My voice is hoarse for 3 weeks. Write to
        <a href="mailto:ho.lingling@example.com">ho.lingling@example.com</a> or
        <a href="https://wa.me/85291234567">chat</a>.</p>
      <p class="asker">HO LINGLING, 40~49 year old female. Ask Date: 2020/01/02</p></div>
      </body></html>`
    const report = await importFiles({'voice.html': html})
    expect(report.summary.failed).toBe(0)
    const stored = await everything()
    expect(stored).not.toContain('ho.lingling')
    expect(stored).not.toContain('mailto:')
    expect(stored).not.toContain('85291234567')
    expect(stored).toContain('3 weeks')
  })

  it('masks it in JSONL fields and tag names', async () => {
    const line = {
      url: 'https://qa.example.org/t/42',
      title: 'Headache since May, Ms. Tsai asks',
      shortTitle: 'Tsai Yuhan headache',
      question: 'I have had headaches since May 2019. My number is 0912 345 678.',
      asker: {name: 'Tsai Yuhan', age: '20~29', gender: 'female'},
      askedAt: '2019-06-01',
      replies: [{doctor: 'Dr. Kuo Mingde', body: 'Hello Ms. Tsai, keep a diary.'}],
      similar: [{title: 'Headache and 0912-000-111'}],
      tags: [{name: 'Headache tsai.yuhan@example.com', specialty: 'Neurology'}],
    }
    await importFiles({'threads.jsonl': `${JSON.stringify(line)}\n`})
    const stored = await everything()
    for (const leaked of ['Tsai', 'Yuhan', '0912 345 678', '0912-000-111', 'tsai.yuhan'])
      expect(stored, leaked).not.toContain(leaked)
    expect(stored).toContain('May 2019')
    expect(stored).toContain('Kuo Mingde')
  })

  it('still links Similar Q&A titles that named an asker to their thread', async () => {
    const first = {
      url: 'https://qa.example.org/t/1',
      title: "Lim Boon Keng's ankle sprain",
      question: 'My ankle is swollen.',
      asker: {name: 'Lim Boon Keng', age: '30~39', gender: 'male'},
    }
    const second = {
      url: 'https://qa.example.org/t/2',
      title: 'Sprained wrist',
      question: 'My wrist hurts.',
      similar: [{title: "Lim Boon Keng's ankle sprain"}],
    }
    await importFiles({
      'a.jsonl': `${JSON.stringify(first)}\n`,
      'b.jsonl': `${JSON.stringify(second)}\n`,
    })
    const target = await lake
      .client()
      .fetch<string | null>('*[title == "Sprained wrist"][0].similar[0].question->title')
    expect(target).toBe("L.'s ankle sprain")
  })
})

describe.skipIf(!existsSync(SEED))('the seed page', () => {
  it('imports with no trace of the asker name and every number intact', async () => {
    const text = readFileSync(SEED, 'utf8')
    const parsed = parsePageText(text, {format: 'text', file: SEED})
    if (!parsed.ok) throw new Error(parsed.failure.reason)
    const report = await importFiles({'seed.txt': text})
    expect(report.summary.failed).toBe(0)
    expect((await everything()).toLowerCase()).not.toContain('chen')
    const {record} = scrubRecord(parsed.record, {keepAskerNames: false})
    const textOf = (thread: ThreadRecord) =>
      [thread.question, ...thread.replies.map((reply) => reply.body), thread.moreInfo ?? []]
        .map((blocks) => toPlainText(blocks))
        .join('\n')
    expect(numbersIn(textOf(record))).toEqual(numbersIn(textOf(parsed.record)))
  })
})
