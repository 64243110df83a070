import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  DRAFT_MARKER,
  DRAFT_ONLY_SLUG,
  KNEE_CLICKING,
  PAGING_SPECIALTY,
  type PreviewArchive,
  startPreviewArchive,
} from '../../test/support/previewArchive.ts'
import {createQueryClient} from '../client.ts'
import {fetchDoctorPage} from '../doctors.ts'
import {searchQuestions} from '../search.ts'
import {fetchSpecialties, fetchSpecialtyPage} from '../specialties.ts'
import {fetchThread} from '../threads.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'

// The fetch functions on their own, against a lake with an imported archive and drafts.

let archive: PreviewArchive

beforeAll(async () => {
  archive = await startPreviewArchive()
}, 60_000)

afterAll(() => archive.close())

describe('createQueryClient', () => {
  it('makes a published-perspective client without the CDN on the configured host', () => {
    const client = createQueryClient({
      projectId: 'abc123',
      dataset: 'production',
    })
    expect(client.config()).toMatchObject({
      projectId: 'abc123',
      dataset: 'production',
      apiVersion: API_VERSION,
      perspective: 'published',
      useCdn: false,
    })
    expect(client.config().token).toBeUndefined()
  })
})

describe('fetch functions', () => {
  it('read only published documents even through a raw-perspective client with a token', async () => {
    const raw = archive.lake.client({perspective: 'raw'})
    const slug = await archive.slugOf(KNEE_CLICKING)
    const thread = await fetchThread(raw, slug)
    expect(thread?.title).toBe(KNEE_CLICKING)
    expect(JSON.stringify(thread)).not.toContain(DRAFT_MARKER)
    expect(await fetchThread(raw, DRAFT_ONLY_SLUG)).toBeNull()
    expect(await searchQuestions(raw, DRAFT_MARKER, 10)).toEqual([])
    const doctor = await fetchDoctorPage(raw, 'chou-mingyi', {limit: 10})
    expect(JSON.stringify(doctor)).not.toContain(DRAFT_MARKER)
  })

  it('cut list excerpts to a readable length', async () => {
    const page = await fetchSpecialtyPage(archive.client, 'orthopedics', {limit: 5})
    for (const question of page?.questions ?? []) {
      expect(question.excerpt.length).toBeLessThanOrEqual(201)
      expect(question.excerpt).not.toMatch(/\s{2}/)
    }
  })

  it("count a list's items whatever page is asked for", async () => {
    const specialties = await fetchSpecialties(archive.client)
    const dermatology = specialties.find((specialty) => specialty.name === PAGING_SPECIALTY)
    const first = await fetchSpecialtyPage(archive.client, dermatology?.slug ?? '', {limit: 5})
    expect(first).toMatchObject({total: 27})
    expect(first?.questions).toHaveLength(5)
    const doctor = await fetchDoctorPage(archive.client, 'tsai-mingwen', {limit: 1})
    expect(doctor).toMatchObject({total: 26})
  })
})
