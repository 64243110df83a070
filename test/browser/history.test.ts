import type {SanityClient} from '@sanity/client'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readInputs} from '../../importer/inputs.ts'
import {runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {LOCAL_PROJECT_ID} from '../../domain/project.ts'
import {lakeClient} from '../../lake/connect.ts'
import {type LakeServer, startLakeServer} from '../../lake/server.ts'
import {serveStatic} from '../../lake/staticFiles.ts'
import {launchChromium} from '../support/chromium.ts'
import {SAMPLE_ARCHIVE, STUDIO_DIST} from '../support/studioArchive.ts'
import {UI_TIMEOUT} from '../support/studioPane.ts'

// History in the Studio, across a restart of the lake: an editor edits and publishes an imported
// question, edits it again, the lake stops and starts on the same data folder, and the History
// panel still lists the import, the draft, the publish and the edit, each with who made it, and
// "Review changes" shows what changed, with no retention-policy message. Screenshots go to
// test-results/history/.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'history')
const DATASET = 'production'
const TOKEN = 'history-test-token-0123456789abcdefghijk'
const QUESTION = 'Night Sweats Without Fever: Should I Worry?'
const PUBLISHED_TITLE = 'Night Sweats Without Fever: When to See a Doctor'
const DRAFT_TITLE = 'Night Sweats Without Fever: When to See a Doctor Soon'

let dataDir: string
let lake: LakeServer | undefined
let browser: Browser | undefined
let writer: SanityClient
let questionId: string

/** A lake serving the built Studio on `dataDir`; the same ports again after a restart. */
async function startLake(ports: {port: number; securePort: number} = {port: 0, securePort: 0}) {
  return startLakeServer({
    dataDir,
    command: 'vitest history',
    token: TOKEN,
    host: '127.0.0.1',
    ...ports,
    datasets: [DATASET],
    fallback: serveStatic({root: STUDIO_DIST}),
  })
}

function studioUrl(server: LakeServer): string {
  return `https://${LOCAL_PROJECT_ID}.localhost:${new URL(server.secureUrl ?? '').port}`
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  dataDir = await mkdtemp(join(tmpdir(), 'history-browser-'))
  lake = await startLake()
  writer = lakeClient(lake.url, DATASET, TOKEN).withConfig({perspective: 'raw'})
  const report = await runImport(
    readInputs([SAMPLE_ARCHIVE]),
    clientTarget(writer, {dryRun: false}),
  )
  const thread = report.threads.find((entry) => entry.title === QUESTION)
  if (!thread?.ids[0]) throw new Error(`The sample archive has no question titled "${QUESTION}"`)
  questionId = thread.ids[0]
  browser = await launchChromium(['--ignore-certificate-errors'])
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await lake?.close()
  await rm(dataDir, {recursive: true, force: true})
})

function shoot(page: Page, name: string) {
  return page.screenshot({path: join(SCREENSHOTS, `${name}.png`)})
}

/** Waits until Studio has saved the edits in `pane` (no "Saving" in its footer for a second). */
async function saved(pane: Locator) {
  let settled = 0
  await expect
    .poll(
      async () => {
        const saving = /Saving/.test(await pane.getByTestId('pane-footer').innerText())
        settled = saving ? 0 : settled + 1
        return settled
      },
      {timeout: UI_TIMEOUT, interval: 250},
    )
    .toBeGreaterThanOrEqual(4)
}

/** The question's form, straight through Studio's edit intent (lists render only rows in view). */
async function openQuestion(page: Page, server: LakeServer) {
  await page.getByTestId('pane-item-Needs review').waitFor({timeout: UI_TIMEOUT})
  await page.goto(`${studioUrl(server)}/intent/edit/id=${questionId};type=question/`)
  const title = page.getByTestId('document-pane').getByTestId('field-title').locator('input')
  await title.waitFor({state: 'visible', timeout: UI_TIMEOUT})
  return title
}

