import {SPECIALTIES} from './generate.ts'
import {createRandom, type Random} from './random.ts'

// A seeded archive in the importer's JSONL interchange format (README: "JSONL interchange"):
// what a scraped archive from another site looks like, so imports can be tested and measured
// end to end. Same seed, same lines.

export interface ThreadJson {
  url: string
  title: string
  specialty: string
  shortTitle: string
  question: string
  asker: {name: string; age: string; gender: string}
  askedAt: string
  replies: {doctor: string; specialty: string; body: string; repliedAt: string}[]
  moreInfo?: string
  similar: {title: string}[]
  tags: {name: string; specialty: string}[]
}

const SYMPTOMS = [
  'pain',
  'numbness',
  'swelling',
  'itching',
  'twitching',
  'burning',
  'stiffness',
  'tingling',
  'redness',
  'cramps',
  'weakness',
  'dizziness',
]
const PLACES = [
  'left calf',
  'right knee',
  'lower back',
  'scalp',
  'eyelid',
  'fingers',
  'chest',
  'stomach',
  'neck',
  'shoulder',
  'ankle',
  'throat',
  'jaw',
  'wrist',
]
const TRIGGERS = [
  'after exercise',
  'at night',
  'after meals',
  'in cold weather',
  'when I wake up',
  'after long hours at a desk',
  'during exams',
  'after drinking coffee',
]
const DURATIONS = [
  'two days',
  'a week',
  'three weeks',
  'two months',
  'half a year',
  'several years',
]
const WORRIES = [
  'Is this serious?',
  'Should I see a specialist?',
  'What tests do I need?',
  'Could it be a nerve problem?',
  'What treatment would help?',
]
const ADVICE = [
  'Rest and keep a symptom diary for two weeks.',
  'Please visit a clinic for an examination.',
  'Blood tests can rule out an electrolyte imbalance.',
  'Avoid the trigger and observe whether it improves.',
  'If it gets worse, seek care promptly.',
]
const SURNAMES = [
  'Lin',
  'Chen',
  'Wang',
  'Huang',
  'Chang',
  'Lee',
  'Wu',
  'Tsai',
  'Liu',
  'Yang',
  'Hsu',
  'Cheng',
  'Hsieh',
  'Kuo',
  'Hung',
  'Tseng',
  'Chiu',
  'Liao',
  'Lai',
  'Chou',
]
const SYLLABLES = [
  'wei',
  'ming',
  'jun',
  'yi',
  'hua',
  'zhi',
  'xin',
  'an',
  'bo',
  'cheng',
  'de',
  'fang',
  'guo',
  'hong',
  'jia',
  'kai',
  'li',
  'mei',
  'ning',
  'ping',
  'qiang',
  'rong',
  'shan',
  'ting',
  'wen',
  'xiang',
  'yu',
  'zhen',
]
const AGES = ['10~19', '20~29', '30~39', '40~49', '50~59', '60~69', '70~79']

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function day(random: Random, from: number, spanDays: number): string {
  return new Date(from + random.int(0, spanDays) * 86_400_000).toISOString().slice(0, 10)
}

function doctorName(random: Random): string {
  return `${random.pick(SURNAMES)} ${capitalize(random.pick(SYLLABLES))}${random.pick(SYLLABLES)}`
}

export function* generateThreads({
  count,
  seed,
}: {
  count: number
  seed: number
}): Generator<ThreadJson> {
  const random = createRandom(seed)
  const specialties = SPECIALTIES.slice(0, 40)
  const doctors = Array.from({length: Math.max(20, Math.round(count / 50))}, () =>
    doctorName(random),
  )
  const titles: string[] = []
  for (let index = 0; index < count; index++) {
    const specialty = random.pick(specialties)
    const symptom = random.pick(SYMPTOMS)
    const place = random.pick(PLACES)
    const trigger = random.pick(TRIGGERS)
    const title = `${capitalize(symptom)} in the ${place} ${trigger}: causes and care (#${index + 1})`
    const askedAt = day(random, Date.UTC(2010, 0, 1), 4000)
    const sentences = Array.from(
      {length: random.int(2, 6)},
      () =>
        `I have had ${symptom} in my ${place} for ${random.pick(DURATIONS)}, mostly ${random.pick(TRIGGERS)}.`,
    )
    const replies = Array.from({length: random.int(0, 3)}, () => ({
      doctor: `Dr. ${random.pick(doctors)}`,
      specialty,
      body: `${random.pick(ADVICE)} ${random.pick(ADVICE)}`,
      repliedAt: new Date(Date.parse(askedAt) + random.int(0, 20) * 86_400_000)
        .toISOString()
        .slice(0, 10),
    }))
    const similar = random
      .sample(titles, Math.min(titles.length, 4))
      .map((similarTitle) => ({title: similarTitle}))
    titles.push(title)
    yield {
      url: `https://qa.example.org/threads/${seed}-${index + 1}`,
      title,
      specialty,
      shortTitle: `${capitalize(symptom)} ${trigger}`,
      question: `${sentences.join('\n')}\n${random.pick(WORRIES)}`,
      asker: {
        name: random.pick(SURNAMES).toUpperCase(),
        age: random.pick(AGES),
        gender: random.pick(['female', 'male']),
      },
      askedAt,
      replies,
      ...(random.chance(0.6)
        ? {
            moreInfo: `About ${symptom}\n\n${capitalize(symptom)} has many causes.\n\nWhat helps\n1. ${random.pick(ADVICE)}\n2. ${random.pick(ADVICE)}`,
          }
        : {}),
      similar,
      tags: random
        .sample(SYMPTOMS, random.int(1, 3))
        .map((name) => ({name: capitalize(name), specialty})),
    }
  }
}
