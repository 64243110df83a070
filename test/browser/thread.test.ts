import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import type {Browser, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {launchChromium} from '../support/chromium.ts'
import {
  KNEE_CLICKING,
  KNEECAP_PAIN,
  type PreviewArchive,
  startPreviewArchive,
} from '../support/previewArchive.ts'

// A person reading the preview site: Debian's Chromium (never a downloaded browser) opens a
// thread page served from a test lake, sees the sections of the archive page and follows a
// Similar Q&A link. One screenshot per step in test-results/.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'browser')

let archive: PreviewArchive | undefined
let browser: Browser | undefined

beforeAll(async () => {
  await mkdir(SCREENSHOTS, {recursive: true})
  archive = await startPreviewArchive()
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await archive?.close()
})

async function visibleText(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first()
  await locator.waitFor({state: 'visible', timeout: 5_000})
  return (await locator.innerText()).trim()
}

describe('thread page in a browser', () => {
  it('shows the archive page sections and follows a Similar Q&A link', async () => {
    if (!browser || !archive) throw new Error('The browser or the archive did not start')
    const page = await browser.newPage({viewport: {width: 1000, height: 1400}})
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))

    const slug = await archive.slugOf(KNEE_CLICKING)
    const response = await page.goto(`${archive.web.url}/threads/${slug}`)
    expect(response?.status()).toBe(200)
    expect(await visibleText(page, 'h1')).toBe(KNEE_CLICKING)
    expect(await visibleText(page, '.asker')).toBe('H., 30~39 year old male. Ask Date: 2019/03/08')
    expect(await visibleText(page, '.reply h3')).toBe('Dr. Chou Mingyi reply Orthopedics')
    expect(await visibleText(page, '#more-info')).toBe('More Info')
    expect(await visibleText(page, '#similar')).toBe('Similar Q&A')
    expect(await visibleText(page, '#related-faq')).toBe('Related FAQ')
    expect(await visibleText(page, '.related-faq li')).toBe('Knee Pain (Orthopedics)')
    // The inline style sheet applies (its CSP hash matches): the header is the site's blue.
    expect(
      await page
        .locator('header.site')
        .evaluate((element) => getComputedStyle(element).backgroundColor),
    ).toBe('rgb(36, 71, 107)')
    await page.screenshot({path: join(SCREENSHOTS, '1-thread.png'), fullPage: true})

    const similarLink = page.locator('.similar-thread h3 a', {hasText: KNEECAP_PAIN}).first()
    await similarLink.scrollIntoViewIfNeeded()
    await page.screenshot({path: join(SCREENSHOTS, '2-similar-section.png')})
    await Promise.all([page.waitForURL(/\/threads\/kneecap-pain/), similarLink.click()])

    expect(new URL(page.url()).pathname).toBe(`/threads/${await archive.slugOf(KNEECAP_PAIN)}`)
    expect(await visibleText(page, 'h1')).toBe(KNEECAP_PAIN)
    expect(await visibleText(page, '.asker')).toContain('Ask Date: 2020/09/21')
    expect(await page.locator('.reply').count()).toBe(2)
    await page.screenshot({path: join(SCREENSHOTS, '3-similar-thread.png'), fullPage: true})

    expect(problems).toEqual([])
    await page.close()
  })
})
