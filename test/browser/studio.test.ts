import {mkdir, rm} from 'node:fs/promises'
import {join} from 'node:path'
import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {launchChromium} from '../support/chromium.ts'
import {type StudioArchive, startStudioArchive} from '../support/studioArchive.ts'
import {publishWhenSettled, UI_TIMEOUT} from '../support/studioPane.ts'

// An editor's day, end to end, on the imported sample archive: the built Studio served by a lake
// on a fresh data folder, Debian's Chromium driving it, and the preview site reading the same lake
// (published perspective, no token) to show what readers see. One screenshot per step in
// test-results/studio/.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'studio')
/** The document form takes ~10 s to appear the first time; everything else is much quicker. */

const QUESTION = 'Kneecap Pain After Running: Causes and Exercises'
const EDITED_TITLE = 'Kneecap Pain After Running: Causes and Treatment'
const ASKED_AT = '2020-09-21'
const DOCTOR = 'Chou Mingyi'
const REPLY_TEXT = 'Ease back in: run every other day on flat routes and stop if the pain returns.'
const INVALID_REPLY_TEXT = 'Rest for a week, then start again slowly.'
const INVALID_REPLY_DATE = '2020-09-01'
/** The sample thread whose reply is one word: the importer flags it. */
const FLAGGED_QUESTION = 'Dizziness When Standing Up Quickly'
const QUESTION_ROWS = 'a[href*=";question-"]'

let archive: StudioArchive | undefined
let browser: Browser | undefined

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  await rm(join(SCREENSHOTS, 'failure.png'), {force: true})
  archive = await startStudioArchive()
  browser = await launchChromium([
    // The lake's certificate is self-signed.
    '--ignore-certificate-errors',
  ])
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await archive?.close()
})

interface ThreadJson {
  title: string
}

interface FlagState {
  code?: string
  status?: string
  dismissedBy?: string
}

interface QuestionState {
  title?: string
  status?: string
  reviewedBy?: string
  reviewedAt?: string
}

/** GET on the preview site: status and body. */
async function getPreview(path: string): Promise<{status: number; text: string}> {
  if (!archive) throw new Error('The archive did not start')
  const response = await fetch(`${archive.web.url}${path}`)
  return {status: response.status, text: await response.text()}
}

function shoot(page: Page, name: string) {
  return page.screenshot({path: join(SCREENSHOTS, `${name}.png`)})
}

/**
 * Document lists render only the rows near their scroll position (about twenty of the sample's
 * questions): waits for the rows, then scrolls `list` back to its first row.
 */
async function scrollToTop(list: Locator) {
  await list.locator(QUESTION_ROWS).first().waitFor({state: 'visible', timeout: UI_TIMEOUT})
  await list.evaluate((pane) => {
    for (const element of pane.querySelectorAll('*'))
      if (element.scrollHeight > element.clientHeight) element.scrollTop = 0
  })
}

/**
 * Scrolls `list` down by most of a screen, or back to the top once at the end. The virtual list
 * renders only rows near the view and can lag behind the scroll while it reloads after a change,
 * so callers collecting rows go through it again and again until they have what they expect;
 * moving the scroller itself (with overlap) never stalls the way scrolling the last row into view
 * does when that row already counts as visible.
 */
async function scrollOn(list: Locator) {
  await list.evaluate((pane) => {
    // The list's scroller: the element with the most to scroll (previews overflow by a pixel or so).
    let scroller: Element | undefined
    for (const element of pane.querySelectorAll('*'))
      if (
        element.scrollHeight - element.clientHeight >
        (scroller ? scroller.scrollHeight - scroller.clientHeight : 0)
      )
        scroller = element
    if (!scroller) return
    const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1
    scroller.scrollTop = atEnd ? 0 : scroller.scrollTop + Math.floor(scroller.clientHeight * 0.75)
  })
}

/** Scrolls `list` from the top down until the row of `documentId` is rendered. */
async function revealRow(list: Locator, documentId: string): Promise<Locator> {
  const row = list.locator(`a[href$=";${documentId}"]`)
  await scrollToTop(list)
  await expect
    .poll(
      async () => {
        if ((await row.count()) > 0) return true
        await scrollOn(list)
        return false
      },
      {timeout: UI_TIMEOUT, interval: 250},
    )
    .toBe(true)
  return row
}

