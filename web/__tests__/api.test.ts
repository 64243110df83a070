import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {encodeCursor} from '../../queries/cursor.ts'
import {
  dermatologyThreadsWithTiedDates,
  DRAFT_MARKER,
  DRAFT_ONLY_SLUG,
  KNEE_CLICKING,
  KNEECAP_PAIN,
  PAGING_DOCTOR,
  PAGING_SPECIALTY,
  PAGING_TAG,
  type PreviewArchive,
  startPreviewArchive,
} from '../../test/support/previewArchive.ts'

// The JSON API end to end: imported archive in a lake, the web handler over a published-only
// client, requests with fetch.

let archive: PreviewArchive

beforeAll(async () => {
  archive = await startPreviewArchive()
}, 60_000)

afterAll(() => archive.close())

interface Reply {
  status: number
  type: string | null
  body: unknown
  text: string
}

async function get(path: string, init?: RequestInit): Promise<Reply> {
  const response = await fetch(`${archive.web.url}${path}`, init)
  const text = await response.text()
  const type = response.headers.get('content-type')
  return {
    status: response.status,
    type,
    text,
    body: type?.startsWith('application/json') ? JSON.parse(text) : undefined,
  }
}

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Expected an object, got ${JSON.stringify(value)}`)
  }
  return Object.fromEntries(Object.entries(value))
}

function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`Expected an array, got ${JSON.stringify(value)}`)
  return value
}

async function expectJsonError(path: string, status: number, message?: RegExp) {
  const reply = await get(path)
  expect(reply.status, `${path}: ${reply.text}`).toBe(status)
  expect(reply.type).toBe('application/json; charset=utf-8')
  const body = record(reply.body)
  expect(body.statusCode).toBe(status)
  expect(typeof body.error).toBe('string')
  expect(typeof body.message).toBe('string')
  if (message) expect(body.message).toMatch(message)
}

const slugPattern = /^[\p{L}\p{N}-]+$/u
const specialtySlug = (name: string) => name.toLowerCase().replace(/\s+/g, '-')

async function tagSlug(name: string): Promise<string> {
  const slug = await archive.client.fetch<string | null>(
    '*[_type == "faqTag" && name == $name][0].slug.current',
    {name},
  )
  if (!slug) throw new Error(`No tag ${name}`)
  return slug
}

/** Follows nextCursor from `path` to the end; the ids of every page, in order. */
async function walk(path: string, key: 'questions' | 'replies'): Promise<string[][]> {
  const pages: string[][] = []
  let next: string | null = path
  while (next !== null && pages.length < 50) {
    const reply = await get(next)
    expect(reply.status, reply.text).toBe(200)
    const body = record(reply.body)
    pages.push(list(body[key]).map((item) => String(record(item)._id)))
    const cursor = body.nextCursor
    next =
      typeof cursor === 'string'
        ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`
        : null
  }
  return pages
}

