import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  DRAFT_MARKER,
  DRAFT_ONLY_SLUG,
  HOSTILE_TITLE,
  KNEE_CLICKING,
  KNEECAP_PAIN,
  PAGING_SPECIALTY,
  type PreviewArchive,
  startPreviewArchive,
} from '../../test/support/previewArchive.ts'

// The preview pages end to end, as HTML text: what the seed thread page shows, escaping, paging
// links, error pages.

let archive: PreviewArchive

beforeAll(async () => {
  archive = await startPreviewArchive()
}, 60_000)

afterAll(() => archive.close())

async function page(path: string) {
  const response = await fetch(`${archive.web.url}${path}`)
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    csp: response.headers.get('content-security-policy'),
    html: await response.text(),
  }
}

/** The text of the page, tags removed and entities for & < > decoded, whitespace flattened. */
function textOf(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
}

describe('thread page', () => {
  it('shows the sections of the archive page: title, question, asker line, replies, More Info, Similar Q&A, Related FAQ', async () => {
    const slug = await archive.slugOf(KNEE_CLICKING)
    const {status, type, csp, html} = await page(`/threads/${slug}`)
    expect(status).toBe(200)
    expect(type).toBe('text/html; charset=utf-8')
    expect(csp).toContain("default-src 'none'")
    expect(html).not.toMatch(/<script/i)
    const text = textOf(html)

    expect(html).toContain(`<title>${KNEE_CLICKING} - Orthopedics</title>`)
    expect(html).toContain(`<h1>${KNEE_CLICKING}</h1>`)
    expect(text).toContain('For about three months my right knee makes a clicking sound')
    expect(text).toContain('H., 30~39 year old male. Ask Date: 2019/03/08')
    expect(text).toContain('Dr. Chou Mingyi reply Orthopedics')
    expect(html).toContain('href="/doctors/chou-mingyi"')
    expect(text).toContain('Reply Date: 2019/03/10')

    expect(html).toContain('<h2 id="more-info">More Info</h2>')
    expect(html).toContain('<h2>Common causes</h2>')
    expect(html).toContain('<h2>When to see a doctor</h2>')
    expect(html).toMatch(/<ol><li>Patellar tracking/)
    expect(html).toMatch(/<ul><li>Swelling, locking/)

    expect(html).toContain('<h2 id="similar">Similar Q&amp;A</h2>')
    const kneecap = await archive.slugOf(KNEECAP_PAIN)
    expect(html).toContain(`<a href="/threads/${kneecap}">${KNEECAP_PAIN}</a>`)
    expect(text).toContain(`[Read More] ${KNEECAP_PAIN}`)

    expect(html).toContain('<h2 id="related-faq">Related FAQ</h2>')
    expect(text).toMatch(/Knee Pain \(Orthopedics\)/)
    expect(html).toMatch(/href="\/tags\/knee-pain-[0-9a-f]+"/)
  })

  it("names a reply's specialty after the doctor when the doctor is filed under another one", async () => {
    const text = textOf((await page(`/threads/${await archive.slugOf(KNEECAP_PAIN)}`)).html)
    expect(text).toContain('Dr. Chou Mingyi reply Orthopedics')
    expect(text).toContain('Dr. Tsai Yuting reply Rehabilitation Medicine')
    expect(text.indexOf('Chou Mingyi reply')).toBeLessThan(text.indexOf('Tsai Yuting reply'))
  })

  it('shows markup in stored text as text', async () => {
    const {status, html} = await page(`/threads/${await archive.slugOf(HOSTILE_TITLE)}`)
    expect(status).toBe(200)
    expect(html).not.toMatch(/<script|<img|<iframe|onerror="/i)
    expect(html).toContain('Rash &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; more')
    expect(textOf(html)).toContain('Is <img src=x onerror="alert(1)"> dangerous?')
    expect(textOf(html)).toContain('Never <script>alert("reply")</script>.')
  })

  it('answers 404 with an HTML page for unknown and draft-only threads', async () => {
    for (const slug of ['no-such-thread', DRAFT_ONLY_SLUG]) {
      const {status, type, html} = await page(`/threads/${slug}`)
      expect(status).toBe(404)
      expect(type).toBe('text/html; charset=utf-8')
      expect(html).toContain('<h1>Not found</h1>')
      expect(html).not.toContain(DRAFT_MARKER)
    }
  })
})

describe('list pages', () => {
  it('the home page lists specialties with links', async () => {
    const {status, html} = await page('/')
    expect(status).toBe(200)
    expect(html).toContain('<a href="/specialties/orthopedics">Orthopedics</a>')
    expect(html).toContain('<a href="/specialties/dermatology">Dermatology</a>')
  })

  it('a specialty page pages with cursor links until the last page', async () => {
    let path: string | undefined = '/specialties/dermatology?limit=10'
    const titles: string[] = []
    let pages = 0
    while (path && pages < 10) {
      const {status, html} = await page(path)
      expect(status).toBe(200)
      expect(html).toContain(`<h1>${PAGING_SPECIALTY}</h1>`)
      expect(textOf(html)).toContain('Questions (27)')
      titles.push(
        ...[...html.matchAll(/<h3><a href="\/threads\/[^"]+">([^<]+)<\/a><\/h3>/g)].map(
          (m) => m[1] ?? '',
        ),
      )
      const next = /<a href="([^"]+)" rel="next">/.exec(html)?.[1]
      path = next?.replace(/&amp;/g, '&')
      pages++
    }
    expect(pages).toBe(3)
    expect(titles).toHaveLength(27)
    expect(new Set(titles).size).toBe(27)
  })

  it('tag and doctor pages show their questions and replies', async () => {
    const home = await page('/specialties/dermatology')
    const tagPath = /href="(\/tags\/[^"]+)"/.exec(home.html)?.[1]
    expect(tagPath).toBeDefined()
    const tag = await page(tagPath ?? '')
    expect(tag.status).toBe(200)
    expect(tag.html).toContain('<h1>Itchy Skin</h1>')
    expect(tag.html).toContain('rel="next"')

    const doctor = await page('/doctors/chou-mingyi')
    expect(doctor.status).toBe(200)
    expect(doctor.html).toContain('<h1>Dr. Chou Mingyi</h1>')
    expect(textOf(doctor.html)).toContain(KNEECAP_PAIN)
    expect(textOf(doctor.html)).toContain('Reply Date: 2020/09/2')
  })

  it('search shows matching questions and keeps the words in the box', async () => {
    const {status, html} = await page('/search?q=%3Cb%3Eknee')
    expect(status).toBe(200)
    expect(html).toContain('value="&lt;b&gt;knee"')
    expect(textOf(html)).toContain(KNEE_CLICKING)
  })

  it('answers 400 with an HTML page for a bad cursor', async () => {
    const {status, html} = await page('/specialties/dermatology?cursor=%3Cscript%3E')
    expect(status).toBe(400)
    expect(html).toContain('<h1>Bad request</h1>')
    expect(html).not.toContain('<script>')
  })
})