/** Every question `list` shows, by id, collected by scrolling through it to the end. */
async function listedQuestions(list: Locator, expected: number): Promise<Set<string>> {
  const ids = new Set<string>()
  await scrollToTop(list)
  await expect
    .poll(
      async () => {
        const hrefs = await list
          .locator(QUESTION_ROWS)
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('href') ?? ''))
        for (const href of hrefs) ids.add(href.slice(href.lastIndexOf(';') + 1))
        await scrollOn(list)
        return ids.size
      },
      {timeout: UI_TIMEOUT, interval: 250},
    )
    .toBeGreaterThanOrEqual(expected)
  return ids
}

/** The sidebar's "Needs review" list, then the question in it: the question's form. */
async function openFromNeedsReview(page: Page, questionId: string) {
  await page.getByTestId('pane-item-Needs review').click()
  await (await revealRow(page.getByTestId('document-list-pane'), questionId)).click()
  await page
    .getByTestId('document-pane')
    .getByTestId('field-title')
    .waitFor({state: 'visible', timeout: UI_TIMEOUT})
}

/** An import flag as the importer stores it, open or already dismissed. */
function importFlag(code: string, dismissed = false) {
  return {
    _key: code,
    _type: 'qualityFlag',
    code,
    message: `A ${code} flag the text no longer raises.`,
    status: dismissed ? 'dismissed' : 'open',
    raisedAt: '2024-06-01T00:00:00Z',
  }
}

/** Waits until the open document's form shows the import flag `code`. */
async function flagShown(page: Page, code: string) {
  await page
    .getByTestId('document-pane')
    .locator(`[data-testid="quality-flag"][data-code="${code}"]`)
    .waitFor({state: 'visible', timeout: UI_TIMEOUT})
}

/** Runs a document action from the pane's action menu ("…" next to Publish). */
async function runMenuAction(page: Page, label: string) {
  await page.getByTestId('action-menu-button').click()
  await page.getByRole('menuitem', {name: label}).click()
}

/** From the question's form: a new reply (template "reply-to-question") by `doctor`. */
async function startReply(page: Page, doctor: string, text: string): Promise<Locator> {
  await runMenuAction(page, 'Reply to this question')
  const pane = page.getByTestId('document-pane')
  const doctorInput = pane.locator('input#doctor')
  await doctorInput.waitFor({state: 'visible', timeout: UI_TIMEOUT})
  // The template linked the reply to the question.
  await pane.getByText(EDITED_TITLE).first().waitFor({state: 'visible', timeout: UI_TIMEOUT})
  await doctorInput.click()
  await doctorInput.fill(doctor.split(' ')[0] ?? doctor)
  await page
    .locator('#doctor-listbox')
    .getByRole('option', {name: new RegExp(doctor)})
    .click()
  // The picked doctor replaces the search box with its preview.
  await doctorInput.waitFor({state: 'detached', timeout: UI_TIMEOUT})
  await pane.getByTestId('field-body').locator('[contenteditable="true"]').click()
  await page.keyboard.type(text)
  return pane
}

/**
 * Publishes the document in `pane` the way an editor does: leave the field, wait until Studio
 * shows the edits saved and valid, click Publish. (A click while the last keystrokes are still
 * syncing schedules the publish, and Studio cancels it with "Validation errors" if a validation
 * run on the way flags the half-synced body as empty.) Done when `isPublished` (a look at the
 * lake) says so and Studio has caught up: no draft left, so Publish is disabled again.
 */
async function publishDocument(pane: Locator, isPublished: () => Promise<boolean>) {
  await pane.getByTestId('document-panel-document-title').click()
  const button = await publishWhenSettled(pane, isPublished)
  await expect.poll(() => button.isDisabled(), {timeout: 30_000, interval: 250}).toBe(true)
}