describe('GET /api/threads/:slug', () => {
  it('returns the question, its replies in date order with doctors, tags and similar threads', async () => {
    const slug = await archive.slugOf(KNEE_CLICKING)
    const reply = await get(`/api/threads/${slug}`)
    expect(reply.status).toBe(200)
    expect(reply.type).toBe('application/json; charset=utf-8')
    const thread = record(reply.body)
    expect(thread).toMatchObject({
      title: KNEE_CLICKING,
      slug,
      shortTitle: 'Knee clicking',
      askedAt: '2019-03-08',
      asker: {displayName: 'H.', ageRange: '30~39', gender: 'male'},
      specialty: {name: 'Orthopedics', slug: 'orthopedics'},
    })
    expect(list(thread.body).length).toBeGreaterThan(0)
    expect(list(thread.moreInfo).length).toBeGreaterThan(0)
    expect(list(thread.tags).map((tag) => record(tag).name)).toEqual(['Knee Pain', 'Patella'])
    expect(record(list(thread.tags)[0])).toMatchObject({specialty: 'Orthopedics'})

    const replies = list(thread.replies).map(record)
    expect(replies).toHaveLength(1)
    expect(replies[0]).toMatchObject({
      repliedAt: '2019-03-10',
      doctor: {name: 'Chou Mingyi', slug: 'chou-mingyi'},
    })

    const similar = list(thread.similar).map(record)
    const kneecap = similar.find((entry) => entry.title === KNEECAP_PAIN)
    expect(kneecap).toMatchObject({slug: await archive.slugOf(KNEECAP_PAIN), doctor: 'Chou Mingyi'})
    expect(typeof kneecap?.excerpt).toBe('string')
    expect(typeof kneecap?.provenance).toBe('string')
  })

  it('lists replies oldest first', async () => {
    const slug = await archive.slugOf(dermatologyThreadsWithTiedDates[0]?.title ?? '')
    const thread = record((await get(`/api/threads/${slug}`)).body)
    const dates = list(thread.replies).map((item) => String(record(item).repliedAt))
    expect(dates).toEqual([...dates].sort())
  })

  it('answers 404 with a JSON error for an unknown slug', async () => {
    await expectJsonError('/api/threads/no-such-thread', 404, /no-such-thread/)
    await expectJsonError('/api/threads/no-such-thread/similar', 404)
  })
})

describe('GET /api/threads/:slug/similar', () => {
  it('returns at most `limit` similar threads', async () => {
    const slug = await archive.slugOf(KNEE_CLICKING)
    const reply = await get(`/api/threads/${slug}/similar?limit=1`)
    expect(reply.status).toBe(200)
    const similar = list(record(reply.body).similar).map(record)
    expect(similar.length).toBeLessThanOrEqual(1)
    for (const entry of similar) {
      expect(entry).toEqual(
        expect.objectContaining({_id: expect.any(String), title: expect.any(String)}),
      )
      expect(String(entry.slug)).toMatch(slugPattern)
    }
  })

  it('answers 400 for a bad limit', async () => {
    const slug = await archive.slugOf(KNEE_CLICKING)
    for (const limit of ['0', '-1', 'abc', '2.5', '1e2', '100000', '']) {
      await expectJsonError(`/api/threads/${slug}/similar?limit=${limit}`, 400, /limit/)
    }
    await expectJsonError(`/api/threads/${slug}/similar?limit=1&limit=2`, 400, /limit/)
  })
})

