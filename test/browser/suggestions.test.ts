import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {textToPortableText} from '../../importer/portableText.ts'
import type {ParseResult, ThreadRecord} from '../../importer/record.ts'
import {runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {computeSimilar} from '../../similar/compute.ts'
import {type SimilarWatcher, watchSimilar} from '../../similar/watch.ts'
import {launchChromium} from '../support/chromium.ts'
import {type StudioArchive, startStudioArchive} from '../support/studioArchive.ts'
import {publishWhenSettled, UI_TIMEOUT} from '../support/studioPane.ts'

// An editor triaging a question's similar threads in the Studio: the sample archive plus a few
// more knee and running threads, lists precomputed, and the freshness worker running as
// under `npm start`. The editor pins one suggestion and excludes another, publishes, and sees the
// recomputed list: the pin first, the excluded thread gone, the next best in its place. Then
// un-pins and un-excludes. Screenshots in test-results/suggestions/.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'suggestions')
const QUESTION = 'Kneecap Pain After Running: Causes and Exercises'

/** More threads about knees and running, so the question has more candidates than places. */
const KNEE_THREADS: [title: string, text: string][] = [
  [
    'Pain Around the Kneecap When Running Downhill',
    'Every time I run downhill the front of my knee aches around the kneecap. Flat runs are fine.',
  ],
  [
    'Runner’s Knee: Can I Keep Training?',
    'My physiotherapist says I have runner’s knee. The kneecap hurts after long runs. Must I stop running?',
  ],
  [
    'Knee Pain After Starting to Jog',
    'I started jogging a month ago and now both knees hurt under the kneecap after each run.',
  ],
  [
    'Sharp Kneecap Pain on Stairs After Marathon Training',
    'Since I increased my marathon training my kneecap hurts going down stairs and after running.',
  ],
  [
    'Swollen Knee After a Long Run',
    'After a 20 km run my knee was swollen and the kneecap felt stiff the next morning.',
  ],
  [
    'Outer Knee Pain in Runners',
    'The outside of my knee hurts after about five kilometres of running and I have to stop.',
  ],
  [
    'Does Running Damage the Knees?',
    'I run three times a week and sometimes my knees ache afterwards. Will running wear out my knee joints?',
  ],
]

function kneeThread([title, text]: [string, string], index: number): ThreadRecord {
  return {
    origin: {format: 'jsonl', file: 'knees.jsonl', line: index + 1},
    url: `https://qa.example.org/knees/${index + 1}`,
    title,
    specialty: 'Orthopedics',
    question: textToPortableText(text, 'p'),
    askedAt: `2021-0${(index % 9) + 1}-10`,
    replies: [
      {
        doctor: 'Dr. Chou Mingyi',
        specialty: 'Orthopedics',
        body: textToPortableText(
          'Reduce your distance for a few weeks and strengthen your thighs.',
          'p',
        ),
        repliedAt: `2021-0${(index % 9) + 1}-12`,
      },
    ],
    similar: [],
    tags: [{name: 'Knee Pain', specialty: 'Orthopedics'}],
  }
}

async function* records(threads: ThreadRecord[]): AsyncGenerator<ParseResult> {
  for (const record of threads) yield {ok: true, record}
}

let archive: StudioArchive | undefined
let freshness: SimilarWatcher | undefined
let browser: Browser | undefined

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  archive = await startStudioArchive()
  const more = await runImport(
    records(KNEE_THREADS.map(kneeThread)),
    clientTarget(archive.writer, {dryRun: false}),
  )
  expect(more.summary.created).toBe(KNEE_THREADS.length)
  await computeSimilar(archive.writer)
  freshness = watchSimilar({client: archive.writer, debounceMs: 50})
  await freshness.ready
  browser = await launchChromium(['--ignore-certificate-errors'])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await freshness?.stop()
  await archive?.close()
})

interface Entry {
  question: string
  origin: string
  score: string
}

/** The entries the similar threads input shows, top to bottom. */
async function shownEntries(pane: Locator): Promise<Entry[]> {
  const rows = pane.getByTestId('similar-entry')
  const entries: Entry[] = []
  for (const row of await rows.all()) {
    entries.push({
      question: (await row.getAttribute('data-question')) ?? '',
      origin: (await row.getAttribute('data-origin')) ?? '',
      score: (await row.getByTestId('similar-score').innerText()).trim(),
    })
  }
  return entries
}

async function shownExclusions(pane: Locator): Promise<string[]> {
  const rows = await pane.getByTestId('similar-excluded').all()
  return Promise.all(rows.map(async (row) => (await row.getAttribute('data-question')) ?? ''))
}

const row = (pane: Locator, question: string) =>
  pane.locator(`[data-testid="similar-entry"][data-question="${question}"]`)

const shoot = (page: Page, name: string) =>
  page.screenshot({path: join(SCREENSHOTS, `${name}.png`)})

/**
 * Publishes the open document once Studio shows it saved and valid, and waits until the lake has
 * no draft left and Studio has caught up (Publish disabled again).
 */
async function publish(pane: Locator, isPublished: () => Promise<boolean>) {
  const button = await publishWhenSettled(pane, isPublished)
  await expect.poll(() => button.isDisabled(), {timeout: 30_000, interval: 250}).toBe(true)
}