describe("an editor's day in the Studio", () => {
  it('reviews, edits, replies, is stopped by validation, keeps the edits through a re-import and dismisses an import flag', async () => {
    if (!browser || !archive) throw new Error('The browser or the archive did not start')
    const {writer, studioUrl} = archive
    const raw = writer.withConfig({perspective: 'raw'})
    /** Codes of the flags on the published document. */
    const flagCodes = async (id: string) =>
      ((await writer.getDocument<{quality?: FlagState[]}>(id))?.quality ?? []).map((f) => f.code)
    /** Documents matching `filter` exist, and none of them is a draft. */
    const publishedOnly = async (filter: string, params: Record<string, string>) => {
      const ids = await raw.fetch<string[]>(`*[${filter}]._id`, params)
      return ids.length > 0 && ids.every((id) => !id.startsWith('drafts.'))
    }
    const kneecap = archive.firstImport.threads.find((thread) => thread.title === QUESTION)
    const questionId = kneecap?.ids[0]
    if (!questionId) throw new Error(`The sample archive has no question titled "${QUESTION}"`)
    const slug = await writer.fetch<string | null>('*[_id == $id][0].slug.current', {
      id: questionId,
    })
    if (!slug) throw new Error('The imported question has no slug')

    const page = await browser.newPage({
      ignoreHTTPSErrors: true,
      viewport: {width: 1400, height: 1000},
    })
    const crashes: string[] = []
    page.on('pageerror', (error) => crashes.push(error.message))

    try {
      // 1. Not signed in, the Studio sends the editor to the lake's sign-in page, which takes the
      //    one-time link `npm start` prints; then "Needs review" lists every imported question,
      //    newest first.
      await page.goto(`${studioUrl}/`)
      await page.waitForURL(/\/signin\?/, {timeout: UI_TIMEOUT})
      await page.getByLabel('Sign-in link or code').fill(archive.signInUrl())
      await page.getByRole('button', {name: 'Sign in'}).click()
      await page.getByTestId('pane-item-Needs review').click({timeout: UI_TIMEOUT})
      const list = page.getByTestId('document-list-pane')
      const newest = await writer.fetch<{_id: string; title: string}[]>(
        '*[_type == "question" && status == "needsReview"] | order(askedAt desc)[0...5]{_id, title}',
      )
      const tops: number[] = []
      for (const question of newest) {
        // Previews render after the list: wait for the title, not just the row.
        const row = list.locator(`a[href$=";${question._id}"]`, {hasText: question.title})
        await row.waitFor({state: 'visible', timeout: UI_TIMEOUT})
        tops.push((await row.boundingBox())?.y ?? Number.NaN)
      }
      expect(tops).toEqual([...tops].sort((a, b) => a - b))
      await shoot(page, '1-needs-review')
      const imported = archive.firstImport.threads.map((thread) => thread.ids[0])
      expect(imported.length).toBeGreaterThanOrEqual(120)
      expect([...(await listedQuestions(list, imported.length))].sort()).toEqual(
        [...imported].sort(),
      )

      // 2. Open the question, change a word of its title, publish: the JSON API serves the new title.
      //    An open import flag the title no longer raises is cleared by the publish; a dismissed
      //    one stays.
      await writer
        .patch(questionId)
        .set({
          quality: [importFlag('machineTranslationRefusal'), importFlag('nonLatinInEnglish', true)],
        })
        .commit()
      await (await revealRow(list, questionId)).click()
      await flagShown(page, 'machineTranslationRefusal')
      const title = page.getByTestId('document-pane').getByTestId('field-title').locator('input')
      await title.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      expect(await title.inputValue()).toBe(QUESTION)
      await title.fill(EDITED_TITLE)
      await publishDocument(page.getByTestId('document-pane'), () =>
        publishedOnly(`_id in [$id, "drafts." + $id] && title == $title`, {
          id: questionId,
          title: EDITED_TITLE,
        }),
      )
      await expect
        .poll(
          async () => {
            const {status, text} = await getPreview(`/api/threads/${slug}`)
            return status === 200 ? (JSON.parse(text) as ThreadJson).title : `HTTP ${status}`
          },
          {timeout: 30_000, interval: 250},
        )
        .toBe(EDITED_TITLE)
      expect(await flagCodes(questionId)).toEqual(['nonLatinInEnglish'])
      await shoot(page, '2-title-published')

      // 3. "Reply to this question", pick the doctor, write, publish: the thread page shows it.
      const replyPane = await startReply(page, DOCTOR, REPLY_TEXT)
      await shoot(page, '3a-reply-written')
      await publishDocument(replyPane, () =>
        publishedOnly(`_type == "reply" && question._ref == $id && pt::text(body) == $text`, {
          id: questionId,
          text: REPLY_TEXT,
        }),
      )
      await expect
        .poll(async () => (await getPreview(`/threads/${slug}`)).text, {
          timeout: 30_000,
          interval: 250,
        })
        .toContain(REPLY_TEXT)
      const published = await writer.fetch<{doctor: string | null; status: string | null}[]>(
        `*[_type == "reply" && question._ref == $id && pt::text(body) == $text]{
          "doctor": doctor->name, status
        }`,
        {id: questionId, text: REPLY_TEXT},
      )
      expect(published).toEqual([{doctor: DOCTOR, status: 'needsReview'}])
      const thread = await browser.newPage({viewport: {width: 1000, height: 1400}})
      await thread.goto(`${archive.web.url}/threads/${slug}`)
      const newReply = thread.locator('.reply', {hasText: REPLY_TEXT})
      await newReply.waitFor({state: 'visible', timeout: 5_000})
      expect(await newReply.locator('h3').innerText()).toContain(`Dr. ${DOCTOR} reply`)
      expect(await thread.locator('h1').innerText()).toBe(EDITED_TITLE)
      await newReply.scrollIntoViewIfNeeded()
      await thread.screenshot({path: join(SCREENSHOTS, '3b-thread-page.png'), fullPage: true})
      await thread.close()

      // 4. A reply dated before the question was asked cannot be published, and the editor is told.
      await openFromNeedsReview(page, questionId)
      const invalidPane = await startReply(page, DOCTOR, INVALID_REPLY_TEXT)
      const date = invalidPane.locator('input#repliedAt')
      await date.fill(INVALID_REPLY_DATE)
      await date.press('Enter')
      await invalidPane
        .getByTestId('input-validation-icon-error')
        .first()
        .waitFor({state: 'visible', timeout: UI_TIMEOUT})
      await invalidPane.getByRole('button', {name: 'Validation', exact: true}).click()
      const message = page
        .getByText('is before the question was asked', {exact: false})
        .filter({visible: true})
        .first()
      await message.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      expect(await message.innerText()).toContain(
        `The reply date (${INVALID_REPLY_DATE}) is before the question was asked (${ASKED_AT})`,
      )
      const publish = invalidPane.getByTestId('action-publish')
      expect(await publish.isDisabled()).toBe(true)
      // The draft is saved, nothing is published.
      await expect
        .poll(
          () =>
            raw.fetch<{_id: string}[]>(
              '*[_type == "reply" && question._ref == $id && repliedAt == $date]{_id}',
              {id: questionId, date: INVALID_REPLY_DATE},
            ),
          {timeout: 15_000, interval: 250},
        )
        .toEqual([{_id: expect.stringMatching(/^drafts\./)}])
      await shoot(page, '4-invalid-reply-blocked')
      expect(await publish.isDisabled()).toBe(true)
      // Close the validation panel: with it open, the narrowest panes collapse.
      await invalidPane.getByRole('button', {name: 'Close validation'}).click()
      await message.waitFor({state: 'hidden', timeout: UI_TIMEOUT})
      expect((await getPreview(`/threads/${slug}`)).text).not.toContain(INVALID_REPLY_TEXT)

      // 5. "Mark reviewed": the question leaves "Needs review", reviewed by the signed-in editor;
      //    open import flags the text no longer raises are cleared on the way.
      await writer
        .patch(questionId)
        .append('quality', [importFlag('dateAfterAsked')])
        .commit()
      await openFromNeedsReview(page, questionId)
      await flagShown(page, 'dateAfterAsked')
      await runMenuAction(page, 'Mark reviewed')
      await list
        .locator(`a[href$=";${questionId}"]`)
        .waitFor({state: 'detached', timeout: UI_TIMEOUT})
      const stillListed = await listedQuestions(list, imported.length - 1)
      expect(stillListed.size).toBe(imported.length - 1)
      expect(stillListed.has(questionId)).toBe(false)
      await expect
        .poll(() => writer.getDocument<QuestionState>(questionId).then((doc) => doc?.status), {
          timeout: 15_000,
          interval: 250,
        })
        .toBe('reviewed')
      const reviewed = await writer.getDocument<QuestionState>(questionId)
      expect(reviewed?.title).toBe(EDITED_TITLE)
      expect(reviewed?.reviewedBy).toBe('Local Editor')
      expect(await flagCodes(questionId)).toEqual(['nonLatinInEnglish'])
      expect(Date.now() - Date.parse(reviewed?.reviewedAt ?? '')).toBeLessThan(10 * 60_000)
      expect(await raw.getDocument(`drafts.${questionId}`)).toBeUndefined()
      // The form shows it too, once nothing is left to publish.
      const questionPane = page.getByTestId('document-pane')
      await expect
        .poll(() => questionPane.getByTestId('action-publish').isDisabled(), {timeout: 30_000})
        .toBe(true)
      await questionPane.getByTestId('group-tab-workflow').click()
      const reviewedBy = questionPane.getByTestId('field-reviewedBy').locator('input')
      await reviewedBy.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      expect(await reviewedBy.inputValue()).toBe('Local Editor')
      expect(
        await questionPane.getByRole('radio', {name: 'Reviewed', exact: true}).isChecked(),
      ).toBe(true)
      await shoot(page, '5-reviewed')

      // 6. Importing the sample archive again keeps the edited question as the editor left it.
      const again = await archive.importSample()
      const kept = again.threads.find((entry) => entry.ids[0] === questionId)
      expect(kept).toMatchObject({outcome: 'kept', reason: 'kept: edited since import'})
      expect(again.summary).toMatchObject({created: 0, updated: 0, failed: 0, kept: 1})
      expect(await writer.getDocument<QuestionState>(questionId)).toMatchObject({
        title: EDITED_TITLE,
        status: 'reviewed',
      })
      const api = await getPreview(`/api/threads/${slug}`)
      expect((JSON.parse(api.text) as ThreadJson).title).toBe(EDITED_TITLE)
      // In the Studio, a fresh list query still shows the edited title.
      await page.getByTestId('pane-item-All questions').click()
      const row = (await revealRow(page.getByTestId('document-list-pane'), questionId)).filter({
        hasText: EDITED_TITLE,
      })
      await row.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      await row.click()
      const titleAfter = page
        .getByTestId('document-pane')
        .getByTestId('field-title')
        .locator('input')
      await titleAfter.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      expect(await titleAfter.inputValue()).toBe(EDITED_TITLE)
      await shoot(page, '6-after-reimport')

      // 7. "Flagged on import" lists the one-word reply; its form says why; Dismiss takes it off
      //    the list at once, with no draft to publish, and a re-import does not raise it again.
      const flaggedReply = archive.firstImport.threads.find((t) => t.title === FLAGGED_QUESTION)
      const replyId = flaggedReply?.ids[1]
      if (!replyId) throw new Error(`The sample archive has no reply to "${FLAGGED_QUESTION}"`)
      await page.getByTestId('pane-item-Flagged on import').click()
      const flaggedRow = page
        .getByTestId('document-list-pane')
        .locator(`a[href$=";${replyId}"]`, {hasText: '⚑ 1 flag'})
      await flaggedRow.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      await flaggedRow.click()
      const flag = page.getByTestId('document-pane').getByTestId('quality-flag')
      await flag.waitFor({state: 'visible', timeout: UI_TIMEOUT})
      expect(await flag.innerText()).toContain('is the single word "Ok."')
      await shoot(page, '7a-flagged-reply')
      await flag.getByTestId('dismiss-flag').click()
      await flaggedRow.waitFor({state: 'detached', timeout: UI_TIMEOUT})
      await page
        .getByTestId('document-pane')
        .locator('[data-testid="quality-flag"][data-status="dismissed"]')
        .waitFor({state: 'visible', timeout: UI_TIMEOUT})
      await shoot(page, '7b-flag-dismissed')
      const dismissedFlags = async () =>
        (await writer.getDocument<{quality?: FlagState[]}>(replyId))?.quality ?? []
      expect(await dismissedFlags()).toEqual([
        expect.objectContaining({
          code: 'oneWordReply',
          status: 'dismissed',
          dismissedBy: 'Local Editor',
        }),
      ])
      expect(await raw.getDocument(`drafts.${replyId}`)).toBeUndefined()
      const third = await archive.importSample()
      expect(third.threads.find((t) => t.ids[1] === replyId)).toMatchObject({outcome: 'unchanged'})
      expect(third.summary.flags).toEqual({})
      expect(await dismissedFlags()).toEqual([expect.objectContaining({status: 'dismissed'})])
    } catch (error) {
      // The state the editor was looking at when it went wrong.
      await shoot(page, 'failure').catch(() => undefined)
      throw error
    }

    expect(crashes).toEqual([])
  }, 360_000)
})
