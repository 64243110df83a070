import type {BlockContent, Doctor, FaqTag, Question, Reply, Specialty} from '../sanity.types.ts'
import {AGE_RANGES} from '../schemas/objects/asker.ts'
import {createRandom, cumulativeWeights, type Random} from './random.ts'

// A seeded synthetic archive in the shape of the content model: 40 specialties, ~500 FAQ tags,
// ~2,000 doctors and `threads` questions with 0–3 replies each. Text lengths follow the scraped
// archive (titles around 60 characters, 2–6 paragraph questions, some long "More Info" articles).
// The same seed always gives the same documents; the lake adds _rev and timestamps on write.

/** A document as written: the lake stamps `_rev`, `_createdAt` and `_updatedAt`. */
export type Unstamped<T> = Omit<T, '_rev' | '_createdAt' | '_updatedAt'>

export interface Archive {
  specialties: Unstamped<Specialty>[]
  tags: Unstamped<FaqTag>[]
  doctors: Unstamped<Doctor>[]
  questions: Unstamped<Question>[]
  replies: Unstamped<Reply>[]
}

export interface GenerateOptions {
  threads: number
  seed: number
  doctors?: number
  tags?: number
}

export const SPECIALTIES = [
  'Neurology',
  'Dermatology',
  'Cardiology',
  'Gastroenterology',
  'Endocrinology',
  'Nephrology',
  'Urology',
  'Gynecology',
  'Obstetrics',
  'Pediatrics',
  'Psychiatry',
  'Ophthalmology',
  'Otolaryngology',
  'Orthopedics',
  'Rheumatology',
  'Pulmonology',
  'Hematology',
  'Oncology',
  'Infectious Diseases',
  'Allergy and Immunology',
  'Family Medicine',
  'Internal Medicine',
  'General Surgery',
  'Plastic Surgery',
  'Neurosurgery',
  'Dentistry',
  'Rehabilitation Medicine',
  'Sports Medicine',
  'Geriatrics',
  'Emergency Medicine',
  'Anesthesiology',
  'Radiology',
  'Nutrition',
  'Chinese Medicine',
  'Hepatology',
  'Vascular Surgery',
  'Thoracic Surgery',
  'Sleep Medicine',
  'Pain Medicine',
  'Andrology',
] as const

const SYMPTOMS = [
  'Calf Muscle Twitches',
  'Eyelid Flutter',
  'Persistent Dry Cough',
  'Itchy Red Rash',
  'Lower Back Pain',
  'Ringing in the Ears',
  'Blurred Vision',
  'Night Sweats',
  'Heart Palpitations',
  'Numb Fingertips',
  'Frequent Headaches',
  'Swollen Ankles',
  'Stomach Cramps',
  'Sudden Hair Loss',
  'Morning Joint Stiffness',
  'Dizziness When Standing',
  'Chest Tightness',
  'Recurring Sore Throat',
  'Burning Feet',
  'Knee Clicking',
  'Blood in Urine',
  'Irregular Periods',
  'Shortness of Breath',
  'Jaw Pain',
  'Bloating and Gas',
  'Restless Legs',
  'Dark Spots on Skin',
  'Trouble Sleeping',
  'Shoulder Stiffness',
  'Bleeding Gums',
  'Hand Tremor',
  'Acid Reflux',
  'Unexplained Bruising',
  'Constant Fatigue',
  'Neck Lump',
  'Toe Numbness',
] as const

const CONTEXTS = [
  'After Several Late Nights',
  'After Running or Exercise',
  'Right After Waking Up',
  'During Early Pregnancy',
  'After Large or Spicy Meals',
  'That Gets Worse at Night',
  'After a Bad Cold',
  'While Sitting at a Desk',
  'Every Winter',
  'After Starting New Medication',
  'in a Fifteen-Year-Old',
  'After Drinking Coffee',
  'for More Than Three Weeks',
  'in My Late Sixties',
  'Two Months After Surgery',
  'During Long Shifts at Work',
]

