import type {SanityClient} from '@sanity/client'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {LOCAL_PROJECT_ID} from '../../domain/project.ts'
import {readInputs} from '../../importer/inputs.ts'
import {runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {createQueryClient} from '../../queries/client.ts'
import {startWebServer, type WebServer} from '../../web/server.ts'
import {startTestLake, type TestLake} from './lake.ts'

// A test lake with an imported archive and drafts, and the preview site serving it through a
// published-perspective client without a token, the way `npm start` serves it.

const SAMPLE = join(import.meta.dirname, '..', '..', 'sample', 'archive')
/**
 * The sample's first five threads (two in Orthopedics, the knee threads): the preview tests pin
 * exact lists and counts, so they read these and not the whole sample, which grows.
 */
const SAMPLE_THREADS = [
  'dizzy-on-standing.txt',
  'knee-clicking.txt',
  'kneecap-pain.txt',
  'night-sweats.txt',
  'unanswered-headache.txt',
].map((file) => join(SAMPLE, file))

/** A thread in the importer's JSONL interchange format (README: "JSONL"). */
interface ThreadLine {
  url: string
  title: string
  specialty: string
  question: string
  askedAt?: string
  asker?: {name: string; age: string; gender: string}
  replies?: {doctor: string; specialty: string; body: string; repliedAt: string}[]
  moreInfo?: string
  tags?: {name: string; specialty: string}[]
}

export const PAGING_SPECIALTY = 'Dermatology'
export const PAGING_TAG = 'Itchy Skin'
export const PAGING_DOCTOR = 'Dr. Tsai Mingwen'

/**
 * 25 dermatology threads, three to a day, so pages end inside a run of equal dates, and one
 * without an ask date; every one is tagged "Itchy Skin" and answered by the same doctor.
 */
export const dermatologyThreadsWithTiedDates: ThreadLine[] = [
  ...Array.from({length: 25}, (_, index): ThreadLine => {
    const date = `2022-03-${String(10 + Math.floor(index / 3)).padStart(2, '0')}`
    return {
      url: `https://qa.example.org/derm/${index + 1}`,
      title: `Itchy rash on the forearm, case ${index + 1}`,
      specialty: PAGING_SPECIALTY,
      question: `An itchy rash on my forearm for ${index + 1} days. What could it be?`,
      askedAt: date,
      replies: [
        {
          doctor: PAGING_DOCTOR,
          specialty: PAGING_SPECIALTY,
          body: 'Try a mild cream.',
          repliedAt: date,
        },
      ],
      tags: [{name: PAGING_TAG, specialty: PAGING_SPECIALTY}],
    }
  }),
  {
    url: 'https://qa.example.org/derm/undated',
    title: 'Itchy scalp with no date on the page',
    specialty: PAGING_SPECIALTY,
    question: 'My scalp itches.',
    tags: [{name: PAGING_TAG, specialty: PAGING_SPECIALTY}],
  },
]

export const HOSTILE_TITLE = 'Rash <script>alert("title")</script> & more'

/** Markup in every text field: pages must show it as text. */
const threadWithMarkupInText: ThreadLine = {
  url: 'https://qa.example.org/hostile',
  title: HOSTILE_TITLE,
  specialty: PAGING_SPECIALTY,
  question: 'Is <img src=x onerror="alert(1)"> dangerous?',
  askedAt: '2018-01-01',
  asker: {name: '<b>X', age: '20~29', gender: 'female'},
  replies: [
    {
      doctor: 'Dr. Tsai Mingwen',
      specialty: PAGING_SPECIALTY,
      body: 'Never <script>alert("reply")</script>.',
      repliedAt: '2018-01-02',
    },
  ],
  moreInfo: '<iframe src="https://evil.example"></iframe>',
}

export const KNEE_CLICKING = 'Knee Clicking When Climbing Stairs: What It Means'
export const KNEECAP_PAIN = 'Kneecap Pain After Running: Causes and Exercises'

export const DRAFT_MARKER = 'UNPUBLISHED-DRAFT-TEXT'
export const DRAFT_ONLY_SLUG = 'draft-only-thread'

export interface PreviewArchive {
  lake: TestLake
  /** Published perspective, no token: what the preview site reads through. */
  client: SanityClient
  web: WebServer
  /** Slug of the published question titled `title`. */
  slugOf: (title: string) => Promise<string>
  close: () => Promise<void>
}

export async function startPreviewArchive(): Promise<PreviewArchive> {
  const lake = await startTestLake()
  const writer = lake.client()
  const jsonl = join(lake.dataDir, 'preview-threads.jsonl')
  await writeFile(
    jsonl,
    [...dermatologyThreadsWithTiedDates, threadWithMarkupInText]
      .map((thread) => JSON.stringify(thread))
      .join('\n'),
  )
  const report = await runImport(
    readInputs([...SAMPLE_THREADS, jsonl]),
    clientTarget(writer, {dryRun: false}),
  )
  if (report.summary.failed > 0) {
    throw new Error(`The preview archive did not import: ${JSON.stringify(report.threads)}`)
  }

  // Drafts: an unpublished edit of a published question and of a reply, and a question that
  // exists only as a draft. None of them may ever show.
  const knee = await writer.fetch<{_id: string; reply: string} | null>(
    `*[_type == "question" && title == $title][0]{
      _id, "reply": *[_type == "reply" && question._ref == ^._id][0]._id
    }`,
    {title: KNEE_CLICKING},
  )
  if (!knee) throw new Error('The sample archive has no knee clicking thread')
  const published = await writer.getDocument(knee._id)
  const reply = await writer.getDocument(knee.reply)
  if (!published || !reply) throw new Error('The knee clicking thread is incomplete')
  await writer
    .transaction()
    .create({...published, _id: `drafts.${knee._id}`, title: `${DRAFT_MARKER} title`})
    .create({
      ...reply,
      _id: `drafts.${knee.reply}`,
      body: [
        {
          _type: 'block',
          _key: 'd',
          style: 'normal',
          markDefs: [],
          children: [{_type: 'span', _key: 's', text: `${DRAFT_MARKER} reply`, marks: []}],
        },
      ],
    })
    .create({
      ...published,
      _id: 'drafts.question-draft-only',
      title: `${DRAFT_MARKER} only a draft`,
      slug: {_type: 'slug', current: DRAFT_ONLY_SLUG},
      similar: [],
    })
    .commit({visibility: 'sync'})

  const client = createQueryClient({
    projectId: LOCAL_PROJECT_ID,
    dataset: 'test',
    apiHost: lake.server.url,
    useProjectHostname: false,
  })
  const web = await startWebServer(client, {port: 0, host: '127.0.0.1'})
  return {
    lake,
    client,
    web,
    slugOf: async (title) => {
      const slug = await writer.fetch<string | null>(
        `*[_type == "question" && title == $title && !(_id in path("drafts.**"))][0].slug.current`,
        {title},
      )
      if (!slug) throw new Error(`No published question titled ${JSON.stringify(title)}`)
      return slug
    },
    close: async () => {
      await web.close()
      await lake.close()
    },
  }
}
