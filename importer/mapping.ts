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
function threadIdentity(record: ThreadRecord): string {
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

/** Specialties a thread names, by id, in the order the thread first names them. */
type SpecialtyDocuments = Map<string, SpecialtyDocument>

/** Adds the specialty called `name` (if it is not blank) and returns its id. */
function addSpecialty(specialties: SpecialtyDocuments, name: string | undefined) {
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

/** The thread's "Related FAQ" tags, by id; a tag without a specialty takes the thread's. */
function mapTags(record: ThreadRecord, specialties: SpecialtyDocuments) {
  const tags = new Map<string, FaqTagDocument>()
  for (const tag of record.tags) {
    const name = tag.name.trim()
    if (!name) continue
    const tagSpecialty = addSpecialty(specialties, tag.specialty ?? record.specialty)
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
  return tags
}

/**
 * The doctor document for a reply signed `name`, merged into the one an earlier reply of the
 * thread made: another specialty is added, another spelling of the same name kept as an alias.
 */
function addDoctor(
  doctors: Map<string, DoctorDocument>,
  name: string,
  specialty: string | undefined,
): DoctorDocument {
  const doctor: DoctorDocument = doctors.get(doctorId(name)) ?? {
    _id: doctorId(name),
    _type: 'doctor',
    name,
    honorific: DOCTOR_HONORIFIC,
    slug: {_type: 'slug', current: slugify(name, 60) || doctorId(name)},
    specialties: [],
    aliases: [],
  }
  if (specialty && !doctor.specialties?.some((s) => s._ref === specialty)) {
    doctor.specialties = [...(doctor.specialties ?? []), {...reference(specialty), _key: specialty}]
  }
  if (name !== doctor.name && !doctor.aliases?.includes(name))
    doctor.aliases = [...(doctor.aliases ?? []), name]
  doctors.set(doctor._id, doctor)
  return doctor
}

/** Where a thread's documents are collected while it is mapped. */
interface ThreadContext {
  record: ThreadRecord
  identity: string
  questionId: string
  importedAt: string
  specialties: SpecialtyDocuments
}

/** The thread's replies and the doctors who signed them. */
function mapReplies(thread: ThreadContext) {
  const {record, identity} = thread
  const doctors = new Map<string, DoctorDocument>()
  const replies: ReplyDocument[] = []
  const seen = new Map<string, number>()
  for (const reply of record.replies) {
    // A bare "Dr." is still somebody's reply: keep it under the name as printed.
    const name = doctorDisplayName(reply.doctor) || reply.doctor.trim()
    if (!name) continue
    const specialty = addSpecialty(thread.specialties, reply.specialty ?? record.specialty)
    const doctor = addDoctor(doctors, name, specialty)

    // Ids count the same doctor's replies of the same day, so each keeps its own.
    const base = `${identity}#${doctorKey(name)}#${reply.repliedAt ?? ''}`
    const occurrence = seen.get(base) ?? 0
    seen.set(base, occurrence + 1)
    const content: ReplyDocument = {
      _id: `reply-${stableHash(`${base}#${occurrence}`, 20)}`,
      _type: 'reply',
      question: reference(thread.questionId),
      doctor: reference(doctor._id),
      body: portableText(reply.body),
      ...(reply.repliedAt ? {repliedAt: reply.repliedAt} : {}),
      status: INITIAL_STATUS,
    }
    replies.push({
      ...content,
      source: sourceOf(record, thread.importedAt, stableHash(importedReplyContent(content))),
    })
  }
  return {replies, doctors: [...doctors.values()]}
}

/** The asker as the schema holds it, or undefined when the page tells nothing about them. */
function mapAsker(record: ThreadRecord): QuestionDocument['asker'] {
  const displayName = record.asker?.name?.trim()
  const age = ageRange(record.asker?.age)
  const gender = record.asker?.gender?.toLowerCase()
  if (!displayName && !age && !gender) return undefined
  return {
    _type: 'asker' as const,
    ...(displayName ? {displayName} : {}),
    ...(age ? {ageRange: age} : {}),
    ...(gender
      ? {gender: GENDERS.has(gender) ? (gender as 'female' | 'male' | 'other') : 'unknown'}
      : {}),
  }
}

/**
 * The source page's "Similar Q&A" entries, once each, without the thread itself. Keys and title
 * keys come from the parsed titles, whose entries the privacy step keeps in order.
 */
function mapSimilar(record: ThreadRecord, parsed: ThreadRecord) {
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
  return [...new Map(similar.map((entry) => [entry._key, entry])).values()]
}

export function mapThread(record: ThreadRecord, options: MapOptions): MappedThread {
  const parsed = options.parsed ?? record
  const identity = threadIdentity(parsed)
  const id = questionId(identity)
  const specialties: SpecialtyDocuments = new Map()
  const questionSpecialty = addSpecialty(specialties, record.specialty)
  const tags = mapTags(record, specialties)
  const {replies, doctors} = mapReplies({
    record,
    identity,
    questionId: id,
    importedAt: options.importedAt,
    specialties,
  })
  const asker = mapAsker(record)

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
    ...(asker ? {asker} : {}),
    ...(record.askedAt ? {askedAt: record.askedAt} : {}),
    language: languageOf(record),
    ...(questionSpecialty ? {specialty: reference(questionSpecialty)} : {}),
    tags: [...tags.keys()].map((tag) => ({...reference(tag), _key: tag})),
    ...(record.moreInfo?.length ? {moreInfo: portableText(record.moreInfo)} : {}),
    similar: mapSimilar(record, parsed),
    status: INITIAL_STATUS,
    replyCount: replies.length,
  }
  flagThread({question, replies, doctors}, options.importedAt)
  question.source = sourceOf(
    record,
    options.importedAt,
    stableHash(importedQuestionContent(question)),
  )

  return {
    identity,
    question,
    replies,
    doctors,
    specialties: [...specialties.values()],
    tags: [...tags.values()],
  }
}