describe('history in the Studio', () => {
  it('lists the import, the draft, the publish and the edit with their authors after a restart', async () => {
    if (!browser || !lake) throw new Error('The browser or the lake did not start')
    const page = await browser.newPage({
      ignoreHTTPSErrors: true,
      viewport: {width: 1500, height: 1000},
    })
    const crashes: string[] = []
    page.on('pageerror', (error) => crashes.push(error.message))
    // Failed user and history requests once signed in (before, /users/me is a 401 by design).
    const failed: string[] = []
    const names = new Set<string>()
    let signedIn = false
    page.on('response', async (response) => {
      const {pathname} = new URL(response.url())
      if (!signedIn || !/\/(users|data\/history)\//.test(pathname)) return
      if (response.status() >= 400) failed.push(`${response.status()} ${pathname}`)
      else if (/\/users\/(?!me)/.test(pathname)) {
        const body: unknown = await response.json().catch(() => null)
        for (const user of Array.isArray(body) ? body : [body])
          if (user && typeof user.displayName === 'string') names.add(user.displayName)
      }
    })
    try {
      // Sign in with the one-time link, open the imported question, edit and publish it.
      await page.goto(`${studioUrl(lake)}/`)
      await page.waitForURL(/\/signin\?/, {timeout: UI_TIMEOUT})
      await page.getByLabel('Sign-in link or code').fill(lake.signInUrl())
      await page.getByRole('button', {name: 'Sign in'}).click()
      const pane = page.getByTestId('document-pane')
      let title = await openQuestion(page, lake)
      signedIn = true
      await title.fill(PUBLISHED_TITLE)
      await saved(pane)
      await pane.getByTestId('action-publish').click({timeout: UI_TIMEOUT})
      await expect
        .poll(() => writer.fetch('*[_id == $id][0].title', {id: questionId}), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(PUBLISHED_TITLE)
      await expect
        .poll(() => writer.getDocument(`drafts.${questionId}`), {timeout: 30_000, interval: 250})
        .toBeUndefined()
      // Then edit it again, leaving a draft.
      await title.fill(DRAFT_TITLE)
      await saved(pane)
      await expect
        .poll(() => writer.fetch('*[_id == $id][0].title', {id: `drafts.${questionId}`}), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(DRAFT_TITLE)

      // The lake stops (compacting its log into history) and starts again on the same folder.
      const ports = {
        port: Number(new URL(lake.url).port),
        securePort: Number(new URL(lake.secureUrl ?? '').port),
      }
      await lake.close()
      lake = await startLake(ports)
      writer = lakeClient(lake.url, DATASET, TOKEN).withConfig({perspective: 'raw'})

      // The browser is still signed in (its session survived); the History panel lists it all.
      await page.goto(`${studioUrl(lake)}/`)
      title = await openQuestion(page, lake)
      expect(await title.inputValue()).toBe(DRAFT_TITLE)
      await pane.getByTestId('pane-footer-document-status').click({timeout: UI_TIMEOUT})
      // The status opens "Review changes" (draft against published); the events are under History.
      await page.getByRole('tab', {name: 'History'}).click({timeout: UI_TIMEOUT})
      const timeline = page.getByTestId('timeline-item-button')
      await timeline.first().waitFor({state: 'visible', timeout: UI_TIMEOUT})
      // Each item: the author's avatar (initials), the event, when.
      const items = async () =>
        (await timeline.allInnerTexts()).map((text) => text.split('\n').filter(Boolean))
      await expect
        .poll(async () => (await items()).map(([initials, event]) => `${initials} ${event}`), {
          timeout: UI_TIMEOUT,
          interval: 500,
        })
        .toEqual(['LE Edited', 'LE Published', 'LE Draft created'])
      await shoot(page, '1-history-after-restart')
      expect(await page.locator('body').innerText()).not.toMatch(/retention policy/i)

      // The publish's revision, read back from history: the title as published.
      await timeline.nth(1).click()
      await expect
        .poll(() => title.inputValue(), {timeout: UI_TIMEOUT, interval: 500})
        .toBe(PUBLISHED_TITLE)
      await shoot(page, '2-published-revision')

      // The published document's own history: created by the import, published by the editor.
      await page.getByRole('button', {name: 'Published'}).first().click()
      await expect
        .poll(async () => (await items()).map(([initials, event]) => `${initials} ${event}`), {
          timeout: UI_TIMEOUT,
          interval: 500,
        })
        // The publish names what was published: the draft.
        .toEqual([expect.stringMatching(/^LE Published\b/), 'CT Created'])
      // "Review changes" of the publish: the title as imported, then as the editor published it.
      await timeline.first().click()
      await page.getByRole('tab', {name: 'Review changes'}).click()
      const changes = page.getByTestId('review-changes-pane').last()
      await expect
        .poll(() => changes.innerText(), {timeout: UI_TIMEOUT, interval: 500})
        .toContain('Title')
      const text = await changes.innerText()
      expect(text).toContain('Should I Worry?')
      expect(text).toContain('When to See a Doctor')
      expect(text).not.toMatch(/retention policy|couldn't find/i)
      await shoot(page, '3-published-review-changes')
      expect(await page.locator('body').innerText()).not.toMatch(/retention policy/i)
      // No user or history request failed.
      expect(failed).toEqual([])
      // Studio knows the signed-in editor from /users/me and asks /users/<id> for the others.
      expect([...names]).toEqual(['Command-line tools'])
      expect(crashes).toEqual([])
    } catch (error) {
      await shoot(page, 'failure')
      throw error
    } finally {
      await page.close()
    }
  }, 300_000)
})
