import type {PortableTextBlock} from '@portabletext/types'
import type {BlockContent, Doctor, FaqTag, Question, Reply, Specialty} from '../sanity.types.ts'
import {DOCTOR_HONORIFIC} from '../schemas/documents/doctor.ts'
import {AGE_RANGES} from '../schemas/objects/asker.ts'
import {INITIAL_STATUS} from '../schemas/workflow.ts'
import {conformToSchema} from './blockContent.ts'
import {flagThread} from './quality.ts'
import type {ThreadMask} from './privacy.ts'
import type {ThreadRecord} from './record.ts'
import {importedQuestionContent, importedReplyContent} from '../domain/contentHash.ts'
import {stableHash} from '../domain/hash.ts'
import {doctorId, questionId, specialtyId, tagId, titleDigest} from '../domain/ids.ts'
import {doctorDisplayName, doctorKey, slugify, titleKey} from '../domain/names.ts'

// ThreadRecord → Sanity documents. Everything here is a pure function of the record (plus the
// import time), so the same thread always yields the same ids and the same content hash.

type New<T> = Omit<T, '_createdAt' | '_updatedAt' | '_rev'>
export type QuestionDocument = New<Question>
export type ReplyDocument = New<Reply>
export type DoctorDocument = New<Doctor>
export type SpecialtyDocument = New<Specialty>
export type FaqTagDocument = New<FaqTag>

export interface MapOptions {
  importedAt: string
  /**
   * The thread as parsed, before the privacy step (importer/privacy.ts) masked it: its identity
   * and title keys come from the text as published, so a thread keeps its ids and its "Similar
   * Q&A" links still meet however the masking went. Defaults to the record itself.
   */
  parsed?: ThreadRecord
}

export interface MappedThread {
  identity: string
  question: QuestionDocument
  replies: ReplyDocument[]
  doctors: DoctorDocument[]
  specialties: SpecialtyDocument[]
  tags: FaqTagDocument[]
  /** Personal data the privacy step masked in the thread (importer/privacy.ts). */
  masks?: ThreadMask[]
}

const GENDERS = new Set(['female', 'male', 'other'])
const AGE_RANGE = /^(\d{1,3})\s*[~\-–]\s*(\d{1,3})$/

/** A thread's identity: its URL, or failing that its title and ask date. */
export function threadIdentity(record: ThreadRecord): string {
  return record.url?.trim() || `${titleKey(record.title)}|${record.askedAt ?? ''}`
}

function reference(id: string) {
  return {_type: 'reference' as const, _ref: id}
}

function portableText(blocks: PortableTextBlock[]): BlockContent {
  return conformToSchema(blocks)
}

/** The schema's age range for "20~29", "20-29"…; ranges the schema does not list are dropped. */
function ageRange(age: string | undefined) {
  const match = age ? AGE_RANGE.exec(age.trim()) : null
  const range = match ? `${match[1]}~${match[2]}` : age?.trim()
  return AGE_RANGES.find((known) => known === range)
}

function languageOf(record: ThreadRecord): QuestionDocument['language'] {
  const known = ['en', 'zh-Hant', 'zh-Hans', 'ja', 'ko', 'es'] as const
  const found = known.find((code) => code === record.language)
  return found ?? (record.language ? 'und' : 'en')
}

function sourceOf(record: ThreadRecord, importedAt: string, contentHash: string) {
  let site: string | undefined
  try {
    site = record.url ? new URL(record.url).hostname : undefined
  } catch {
    site = undefined
  }
  return {
    _type: 'source' as const,
    ...(site ? {site} : {}),
    ...(record.url ? {url: record.url} : {}),
    importedAt,
    contentHash,
  }
}