const TAILS = [
  'Causes, Diagnosis, and Treatment',
  'Is It Serious?',
  'What Could It Be?',
  'When to See a Doctor',
  'Normal or Not?',
  'Should I Worry?',
  'Causes and Relief',
  'Tests to Consider',
] as const

const BODY_PARTS = [
  'left calf',
  'lower right eyelid',
  'chest',
  'lower back',
  'right knee',
  'fingertips',
  'stomach',
  'neck',
  'left shoulder',
  'scalp',
  'ankles',
  'throat',
  'jaw',
  'feet',
] as const

const DURATIONS = [
  'three weeks',
  'about a month',
  'two days',
  'half a year',
  'several months',
  'ten days',
  'almost a year',
] as const

const TIMINGS = [
  'after I sleep late',
  'when I climb stairs',
  'after dinner',
  'right after waking up',
  'when I sit for a long time',
  'during my commute',
  'whenever I drink coffee',
  'late at night',
] as const

const CONDITIONS = [
  'diabetes',
  'high blood pressure',
  'thyroid problems',
  'asthma',
  'anemia',
  'migraines',
  'kidney stones',
  'eczema',
  'arthritis',
  'heart disease',
] as const

const CAUSES = [
  'fatigue and too much caffeine',
  'a mild electrolyte imbalance',
  'muscle strain from posture',
  'a viral infection that is still clearing',
  'stress and poor sleep',
  'a side effect of the medication',
  'an allergic reaction',
  'benign fasciculations',
  'reflux irritating the esophagus',
  'low iron stores',
] as const

const ADVICE = [
  'rest well and cut down on coffee',
  'keep a symptom diary for two weeks',
  'have a blood test for electrolytes and thyroid function',
  'stretch gently before bed',
  'drink more water and eat regular meals',
  'avoid spicy food and late dinners',
  'try a short course of antihistamines',
  'book an appointment for a physical examination',
  'check your blood pressure at home morning and evening',
] as const

const RED_FLAGS = [
  'the weakness spreads to other muscles',
  'you notice a fever above 38.5 degrees',
  'the pain wakes you at night',
  'you lose weight without trying',
  'you feel short of breath at rest',
  'the numbness reaches your arm',
  'you see blood in your stool',
] as const

const FAMILY_NAMES = [
  'Wu',
  'Lan',
  'Chen',
  'Lin',
  'Huang',
  'Zhang',
  'Li',
  'Wang',
  'Liu',
  'Tsai',
  'Yang',
  'Hsu',
  'Cheng',
  'Hsieh',
  'Kuo',
  'Hung',
  'Chiu',
  'Tseng',
  'Liao',
  'Lai',
  'Chou',
  'Yeh',
  'Su',
  'Chuang',
  'Lu',
  'Chiang',
  'Ho',
  'Lo',
  'Kao',
  'Chung',
] as const

const GIVEN_SYLLABLES = [
  'ping',
  'he',
  'sheng',
  'xing',
  'wei',
  'ming',
  'jun',
  'hua',
  'yi',
  'chen',
  'zhi',
  'hao',
  'lin',
  'an',
  'mei',
  'jia',
  'yu',
  'tai',
  'kai',
  'rong',
  'fang',
  'qing',
  'shu',
  'wen',
] as const

const TAG_QUALIFIERS = [
  'Chronic',
  'Acute',
  'Recurrent',
  'Childhood',
  'Seasonal',
  'Postoperative',
  'Nighttime',
  'Exercise-Induced',
  'Stress-Related',
  'Age-Related',
  'Mild',
  'Persistent',
] as const