describe('GET /api/specialties and /api/specialties/:slug', () => {
  it('lists every specialty by name', async () => {
    const reply = await get('/api/specialties')
    expect(reply.status).toBe(200)
    const specialties = list(record(reply.body).specialties).map(record)
    expect(specialties.map((specialty) => specialty.name)).toEqual([
      'Dermatology',
      'Internal Medicine',
      'Neurology',
      'Orthopedics',
      'Rehabilitation Medicine',
    ])
    expect(specialties[0]).toEqual({
      _id: expect.any(String),
      name: 'Dermatology',
      slug: 'dermatology',
      description: null,
    })
  })

  it('returns the specialty, its FAQ tags and a first page of questions, newest first', async () => {
    const reply = await get('/api/specialties/orthopedics')
    expect(reply.status).toBe(200)
    const body = record(reply.body)
    expect(record(body.specialty)).toMatchObject({name: 'Orthopedics', slug: 'orthopedics'})
    expect(body.total).toBe(2)
    expect(list(record(body.specialty).tags).map((tag) => record(tag).name)).toEqual([
      'Knee Pain',
      'Patella',
      'Running Injuries',
    ])
    const questions = list(body.questions).map(record)
    expect(questions.map((question) => question.title)).toEqual([KNEECAP_PAIN, KNEE_CLICKING])
    expect(questions[0]).toMatchObject({
      askedAt: '2020-09-21',
      replyCount: 2,
      specialty: {name: 'Orthopedics'},
    })
    expect(String(questions[0]?.excerpt).length).toBeGreaterThan(20)
    expect(body.nextCursor).toBeNull()
  })

  it('walks every question of a specialty with a cursor, without duplicates or gaps', async () => {
    const pages = await walk(
      `/api/specialties/${specialtySlug(PAGING_SPECIALTY)}?limit=4`,
      'questions',
    )
    const ids = pages.flat()
    const expected = await archive.client.fetch<string[]>(
      '*[_type == "question" && specialty->name == $name] | order(coalesce(askedAt, "") desc, _id desc)._id',
      {name: PAGING_SPECIALTY},
    )
    // 26 tied-date threads plus the thread with markup, all in Dermatology.
    expect(expected).toHaveLength(dermatologyThreadsWithTiedDates.length + 1)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expected)
    expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true)
    expect(pages.at(-1)?.length).toBeGreaterThan(0)
  })

  it('answers 404 for an unknown specialty and 400 for a bad cursor or limit', async () => {
    await expectJsonError('/api/specialties/astrology', 404, /astrology/)
    const bad = [
      'not-a-cursor!',
      Buffer.from('not json').toString('base64url'),
      Buffer.from('{"d":"2020-01-01"}').toString('base64url'),
      Buffer.from('{"d":"yesterday","i":"question-1"}').toString('base64url'),
      Buffer.from('{"d":"2020-01-01","i":"<script>"}').toString('base64url'),
      '',
    ]
    for (const cursor of bad) {
      await expectJsonError(`/api/specialties/orthopedics?cursor=${cursor}`, 400, /cursor/)
    }
    await expectJsonError('/api/specialties/orthopedics?limit=101', 400, /limit/)
  })

  it('accepts a well-formed cursor past the end as an empty last page', async () => {
    const cursor = encodeCursor({date: '', id: 'a'})
    const reply = await get(`/api/specialties/orthopedics?cursor=${cursor}`)
    expect(reply.status).toBe(200)
    expect(record(reply.body)).toMatchObject({questions: [], nextCursor: null})
  })
})

