import type {SanityClient} from '@sanity/client'
import {parseJsonl} from '../../importer/parse/jsonl.ts'
import type {ParseResult} from '../../importer/record.ts'
import {type ImportReport, runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import type {LabelledQuestion} from '../../bench/similar/labelled.ts'

// Test support: labelled questions as importer JSONL threads, imported through the real importer.

export interface ThreadLine {
  url: string
  title: string
  specialty: string
  shortTitle?: string
  question: string
  askedAt: string
  replies: {doctor: string; specialty: string; body: string; repliedAt: string}[]
  similar: {title: string}[]
  tags: {name: string; specialty: string}[]
}

export function threadOf(question: LabelledQuestion, seed: number): ThreadLine {
  return {
    url: `https://qa.example.org/labelled/${seed}/${question._id}`,
    title: question.title,
    specialty: question.specialtyName,
    ...(question.shortTitle ? {shortTitle: question.shortTitle} : {}),
    question: question.body,
    askedAt: question.askedAt ?? '2015-01-01',
    replies: [
      {
        doctor: `Dr. ${question.specialtyName} Lin`,
        specialty: question.specialtyName,
        body: 'Please see a doctor for an examination.',
        repliedAt: question.askedAt ?? '2015-01-01',
      },
    ],
    similar: [],
    tags: question.tagNames.map((name) => ({name, specialty: question.specialtyName})),
  }
}

export async function importThreads(
  client: SanityClient,
  threads: ThreadLine[],
): Promise<ImportReport> {
  async function* records(): AsyncGenerator<ParseResult> {
    for (const thread of threads) yield* parseJsonl(JSON.stringify(thread), 'test.jsonl')
  }
  return runImport(records(), clientTarget(client, {dryRun: false}))
}

/** Question id of each imported thread, by its url. */
export function questionIdsByUrl(report: ImportReport): Map<string, string> {
  return new Map(
    report.threads.flatMap((thread) => (thread.ids[0] ? [[thread.source, thread.ids[0]]] : [])),
  )
}

/** Imports the labelled set; returns each question's document id by its labelled id. */
export async function importLabelledSet(
  client: SanityClient,
  questions: LabelledQuestion[],
  seed: number,
): Promise<Map<string, string>> {
  const report = await importThreads(
    client,
    questions.map((question) => threadOf(question, seed)),
  )
  const byUrl = questionIdsByUrl(report)
  const ids = new Map<string, string>()
  for (const question of questions) {
    const id = byUrl.get(threadOf(question, seed).url)
    if (!id) throw new Error(`not imported: ${question._id}`)
    ids.set(question._id, id)
  }
  return ids
}