const AGE_WEIGHTS = cumulativeWeights([2, 8, 22, 24, 18, 12, 8, 4, 1.5, 0.5])
const GENDERS = ['female', 'male', 'other', 'unknown'] as const
const GENDER_WEIGHTS = cumulativeWeights([52, 44, 1, 3])
const STATUSES = ['needsReview', 'changesRequested', 'reviewed', 'archived'] as const
const STATUS_WEIGHTS = cumulativeWeights([30, 5, 60, 5])
const REPLY_COUNT_WEIGHTS = cumulativeWeights([15, 45, 25, 15])

const SITE = 'archive.example'
const FIRST_DAY = Date.UTC(2008, 0, 1)
const LAST_DAY = Date.UTC(2024, 11, 31)
const DAY = 86_400_000

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '')
}

/** Normalised title the importer matches similar-thread entries on. */
export function titleKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10)
}

function block(
  random: Random,
  text: string,
  style: 'normal' | 'h2' | 'h3' | 'blockquote' = 'normal',
  listItem?: 'bullet' | 'number',
): BlockContent[number] {
  return {
    _type: 'block',
    _key: random.key(),
    style,
    markDefs: [],
    children: [{_type: 'span', _key: random.key(), text, marks: []}],
    ...(listItem ? {listItem, level: 1} : {}),
  }
}

function questionSentence(random: Random, symptom: string): string {
  const part = random.pick(BODY_PARTS)
  switch (random.int(0, 6)) {
    case 0:
      return `For ${random.pick(DURATIONS)} I have had ${symptom} in my ${part}, mostly ${random.pick(TIMINGS)}.`
    case 1:
      return `It gets worse ${random.pick(TIMINGS)} and eases a little when I lie down and rest for a while.`
    case 2:
      return `I have no history of ${random.pick(CONDITIONS)}, but my mother was treated for ${random.pick(CONDITIONS)} in her fifties.`
    case 3:
      return `My family doctor examined my ${part} and said it looked normal, yet the ${symptom} keeps coming back.`
    case 4:
      return `I searched online and now I am worried it could be something related to ${random.pick(CONDITIONS)}.`
    case 5:
      return `I already tried to ${random.pick(ADVICE)}, which helped for a few days before it returned.`
    default:
      return `Should I see a specialist about the ${symptom}, or is this something that usually goes away on its own?`
  }
}

function replySentence(random: Random, symptom: string): string {
  switch (random.int(0, 5)) {
    case 0:
      return `${capitalize(symptom)} like you describe is most often caused by ${random.pick(CAUSES)}.`
    case 1:
      return `I recommend that you ${random.pick(ADVICE)}, and ${random.pick(ADVICE)}.`
    case 2:
      return `If ${random.pick(RED_FLAGS)}, please see a doctor promptly rather than waiting.`
    case 3:
      return `From your description this does not sound dangerous, but an examination is the only way to be sure.`
    case 4:
      return `Your history of ${random.pick(CONDITIONS)} in the family is worth mentioning at the visit.`
    default:
      return `Most patients improve within ${random.pick(DURATIONS)} once the trigger is removed.`
  }
}

function paragraph(random: Random, sentence: () => string, min: number, max: number): string {
  const count = random.int(min, max)
  const sentences: string[] = []
  for (let i = 0; i < count; i++) sentences.push(sentence())
  return sentences.join(' ')
}

function moreInfoArticle(random: Random, symptom: string, specialty: string): BlockContent {
  const blocks: BlockContent = []
  const sections = random.int(2, 4)
  for (let section = 0; section < sections; section++) {
    blocks.push(
      block(
        random,
        random.pick([
          `What causes ${symptom}?`,
          `How ${specialty.toLowerCase()} doctors examine it`,
          'Treatment options',
          'When to seek care',
          'Living with it day to day',
        ]),
        'h2',
      ),
    )
    blocks.push(
      block(
        random,
        paragraph(random, () => replySentence(random, symptom), 3, 6),
      ),
    )
    if (random.chance(0.4)) {
      for (let item = random.int(2, 4); item > 0; item--)
        blocks.push(block(random, capitalize(random.pick(ADVICE)), 'normal', 'bullet'))
    }
  }
  return blocks
}

