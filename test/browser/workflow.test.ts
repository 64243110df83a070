import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Question, Reply} from '../../sanity.types.ts'
import {launchChromium} from '../support/chromium.ts'
import {type StudioArchive, startStudioArchive} from '../support/studioArchive.ts'
import {publishWhenSettled, UI_TIMEOUT} from '../support/studioPane.ts'

// What editors rely on beyond the day in studio.test.ts: workflow actions held to the validation
// that holds Publish, reply counts that follow the replies, doctors found as the Studio shows
// them, no scheduling or releases buttons, and a console without errors from the lake. The
// documents are written through the API, then handled in the built Studio, served by a lake on
// a fresh data folder, in Debian's Chromium.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'workflow')
/** The document form takes ~10 s to appear the first time; everything else is much quicker. */
const TRANSITION_LABELS = ['Mark reviewed', 'Request changes', 'Send back to review', 'Archive']

let archive: StudioArchive | undefined
let browser: Browser | undefined
let page: Page | undefined
/** Console errors and failed requests the Studio met at the lake, over the whole session. */
const lakeErrors: string[] = []
/**
 * Endpoints another part of the work serves (persistent history; user lookups by id): their
 * failures are noted, not counted here.
 */
const ELSEWHERE = [/\/data\/history\//, /\/users\/(?!me\b)[^/?]+/]

/**
 * Records what went wrong at the lake (`origin`): failed responses, console errors about its
 * URLs (resources, the realtime socket) and uncaught exceptions. Requests to Sanity's own hosts
 * (fonts, version checks, feedback) fail offline and are not the lake's.
 */
function watchConsole(target: Page, origin: string) {
  const {host} = new URL(origin)
  const atLake = (url: string) => url.startsWith(origin) && !ELSEWHERE.some((re) => re.test(url))
  target.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    const resource = text.startsWith('Failed to load resource') ? message.location().url : ''
    // API and socket URLs of the lake (its static files appear in every stack trace).
    const aboutLake = text.includes(`//${host}/v`) && !ELSEWHERE.some((re) => re.test(text))
    if (atLake(resource) || aboutLake) lakeErrors.push(text)
  })
  target.on('pageerror', (error) => lakeErrors.push(`uncaught: ${error.message}`))
  target.on('response', (response) => {
    if (response.status() >= 400 && atLake(response.url()))
      lakeErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`)
  })
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  archive = await startStudioArchive()
  // The lake's certificate is self-signed.
  browser = await launchChromium(['--ignore-certificate-errors'])
  page = await browser.newPage({ignoreHTTPSErrors: true, viewport: {width: 1400, height: 1000}})
  watchConsole(page, new URL(archive.studioUrl).origin)
  await page.goto(`${archive.studioUrl}/`)
  await page.waitForURL(/\/signin\?/, {timeout: UI_TIMEOUT})
  await page.getByLabel('Sign-in link or code').fill(archive.signInUrl())
  await page.getByRole('button', {name: 'Sign in'}).click()
  await page.getByTestId('pane-item-Needs review').waitFor({timeout: UI_TIMEOUT})
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await archive?.close()
})

function started() {
  if (!archive || !page) throw new Error('The archive or the browser did not start')
  return {archive, page}
}

function shoot(name: string) {
  return started().page.screenshot({path: join(SCREENSHOTS, `${name}.png`)})
}

/** A block of Portable Text with `text`. */
function body(text: string) {
  return [
    {
      _type: 'block',
      _key: 'b1',
      style: 'normal',
      markDefs: [],
      children: [{_type: 'span', _key: 's1', text, marks: []}],
    },
  ]
}

/** A sample reply: its question and doctor are what new replies here point at. */
async function sampleReply(): Promise<Reply> {
  const {archive} = started()
  const thread = archive.firstImport.threads.find((t) => t.ids.length > 1)
  const existing = await archive.writer.getDocument<Reply>(thread?.ids[1] ?? '')
  if (!existing?.question) throw new Error('The sample archive has no reply to copy')
  return existing
}

/** A new reply to the sample reply's question by its doctor, as the API takes it. */
async function newReply(_id: string, fields: Partial<Reply> = {}) {
  const {question, doctor, repliedAt} = await sampleReply()
  return {
    _id,
    _type: 'reply' as const,
    question,
    doctor,
    repliedAt,
    status: 'needsReview' as const,
    body: body('Rest, drink water, and stand up slowly.'),
    ...fields,
  }
}

/** Opens a document's form by its published id. */
async function openDocument(id: string, type: string): Promise<Locator> {
  const {archive, page} = started()
  await page.goto(`${archive.studioUrl}/intent/edit/id=${id};type=${type}`)
  const pane = page.getByTestId('document-pane')
  await pane.getByTestId('field-body').waitFor({state: 'visible', timeout: UI_TIMEOUT})
  return pane
}

/** The workflow actions the open document's action menu offers, and whether each is enabled. */
async function workflowActions(): Promise<Record<string, boolean>> {
  const {page} = started()
  // A click on the button while its menu is open would close it.
  if ((await page.getByRole('menuitem').count()) === 0)
    await page.getByTestId('action-menu-button').click()
  const items = page.getByRole('menuitem')
  // Short: the caller polls, and a menu that did not open is opened again.
  await items.first().waitFor({state: 'visible', timeout: 10_000})
  const offered: Record<string, boolean> = {}
  for (const label of TRANSITION_LABELS) {
    const item = page.getByRole('menuitem', {name: label})
    if ((await item.count()) > 0) offered[label] = await item.isEnabled()
  }
  return offered
}

async function closeMenu() {
  await started().page.keyboard.press('Escape')
}

describe('workflow actions', () => {
  it('are all disabled on a document with validation errors, say why, and publish nothing', async () => {
    const {archive, page} = started()
    const raw = archive.writer.withConfig({perspective: 'raw'})
    const question = await archive.writer.getDocument<Question>(
      (await sampleReply()).question?._ref ?? '',
    )
    // Dated before its question: the error that disables Publish.
    await archive.writer.create(
      await newReply('drafts.reply-invalid-draft', {repliedAt: '2000-01-05'}),
    )
    const pane = await openDocument('reply-invalid-draft', 'reply')
    await pane
      .getByTestId('input-validation-icon-error')
      .first()
      .waitFor({state: 'visible', timeout: UI_TIMEOUT})
    expect(await pane.getByTestId('action-publish').isDisabled()).toBe(true)

    await expect.poll(workflowActions, {timeout: UI_TIMEOUT}).toEqual({
      'Mark reviewed': false,
      'Request changes': false,
      Archive: false,
    })
    await page.getByRole('menuitem', {name: 'Mark reviewed'}).hover()
    const reason = page
      .getByText('Fix the validation errors first:', {exact: false})
      .filter({visible: true})
      .first()
    await reason.waitFor({state: 'visible', timeout: UI_TIMEOUT})
    expect(await reason.innerText()).toContain(
      `The reply date (2000-01-05) is before the question was asked (${question?.askedAt})`,
    )
    await shoot('1-invalid-draft-actions')
    // A click on a disabled item does nothing (forced past Playwright's own check).
    await page.getByRole('menuitem', {name: 'Mark reviewed'}).click({force: true})
    await closeMenu()

    // The same draft in the other states: every transition there is blocked too.
    await raw.patch('drafts.reply-invalid-draft').set({status: 'reviewed'}).commit()
    await pane
      .getByTestId('group-tab-workflow')
      .click()
      .then(() => pane.getByRole('radio', {name: 'Reviewed', exact: true}))
      .then((radio) => expect.poll(() => radio.isChecked(), {timeout: UI_TIMEOUT}).toBe(true))
    await expect.poll(workflowActions, {timeout: UI_TIMEOUT}).toEqual({
      'Request changes': false,
      'Send back to review': false,
      Archive: false,
    })
    await closeMenu()

    // An invalid document already published (imported that way, say) cannot be moved either:
    // the transitions would publish it again.
    await archive.writer.create(
      await newReply('reply-invalid-published', {repliedAt: '2000-01-06', status: 'reviewed'}),
    )
    await openDocument('reply-invalid-published', 'reply')
    await expect.poll(workflowActions, {timeout: UI_TIMEOUT}).toEqual({
      'Request changes': false,
      'Send back to review': false,
      Archive: false,
    })
    await closeMenu()
    await shoot('2-invalid-published-actions')

    // Nothing was published or moved.
    expect(await raw.getDocument('reply-invalid-draft')).toBeUndefined()
    expect(await raw.getDocument('drafts.reply-invalid-published')).toBeUndefined()
    expect(await archive.writer.getDocument('reply-invalid-published')).toMatchObject({
      status: 'reviewed',
      repliedAt: '2000-01-06',
    })
  }, 240_000)

  it('publish a valid draft through Publish, status and reviewer included', async () => {
    const {archive, page} = started()
    const raw = archive.writer.withConfig({perspective: 'raw'})
    await archive.writer.create(await newReply('drafts.reply-valid-draft'))
    await openDocument('reply-valid-draft', 'reply')
    // Enabled once the draft is saved and validated; the click may meet a re-validation.
    await expect
      .poll(
        async () => {
          if (!(await workflowActions())['Mark reviewed']) return false
          await page.getByRole('menuitem', {name: 'Mark reviewed'}).click({timeout: 5_000})
          return true
        },
        {timeout: UI_TIMEOUT},
      )
      .toBe(true)
    await expect
      .poll(() => raw.getDocument('drafts.reply-valid-draft'), {timeout: 30_000, interval: 250})
      .toBeUndefined()
    expect(await archive.writer.getDocument('reply-valid-draft')).toMatchObject({
      status: 'reviewed',
      reviewedBy: 'Local Editor',
    })
    await shoot('3-valid-draft-reviewed')
  }, 240_000)
})

/**
 * Publishes the document in `pane` as an editor does: leave the field, wait until Studio shows
 * the edits saved and valid, click Publish, wait for the lake to have it (`isPublished`).
 */
async function publishDocument(pane: Locator, isPublished: () => Promise<boolean>) {
  await pane.getByTestId('document-panel-document-title').click()
  await publishWhenSettled(pane, isPublished)
}

/** The subtitle of a question's row in "All questions" (specialty · date · replies). */
async function questionRow(id: string): Promise<Locator> {
  const {page} = started()
  await page.getByTestId('pane-item-All questions').click({timeout: UI_TIMEOUT})
  const row = page.getByTestId('document-list-pane').locator(`a[href$=";${id}"]`)
  await row.waitFor({state: 'visible', timeout: UI_TIMEOUT})
  return row
}

describe('a reply added in the Studio', () => {
  const QUESTION_ID = 'question-shin-splints'
  const DOCTOR = 'Chou Mingyi'
  const REPLY_TEXT = 'Rest for two weeks, then walk on soft ground before hiking again.'

  it('is found by the doctor as shown, and counted in every list, also after a restart', async () => {
    const {archive, page} = started()
    const raw = archive.writer.withConfig({perspective: 'raw'})
    const orthopedics = await archive.writer.fetch<string>(
      '*[_type == "specialty" && name == "Orthopedics"][0]._id',
    )
    await archive.writer.create({
      _id: QUESTION_ID,
      _type: 'question',
      title: 'Shin Splints After Hiking: When to Rest',
      slug: {_type: 'slug', current: 'shin-splints-after-hiking'},
      body: body('Both shins ache after every long hike. Should I stop hiking for a while?'),
      askedAt: '2022-05-01',
      specialty: {_type: 'reference', _ref: orthopedics},
      status: 'needsReview',
      replyCount: 0,
    })
    const before = await questionRow(QUESTION_ID)
    await expect.poll(() => before.innerText(), {timeout: UI_TIMEOUT}).toContain('0 replies')

    // No scheduling or releases anywhere: the question's menu and the tools.
    await openDocument(QUESTION_ID, 'question')
    await page.getByTestId('action-menu-button').click()
    const reply = page.getByRole('menuitem', {name: 'Reply to this question'})
    await reply.waitFor({state: 'visible', timeout: UI_TIMEOUT})
    expect(await page.getByRole('menuitem', {name: /schedule/i}).count()).toBe(0)
    expect(await page.getByRole('link', {name: 'Releases'}).count()).toBe(0)
    await reply.click()

    // The doctor picker finds the doctor by the name as the Studio shows it.
    const pane = page.getByTestId('document-pane')
    const doctorInput = pane.locator('input#doctor')
    await doctorInput.waitFor({state: 'visible', timeout: UI_TIMEOUT})
    const offered = page
      .locator('#doctor-listbox')
      .getByRole('option', {name: new RegExp(`Dr\\. ${DOCTOR}`)})
    for (const typed of ['Dr. Chou', 'Dr Chou Mingyi', 'Mingyi Chou', 'dr. mingyi', 'Chou']) {
      await doctorInput.fill(typed)
      await offered.waitFor({state: 'visible', timeout: UI_TIMEOUT})
    }
    await shoot('4-doctor-found-as-shown')
    await offered.click()
    await doctorInput.waitFor({state: 'detached', timeout: UI_TIMEOUT})
    await pane.getByTestId('field-body').locator('[contenteditable="true"]').click()
    await page.keyboard.type(REPLY_TEXT)
    await publishDocument(pane, async () => {
      const ids = await raw.fetch<string[]>(
        '*[_type == "reply" && question._ref == $id && pt::text(body) == $text]._id',
        {id: QUESTION_ID, text: REPLY_TEXT},
      )
      return ids.length === 1 && !ids[0]?.startsWith('drafts.')
    })

    // The Studio's list, the stored count and the site's list all say one reply.
    const row = await questionRow(QUESTION_ID)
    await expect.poll(() => row.innerText(), {timeout: 30_000}).toContain('1 reply')
    await shoot('5-one-reply-listed')
    const siteCount = async () => {
      const response = await fetch(`${archive.web.url}/api/specialties/orthopedics?limit=50`)
      const page: unknown = await response.json()
      const questions =
        typeof page === 'object' && page !== null && 'questions' in page ? page.questions : []
      for (const question of Array.isArray(questions) ? questions : []) {
        if (typeof question === 'object' && question?._id === QUESTION_ID)
          return 'replyCount' in question ? question.replyCount : undefined
      }
      return undefined
    }
    expect(await siteCount()).toBe(1)

    // After a restart of the lake, the same.
    await page.goto('about:blank')
    await archive.restart()
    await page.goto(`${archive.studioUrl}/`)
    const again = await questionRow(QUESTION_ID)
    await expect.poll(() => again.innerText(), {timeout: 30_000}).toContain('1 reply')
    expect(await siteCount()).toBe(1)
    expect((await archive.writer.getDocument(QUESTION_ID))?.replyCount).toBe(1)
  }, 300_000)
})

describe('the console', () => {
  it('shows no errors from the lake: every request the Studio made was answered', () => {
    expect(lakeErrors).toEqual([])
  })
})