describe('similar-thread suggestions in the Studio', () => {
  it('pins one suggestion, excludes another, and sees the recomputed list after publishing', async () => {
    if (!browser || !archive) throw new Error('The browser or the archive did not start')
    const {writer, studioUrl} = archive
    const raw = writer.withConfig({perspective: 'raw'})
    const questionId = archive.firstImport.threads.find((t) => t.title === QUESTION)?.ids[0]
    if (!questionId) throw new Error(`The sample archive has no question titled "${QUESTION}"`)
    /** The published list: [target, provenance] per entry. */
    const publishedList = async () =>
      (
        await writer.fetch<{target: string; provenance: string}[] | null>(
          '*[_id == $id][0].similar[]{"target": question._ref, provenance}',
          {id: questionId},
        )
      )?.map(({target, provenance}) => `${target} ${provenance}`) ?? []
    const noDraft = async () => !(await raw.getDocument(`drafts.${questionId}`))

    const page = await browser.newPage({
      ignoreHTTPSErrors: true,
      viewport: {width: 1400, height: 1100},
    })
    const crashes: string[] = []
    page.on('pageerror', (error) => crashes.push(error.message))
    try {
      await page.goto(`${studioUrl}/`)
      await page.waitForURL(/\/signin\?/, {timeout: UI_TIMEOUT})
      await page.getByLabel('Sign-in link or code').fill(archive.signInUrl())
      await page.getByRole('button', {name: 'Sign in'}).click()
      await page.getByTestId('pane-item-All questions').waitFor({timeout: UI_TIMEOUT})
      // Straight to the question (Studio's edit intent), whatever the lists hold.
      await page.goto(`${studioUrl}/intent/edit/id=${questionId};type=question/`)
      const pane = page.getByTestId('document-pane')
      await pane.getByTestId('group-tab-medical').click({timeout: UI_TIMEOUT})
      await pane
        .getByTestId('similar-entry')
        .first()
        .waitFor({state: 'visible', timeout: UI_TIMEOUT})

      // The stored list, as computed: each computed entry with its score.
      const before = await shownEntries(pane)
      expect(before.map((e) => `${e.question} ${e.origin}`)).toEqual(await publishedList())
      const computed = before.filter((entry) => entry.origin === 'computed')
      expect(computed).toHaveLength(4)
      for (const entry of computed) expect(entry.score).toMatch(/^score \d+\.\d\d$/)
      const [, pinned, excluded] = computed.map((entry) => entry.question)
      if (!pinned || !excluded) throw new Error('fewer than three computed entries')
      await shoot(page, '1-suggestions')

      // Pin the second suggestion, exclude the third: both in the draft at once.
      await row(pane, pinned).getByTestId('pin-similar').click()
      await row(pane, excluded).getByTestId('exclude-similar').click()
      await expect.poll(() => shownExclusions(pane), {timeout: UI_TIMEOUT}).toEqual([excluded])
      const drafted = await shownEntries(pane)
      expect(drafted[0]).toMatchObject({question: pinned, origin: 'curated'})
      expect(drafted.map((entry) => entry.question)).not.toContain(excluded)
      expect(await pane.getByTestId('similar-excluded').innerText()).toContain('Local Editor')
      await expect.poll(noDraft, {timeout: 15_000}).toBe(false)
      await shoot(page, '2-pinned-and-excluded')

      // Publish: the freshness worker recomputes, and the form shows the new list.
      await publish(pane, async () => {
        const excludedIds = await writer.fetch<string[] | null>(
          '*[_id == $id][0].similarExcluded[].question._ref',
          {id: questionId},
        )
        return (await noDraft()) && (excludedIds ?? []).includes(excluded)
      })
      await expect
        .poll(
          async () => (await shownEntries(pane)).filter((e) => e.origin === 'computed').length,
          {
            timeout: UI_TIMEOUT,
            interval: 250,
          },
        )
        .toBe(4)
      const after = await shownEntries(pane)
      expect(after[0]).toMatchObject({question: pinned, origin: 'curated'})
      const afterComputed = after.filter((entry) => entry.origin === 'computed')
      expect(afterComputed.map((entry) => entry.question)).not.toContain(excluded)
      expect(afterComputed.map((entry) => entry.question)).not.toContain(pinned)
      const newcomers = afterComputed.filter(
        (entry) => !computed.some((old) => old.question === entry.question),
      )
      expect(newcomers.length).toBeGreaterThan(0)
      expect(after.map((e) => `${e.question} ${e.origin}`)).toEqual(await publishedList())
      expect(await shownExclusions(pane)).toEqual([excluded])
      await shoot(page, '3-recomputed')

      // Un-pin and un-exclude, publish: the list is the engine's again.
      await row(pane, pinned).getByTestId('unpin-similar').click()
      await pane.getByTestId('similar-excluded').getByTestId('unexclude-similar').click()
      await expect.poll(() => shownExclusions(pane), {timeout: UI_TIMEOUT}).toEqual([])
      await publish(pane, async () => {
        const state = await writer.fetch<{excluded: number; curated: number} | null>(
          `*[_id == $id][0]{
            "excluded": count(similarExcluded), "curated": count(similar[provenance == "curated"])
          }`,
          {id: questionId},
        )
        return (await noDraft()) && state?.excluded === 0 && state.curated === 0
      })
      await expect
        .poll(
          async () =>
            (await shownEntries(pane))
              .filter((e) => e.origin === 'computed')
              .map((e) => e.question),
          {timeout: UI_TIMEOUT, interval: 250},
        )
        .toEqual(computed.map((entry) => entry.question))
      await shoot(page, '4-restored')
    } catch (error) {
      await shoot(page, 'failure').catch(() => undefined)
      throw error
    }
    expect(crashes).toEqual([])
  }, 240_000)
})
