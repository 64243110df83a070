import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Question, Reply} from '../../sanity.types.ts'
import {launchChromium} from '../support/chromium.ts'
import {type StudioArchive, startStudioArchive} from '../support/studioArchive.ts'

// What editors rely on beyond the day in studio.test.ts: workflow actions held to the validation
// that holds Publish. The documents are written through the API, then handled in the built
// Studio, served by a lake on a fresh data folder, in Debian's Chromium.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'workflow')
/** The document form takes ~10 s to appear the first time; everything else is much quicker. */
const UI_TIMEOUT = 60_000
const TRANSITION_LABELS = ['Mark reviewed', 'Request changes', 'Send back to review', 'Archive']

let archive: StudioArchive | undefined
let browser: Browser | undefined
let page: Page | undefined

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  archive = await startStudioArchive()
  // The lake's certificate is self-signed.
  browser = await launchChromium(['--ignore-certificate-errors'])
  page = await browser.newPage({ignoreHTTPSErrors: true, viewport: {width: 1400, height: 1000}})
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
  await page.getByTestId('action-menu-button').click()
  const items = page.getByRole('menuitem')
  await items.first().waitFor({state: 'visible', timeout: UI_TIMEOUT})
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
    await expect
      .poll(async () => (await workflowActions())['Mark reviewed'], {timeout: UI_TIMEOUT})
      .toBe(true)
    await page.getByRole('menuitem', {name: 'Mark reviewed'}).click()
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