function doctorName(random: Random): string {
  const given = `${random.pick(GIVEN_SYLLABLES)}${random.pick(GIVEN_SYLLABLES)}`
  return `${random.pick(FAMILY_NAMES)} ${capitalize(given)}`
}

function aliasesOf(random: Random, name: string): string[] {
  const [family = '', given = ''] = name.split(' ')
  const candidates = [`${given} ${family}`, `${family}, ${given}`, `Dr. ${name}`]
  return random.sample(candidates, random.int(0, 2))
}

function title(random: Random, symptom: string): string {
  switch (random.int(0, 4)) {
    case 0:
      return `${symptom} ${random.pick(CONTEXTS)}: ${random.pick(TAILS)}`
    case 4:
      return `Is ${symptom} ${random.pick(CONTEXTS)} a Sign of ${capitalize(random.pick(CONDITIONS))}?`
    case 1:
      return `${symptom} and ${random.pick(SYMPTOMS)}: ${random.pick(TAILS)}`
    case 2:
      return `${symptom} ${random.pick(CONTEXTS)} and ${random.pick(SYMPTOMS)}`
    default:
      return `${symptom} ${random.pick(CONTEXTS)}: Should I See a Specialist?`
  }
}

type SpecialtyReference = (index: number) => {_type: 'reference'; _ref: string}

function generateSpecialties(): Unstamped<Specialty>[] {
  return SPECIALTIES.map((name) => ({
    _id: `specialty-${slugify(name)}`,
    _type: 'specialty',
    name,
    slug: {_type: 'slug', current: slugify(name)},
    description: `Questions about ${name.toLowerCase()}, answered by specialists.`,
  }))
}

/** Tags: round-robin over specialties, names unique within the archive. */
function generateTags(random: Random, tagCount: number, specialtyRef: SpecialtyReference) {
  const tags: Unstamped<FaqTag>[] = []
  const tagsBySpecialty: string[][] = SPECIALTIES.map(() => [])
  const tagNames = new Set<string>()
  for (let i = 0; i < tagCount; i++) {
    const specialty = i % SPECIALTIES.length
    let name = ''
    do {
      name = `${random.pick(TAG_QUALIFIERS)} ${random.pick(SYMPTOMS)} (${SPECIALTIES[specialty]})`
    } while (tagNames.has(name) && tagNames.size < tagCount * 4)
    tagNames.add(name)
    const id = `faqTag-${i}`
    tags.push({
      _id: id,
      _type: 'faqTag',
      name,
      slug: {_type: 'slug', current: `${slugify(name)}-${i}`},
      specialty: specialtyRef(specialty),
    })
    tagsBySpecialty[specialty]?.push(id)
  }
  return {tags, tagsBySpecialty}
}

/** Doctors: one primary specialty (round-robin), sometimes a second one. */
function generateDoctors(random: Random, doctorCount: number, specialtyRef: SpecialtyReference) {
  const doctors: Unstamped<Doctor>[] = []
  const doctorsBySpecialty: string[][] = SPECIALTIES.map(() => [])
  for (let i = 0; i < doctorCount; i++) {
    const primary = i % SPECIALTIES.length
    const name = doctorName(random)
    const specialtyIndexes = [primary]
    if (random.chance(0.25)) {
      const second = random.int(0, SPECIALTIES.length - 1)
      if (second !== primary) specialtyIndexes.push(second)
    }
    const id = `doctor-${i}`
    const aliases = aliasesOf(random, name)
    doctors.push({
      _id: id,
      _type: 'doctor',
      name,
      slug: {_type: 'slug', current: `${slugify(name)}-${i}`},
      specialties: specialtyIndexes.map((index) => ({...specialtyRef(index), _key: random.key()})),
      credentials: `MD, attending physician in ${(SPECIALTIES[primary] ?? '').toLowerCase()}`,
      ...(random.chance(0.5)
        ? {
            bio: [
              block(
                random,
                paragraph(random, () => replySentence(random, 'this'), 2, 3),
              ),
            ],
          }
        : {}),
      ...(aliases.length > 0 ? {aliases} : {}),
      source: {
        _type: 'source',
        site: SITE,
        url: `https://${SITE}/doctors/${i}`,
        externalId: `d${i}`,
      },
    })
    for (const index of specialtyIndexes) doctorsBySpecialty[index]?.push(id)
  }
  return {doctors, doctorsBySpecialty}
}