export function mapThread(record: ThreadRecord, options: MapOptions): MappedThread {
  const parsed = options.parsed ?? record
  const identity = threadIdentity(parsed)
  const id = questionId(identity)

  const specialties = new Map<string, SpecialtyDocument>()
  const addSpecialty = (name: string | undefined) => {
    const clean = name?.trim()
    if (!clean) return undefined
    const specialty: SpecialtyDocument = {
      _id: specialtyId(clean),
      _type: 'specialty',
      name: clean,
      slug: {_type: 'slug', current: slugify(clean, 60) || specialtyId(clean)},
    }
    specialties.set(specialty._id, specialty)
    return specialty._id
  }
  const questionSpecialty = addSpecialty(record.specialty)

  const tags = new Map<string, FaqTagDocument>()
  for (const tag of record.tags) {
    const name = tag.name.trim()
    if (!name) continue
    const tagSpecialty = addSpecialty(tag.specialty ?? record.specialty)
    const tagDocument: FaqTagDocument = {
      _id: tagId(name, tag.specialty ?? record.specialty),
      _type: 'faqTag',
      name,
      slug: {
        _type: 'slug',
        current: [slugify(name, 60), stableHash(name + (tag.specialty ?? ''), 4)]
          .filter(Boolean)
          .join('-'),
      },
      ...(tagSpecialty ? {specialty: reference(tagSpecialty)} : {}),
    }
    tags.set(tagDocument._id, tagDocument)
  }

  const doctors = new Map<string, DoctorDocument>()
  const replies: ReplyDocument[] = []
  const seen = new Map<string, number>()
  for (const reply of record.replies) {
    // A bare "Dr." is still somebody's reply: keep it under the name as printed.
    const name = doctorDisplayName(reply.doctor) || reply.doctor.trim()
    if (!name) continue
    const doctorSpecialty = addSpecialty(reply.specialty ?? record.specialty)
    const existing = doctors.get(doctorId(name))
    const doctor: DoctorDocument = existing ?? {
      _id: doctorId(name),
      _type: 'doctor',
      name,
      honorific: DOCTOR_HONORIFIC,
      slug: {_type: 'slug', current: slugify(name, 60) || doctorId(name)},
      specialties: [],
      aliases: [],
    }
    if (doctorSpecialty && !doctor.specialties?.some((s) => s._ref === doctorSpecialty)) {
      doctor.specialties = [
        ...(doctor.specialties ?? []),
        {...reference(doctorSpecialty), _key: doctorSpecialty},
      ]
    }
    if (name !== doctor.name && !doctor.aliases?.includes(name))
      doctor.aliases = [...(doctor.aliases ?? []), name]
    doctors.set(doctor._id, doctor)

    const base = `${identity}#${doctorKey(name)}#${reply.repliedAt ?? ''}`
    const occurrence = seen.get(base) ?? 0
    seen.set(base, occurrence + 1)
    const replyId = `reply-${stableHash(`${base}#${occurrence}`, 20)}`
    const content: ReplyDocument = {
      _id: replyId,
      _type: 'reply',
      question: reference(id),
      doctor: reference(doctor._id),
      body: portableText(reply.body),
      ...(reply.repliedAt ? {repliedAt: reply.repliedAt} : {}),
      status: INITIAL_STATUS,
    }
    replies.push({
      ...content,
      source: sourceOf(record, options.importedAt, stableHash(importedReplyContent(content))),
    })
  }

  const displayName = record.asker?.name?.trim()
  const age = ageRange(record.asker?.age)
  const gender = record.asker?.gender?.toLowerCase()

  // Entries pair with the parsed record's: the privacy step keeps them in order.
  const similar = record.similar
    .map((entry, index) => ({entry, title: parsed.similar[index]?.title ?? entry.title}))
    .filter(({title}) => title.trim() && titleKey(title) !== titleKey(parsed.title))
    .map(({entry, title}) => ({
      _key: stableHash(titleKey(title), 12),
      _type: 'similarThread' as const,
      sourceTitle: entry.title.trim(),
      titleKey: titleDigest(title),
      provenance: 'imported' as const,
    }))
  const uniqueSimilar = [...new Map(similar.map((entry) => [entry._key, entry])).values()]

  const question: QuestionDocument = {
    _id: id,
    _type: 'question',
    title: record.title.trim(),
    titleKey: titleDigest(parsed.title),
    slug: {
      _type: 'slug',
      current: `${slugify(record.title, 80) || 'thread'}-${stableHash(identity, 6)}`,
    },
    ...(record.shortTitle ? {shortTitle: record.shortTitle.trim()} : {}),
    body: portableText(record.question),
    ...(displayName || age || gender
      ? {
          asker: {
            _type: 'asker' as const,
            ...(displayName ? {displayName} : {}),
            ...(age ? {ageRange: age} : {}),
            ...(gender
              ? {gender: GENDERS.has(gender) ? (gender as 'female' | 'male' | 'other') : 'unknown'}
              : {}),
          },
        }
      : {}),
    ...(record.askedAt ? {askedAt: record.askedAt} : {}),
    language: languageOf(record),
    ...(questionSpecialty ? {specialty: reference(questionSpecialty)} : {}),
    tags: [...tags.keys()].map((tag) => ({...reference(tag), _key: tag})),
    ...(record.moreInfo?.length ? {moreInfo: portableText(record.moreInfo)} : {}),
    similar: uniqueSimilar,
    status: INITIAL_STATUS,
    replyCount: replies.length,
  }
  flagThread({question, replies, doctors: [...doctors.values()]}, options.importedAt)
  question.source = sourceOf(
    record,
    options.importedAt,
    stableHash(importedQuestionContent(question)),
  )

  return {
    identity,
    question,
    replies,
    doctors: [...doctors.values()],
    specialties: [...specialties.values()],
    tags: [...tags.values()],
  }
}