describe('GET /api/tags/:slug', () => {
  it('returns the tag with its specialty and pages through its questions', async () => {
    const slug = await tagSlug(PAGING_TAG)
    const first = record((await get(`/api/tags/${slug}`)).body)
    expect(record(first.tag)).toMatchObject({
      name: PAGING_TAG,
      slug,
      specialty: {name: PAGING_SPECIALTY, slug: specialtySlug(PAGING_SPECIALTY)},
    })
    const ids = (await walk(`/api/tags/${slug}?limit=7`, 'questions')).flat()
    expect(ids).toHaveLength(dermatologyThreadsWithTiedDates.length)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('answers 404 for an unknown tag and 400 for a bad cursor', async () => {
    await expectJsonError('/api/tags/no-such-tag', 404)
    await expectJsonError(`/api/tags/${await tagSlug(PAGING_TAG)}?cursor=xyz`, 400, /cursor/)
  })
})

describe('GET /api/doctors/:slug', () => {
  it('returns the doctor with specialties and pages through their replies', async () => {
    const first = await get('/api/doctors/tsai-mingwen?limit=5')
    expect(first.status).toBe(200)
    const body = record(first.body)
    expect(record(body.doctor)).toMatchObject({
      name: PAGING_DOCTOR.replace(/^Dr\. /, ''),
      specialties: [{name: PAGING_SPECIALTY, slug: specialtySlug(PAGING_SPECIALTY)}],
    })
    const reply = record(list(body.replies)[0])
    expect(record(reply.question)).toMatchObject({specialty: {name: PAGING_SPECIALTY}})
    expect(typeof reply.excerpt).toBe('string')
    const ids = (await walk('/api/doctors/tsai-mingwen?limit=5', 'replies')).flat()
    // One reply on each of the 25 dated threads and one on the thread with markup.
    expect(ids).toHaveLength(26)
    expect(new Set(ids).size).toBe(26)
  })

  it('answers 404 for an unknown doctor and 400 for a bad limit', async () => {
    await expectJsonError('/api/doctors/dr-nobody', 404)
    await expectJsonError('/api/doctors/tsai-mingwen?limit=zero', 400, /limit/)
  })
})

describe('GET /api/search', () => {
  it('finds questions by words in the title or text, best first', async () => {
    const reply = await get('/api/search?q=kneecap%20running')
    expect(reply.status).toBe(200)
    const results = list(record(reply.body).results).map(record)
    expect(results[0]?.title).toBe(KNEECAP_PAIN)
    const prefix = list(record((await get('/api/search?q=click')).body).results).map(record)
    expect(prefix.map((result) => result.title)).toContain(KNEE_CLICKING)
  })

  it('answers 400 without words to look for', async () => {
    await expectJsonError('/api/search?q=%20%21', 400, /word/)
    await expectJsonError('/api/search', 400)
  })
})

describe('drafts', () => {
  it('never shows through any route', async () => {
    const knee = await archive.slugOf(KNEE_CLICKING)
    const paths = [
      `/api/threads/${knee}`,
      `/api/threads/${knee}/similar?limit=50`,
      `/threads/${knee}`,
      '/api/specialties/orthopedics',
      '/specialties/orthopedics',
      '/api/doctors/chou-mingyi',
      '/doctors/chou-mingyi',
    ]
    for (const path of paths) {
      const reply = await get(path)
      expect(reply.status, path).toBe(200)
      expect(reply.text, path).not.toContain(DRAFT_MARKER)
    }
    // Search echoes the words it was given, so only its results count.
    const search = record((await get(`/api/search?q=${DRAFT_MARKER}`)).body)
    expect(search.results).toEqual([])
    expect((await get(`/search?q=${DRAFT_MARKER}`)).text).toContain('0 questions matching')
    await expectJsonError(`/api/threads/${DRAFT_ONLY_SLUG}`, 404)
  })
})

describe('routing', () => {
  it('answers 404 JSON for unknown API routes and 405 for other methods', async () => {
    await expectJsonError('/api/nothing', 404)
    await expectJsonError('/api/threads', 404)
    await expectJsonError('/api/threads/a/b/c', 404)
    const post = await get('/api/specialties', {method: 'POST'})
    expect(post.status).toBe(405)
    expect(record(post.body)).toMatchObject({statusCode: 405})
  })
})

// Last: it archives a question of the shared archive.
describe('archived questions', () => {
  it('disappear from every page, list, search and similar list', async () => {
    const slug = await archive.slugOf(KNEECAP_PAIN)
    const knee = await archive.slugOf(KNEE_CLICKING)
    const titles = async (path: string, key: string) =>
      list(record((await get(path)).body)[key]).map((row) => record(row).title)
    expect(await titles('/api/specialties/orthopedics?limit=100', 'questions')).toContain(
      KNEECAP_PAIN,
    )
    const writer = archive.lake.client()
    const id = await writer.fetch<string>(
      '*[_type == "question" && slug.current == $slug][0]._id',
      {
        slug,
      },
    )
    await writer.patch(id).set({status: 'archived'}).commit({visibility: 'sync'})

    await expectJsonError(`/api/threads/${slug}`, 404)
    expect((await get(`/threads/${slug}`)).status).toBe(404)
    expect(await titles('/api/specialties/orthopedics?limit=100', 'questions')).not.toContain(
      KNEECAP_PAIN,
    )
    expect(await titles('/api/search?q=kneecap%20running', 'results')).not.toContain(KNEECAP_PAIN)
    expect(await titles(`/api/threads/${knee}/similar?limit=50`, 'similar')).not.toContain(
      KNEECAP_PAIN,
    )
    for (const tag of ['knee-pain', 'patella']) {
      const reply = await get(`/api/tags/${tag}?limit=100`)
      if (reply.status === 200)
        expect(await titles(`/api/tags/${tag}?limit=100`, 'questions')).not.toContain(KNEECAP_PAIN)
    }
    const doctor = await get('/api/doctors/chou-mingyi?limit=100')
    const questions = list(record(doctor.body).replies).map(
      (row) => record(record(row).question).title,
    )
    expect(questions).not.toContain(KNEECAP_PAIN)
  })
})