/**
 * Similar threads of question `i`, as the importer leaves them: titles from the source page
 * (resolved to a reference when that question is in the archive), plus computed and curated
 * entries.
 */
function generateSimilar(
  random: Random,
  i: number,
  threads: number,
  questions: readonly Unstamped<Question>[],
): NonNullable<Question['similar']> {
  const similar: NonNullable<Question['similar']> = []
  for (let s = random.int(0, 5); s > 0; s--) {
    const kind = random.next()
    if (kind < 0.15 || i === 0) {
      const sourceTitle = title(random, random.pick(SYMPTOMS))
      similar.push({
        _key: random.key(),
        _type: 'similarThread',
        sourceTitle,
        titleKey: titleKey(sourceTitle),
        provenance: 'imported',
      })
    } else if (kind < 0.6) {
      const target = random.int(0, i - 1)
      const sourceTitle = questions[target]?.title ?? ''
      similar.push({
        _key: random.key(),
        _type: 'similarThread',
        question: {_type: 'reference', _ref: `question-${target}`, _weak: true},
        sourceTitle,
        titleKey: titleKey(sourceTitle),
        provenance: 'imported',
      })
    } else {
      const target = random.int(0, threads - 1)
      if (target === i) continue
      const curated = kind > 0.9
      similar.push({
        _key: random.key(),
        _type: 'similarThread',
        question: {_type: 'reference', _ref: `question-${target}`, _weak: true},
        provenance: curated ? 'curated' : 'computed',
        ...(curated ? {} : {score: Math.round((0.5 + random.next() * 0.5) * 1000) / 1000}),
      })
    }
  }
  return similar
}

/** Question `i`'s replies, each after the one before, by doctors of its specialty. */
function generateReplies(
  random: Random,
  thread: {i: number; asked: number; lower: string; status: Question['status']},
  replyCount: number,
  candidates: readonly string[],
  doctorCount: number,
): Unstamped<Reply>[] {
  const {i, lower, status} = thread
  const replies: Unstamped<Reply>[] = []
  let replied = thread.asked
  for (let r = 0; r < replyCount; r++) {
    replied += random.int(r === 0 ? 0 : 1, 10) * DAY
    const body: BlockContent = []
    for (let p = random.int(1, 4); p > 0; p--)
      body.push(
        block(
          random,
          paragraph(random, () => replySentence(random, lower), 2, 4),
        ),
      )
    replies.push({
      _id: `reply-${i}-${r}`,
      _type: 'reply',
      question: {_type: 'reference', _ref: `question-${i}`},
      doctor: {
        _type: 'reference',
        _ref:
          candidates.length > 0
            ? random.pick(candidates)
            : `doctor-${random.int(0, doctorCount - 1)}`,
      },
      body,
      repliedAt: isoDay(replied),
      status,
      source: {_type: 'source', site: SITE, url: `https://${SITE}/threads/${i}#reply-${r}`},
    })
  }
  return replies
}

/** Generates the archive for `threads` questions; deterministic for a given seed. */
export function generateArchive(options: GenerateOptions): Archive {
  const random = createRandom(options.seed)
  const doctorCount = options.doctors ?? 2000
  const specialties = generateSpecialties()
  const specialtyRef = (index: number) => ({
    _type: 'reference' as const,
    _ref: specialties[index]?._id ?? '',
  })
  const {tags, tagsBySpecialty} = generateTags(random, options.tags ?? 500, specialtyRef)
  const {doctors, doctorsBySpecialty} = generateDoctors(random, doctorCount, specialtyRef)

  // Questions: specialties follow a Zipf-like distribution (a few large ones, a long tail).
  const specialtyWeights = cumulativeWeights(specialties.map((_, i) => 1 / (i + 1) ** 0.8))
  const questions: Unstamped<Question>[] = []
  const replies: Unstamped<Reply>[] = []
  for (let i = 0; i < options.threads; i++) {
    const specialty = random.weighted(specialtyWeights)
    const specialtyName = SPECIALTIES[specialty] ?? ''
    const symptom = random.pick(SYMPTOMS)
    const lower = symptom.toLowerCase()
    const questionTitle = title(random, symptom)
    const asked = FIRST_DAY + random.int(0, (LAST_DAY - FIRST_DAY) / DAY - 30) * DAY
    const body: BlockContent = []
    for (let p = random.int(2, 6); p > 0; p--)
      body.push(
        block(
          random,
          paragraph(random, () => questionSentence(random, lower), 2, 5),
        ),
      )
    const tagIds = random.sample(tagsBySpecialty[specialty] ?? [], random.int(0, 3))
    const similar = generateSimilar(random, i, options.threads, questions)
    const replyCount = random.weighted(REPLY_COUNT_WEIGHTS)
    const status = STATUSES[random.weighted(STATUS_WEIGHTS)] ?? 'needsReview'
    questions.push({
      _id: `question-${i}`,
      _type: 'question',
      title: questionTitle,
      titleKey: titleKey(questionTitle),
      slug: {_type: 'slug', current: `${slugify(questionTitle)}-${i.toString(36)}`},
      shortTitle: capitalize(lower),
      body,
      asker: {
        _type: 'asker',
        displayName: `${String.fromCharCode(65 + random.int(0, 25))}.`,
        ageRange: AGE_RANGES[random.weighted(AGE_WEIGHTS)] ?? '30~39',
        gender: GENDERS[random.weighted(GENDER_WEIGHTS)] ?? 'unknown',
      },
      askedAt: isoDay(asked),
      language: 'en',
      specialty: specialtyRef(specialty),
      ...(tagIds.length > 0
        ? {
            tags: tagIds.map((tag) => ({
              _type: 'reference' as const,
              _ref: tag,
              _key: random.key(),
            })),
          }
        : {}),
      ...(random.chance(0.3) ? {moreInfo: moreInfoArticle(random, lower, specialtyName)} : {}),
      ...(similar.length > 0 ? {similar} : {}),
      status,
      replyCount,
      source: {
        _type: 'source',
        site: SITE,
        url: `https://${SITE}/threads/${i}`,
        externalId: `t${i}`,
        scrapedAt: new Date(LAST_DAY + DAY).toISOString(),
      },
    })
    const thread = {i, asked, lower, status}
    const candidates = doctorsBySpecialty[specialty] ?? []
    replies.push(...generateReplies(random, thread, replyCount, candidates, doctorCount))
  }
  return {specialties, tags, doctors, questions, replies}
}

/** Every document of the archive in write order: reference targets first, then thread by thread. */
export function* archiveDocuments(archive: Archive): Generator<{_id: string; _type: string}> {
  yield* archive.specialties
  yield* archive.tags
  yield* archive.doctors
  let reply = 0
  for (const question of archive.questions) {
    yield question
    for (
      let next = archive.replies[reply];
      next?.question?._ref === question._id;
      next = archive.replies[++reply]
    )
      yield next
  }
  yield* archive.replies.slice(reply)
}

export function documentCount(archive: Archive): number {
  return (
    archive.specialties.length +
    archive.tags.length +
    archive.doctors.length +
    archive.questions.length +
    archive.replies.length
  )
}
