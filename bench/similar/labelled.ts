import {createRandom, type Random} from '../random.ts'
import type {SimilarSource} from '../../similar/config.ts'
import {CONCEPTS, type Concept, SINGLETONS} from './concepts.ts'

// A labelled relevance set for the similar-thread ranker. Every concept (one complaint) becomes a
// cluster of 3–6 questions that paraphrase it: different titles, different sentences from its
// question bodies, mixed with sentences any patient writes. Questions of the same cluster are
// relevant to each other (near-duplicates an editor would link); everything else is not, and the
// sibling concepts that share words (calf twitching / eyelid twitching / leg cramps…) are the
// hard negatives. Metadata is noisy on purpose, as in the scraped archive: a question is filed
// under its concept's usual specialty only two times in three, and carries each of its concept's
// FAQ tags with probability 0.55 (plus, sometimes, a generic tag of its specialty), so tags and
// specialty help without giving the answer away. Same seed, same set.

export interface LabelledQuestion extends SimilarSource {
  concept: string
  specialtyName: string
  tagNames: string[]
}

export interface LabelledSet {
  questions: LabelledQuestion[]
  /** Questions with at least one relevant question, and the ids relevant to each. */
  queries: {id: string; relevant: Set<string>}[]
}

const TAILS = [
  '',
  '',
  ': causes, diagnosis, and treatment',
  ' - is it serious?',
  ': what could it be?',
  ' - when to see a doctor',
  ', should I worry?',
  ': causes and relief',
  ' - what tests do I need?',
]

const GENERIC = [
  'I am in my thirties and otherwise healthy.',
  'It has been going on for about two weeks.',
  'Should I be worried about this?',
  'I have no other medical problems.',
  'My mother had something similar years ago.',
  'I searched online and got scared.',
  'What tests should I ask for?',
  'It sometimes gets worse when I am stressed at work.',
  'I do not take any regular medication.',
  'Could this be something serious like cancer?',
  'I would appreciate any advice on what to do next.',
  'I exercise regularly and eat well.',
  'I only sleep about five hours a night.',
  'Which department should I visit?',
  'Is there any medicine I can take at home?',
  'The symptoms started suddenly last month.',
  'I am a 45-year-old woman.',
  'I am a 28-year-old man working in an office.',
  'The pain medication from the pharmacy did not help much.',
  'My family doctor said it is nothing, but it continues.',
  'I also get headaches now and then, but that is nothing new.',
  'My back hurts from sitting all day, but that is a different story.',
  'I had a bad cold last winter that took weeks to clear.',
  'My blood tests last year were all normal.',
  'I have a little high blood pressure and take one tablet a day.',
  'I am pregnant with my second child.',
  'I am a student and very busy with exams.',
  'I work night shifts as a nurse.',
  'I smoke about half a pack a day.',
  'I drink two or three cups of coffee every day.',
  'My weight is normal for my height.',
  'I am allergic to penicillin.',
  'Nobody in my family has a serious illness.',
  'I went to a clinic but had to wait three hours and left.',
  'I tried a herbal remedy a friend recommended.',
]

/**
 * How patients vary their words: each listed word is swapped for a variant with some probability
 * (a lay paraphrase). Some variants are in the synonym map, many are not.
 */
const VARIANTS: [RegExp, string[]][] = [
  [/\bpain\b/gi, ['pain', 'ache', 'discomfort', 'soreness']],
  [/\bpainful\b/gi, ['painful', 'sore', 'aching', 'tender']],
  [/\bstomach\b/gi, ['stomach', 'belly', 'tummy', 'abdomen']],
  [/\bbelly\b/gi, ['belly', 'stomach', 'tummy', 'abdomen']],
  [/\bcalf\b/gi, ['calf', 'lower leg']],
  [/\bcalves\b/gi, ['calves', 'lower legs']],
  [/\btwitching\b/gi, ['twitching', 'jumping', 'flickering', 'quivering']],
  [/\btwitches\b/gi, ['twitches', 'jumps', 'flickers', 'fasciculations']],
  [/\bcramps\b/gi, ['cramps', 'spasms', 'cramping']],
  [/\bnumb\b/gi, ['numb', 'dead', 'without feeling']],
  [/\bswollen\b/gi, ['swollen', 'puffy', 'enlarged']],
  [/\bswelling\b/gi, ['swelling', 'puffiness', 'edema']],
  [/\bworried\b/gi, ['worried', 'anxious', 'concerned', 'scared']],
  [/\bheart attack\b/gi, ['heart attack', 'myocardial infarction', 'MI']],
  [/\bhigh blood pressure\b/gi, ['high blood pressure', 'hypertension']],
  [/\bdizzy\b/gi, ['dizzy', 'lightheaded', 'woozy']],
  [/\bexhausted\b/gi, ['exhausted', 'tired', 'fatigued', 'worn out']],
  [/\bitchy\b/gi, ['itchy', 'itching', 'pruritic']],
  [/\burine\b/gi, ['urine', 'pee']],
  [/\bvomit\b/gi, ['vomit', 'throw up', 'be sick']],
  [/\brash\b/gi, ['rash', 'eruption', 'spots']],
  [/\bnight\b/gi, ['night', 'nighttime']],
  [/\bhurts\b/gi, ['hurts', 'aches', 'is sore']],
  [/\bstool\b/gi, ['stool', 'poo', 'feces']],
  [/\bbreathe\b/gi, ['breathe', 'catch my breath', 'get air']],
  [/\bsleep\b/gi, ['sleep', 'rest']],
]

/** Swaps words for variants, each occurrence with probability `p`. */
function paraphrase(text: string, random: Random, p: number): string {
  let out = text
  for (const [pattern, variants] of VARIANTS) {
    out = out.replace(pattern, (word) => {
      if (!random.chance(p)) return word
      const variant = random.pick(variants)
      return word.charAt(0) === word.charAt(0).toUpperCase() ? capitalize(variant) : variant
    })
  }
  return out
}

const CATCH_ALL = ['Family Medicine', 'Internal Medicine']

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function tagId(name: string, specialty: string): string {
  return `faqTag-${`${name}-${specialty}`.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
}

function specialtyId(name: string): string {
  return `specialty-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
}

function member(
  concept: Concept,
  title: string,
  random: Random,
  id: string,
  shortTitle: string | undefined,
): LabelledQuestion {
  // Usual specialty 67%, another that fits 25% (usual if none), a catch-all 8%.
  const roll = random.next()
  const specialty =
    roll < 0.67
      ? concept.specialty
      : roll < 0.92
        ? concept.alternates.length > 0
          ? random.pick(concept.alternates)
          : concept.specialty
        : random.pick(CATCH_ALL)
  const tagNames = concept.tags.filter(() => random.chance(0.55))
  if (random.chance(0.2)) tagNames.push('General Questions')
  const details = random
    .sample(concept.details, random.int(1, Math.min(3, concept.details.length)))
    .map((sentence) => paraphrase(sentence, random, 0.6))
  const generic = random.sample(GENERIC, random.int(2, 4))
  const sentences = random.sample([...details, ...generic], details.length + generic.length)
  return {
    _id: id,
    concept: concept.key,
    title: capitalize(`${paraphrase(title, random, 0.3)}${random.pick(TAILS)}`),
    ...(shortTitle ? {shortTitle: paraphrase(shortTitle, random, 0.5)} : {}),
    body: sentences.join(' '),
    specialty: specialtyId(specialty),
    specialtyName: specialty,
    tags: tagNames.map((name) => tagId(name, specialty)),
    tagNames,
    askedAt: new Date(Date.UTC(2012, 0, 1) + random.int(0, 3650) * 86_400_000)
      .toISOString()
      .slice(0, 10),
  }
}

export function generateLabelledSet({seed}: {seed: number}): LabelledSet {
  const random = createRandom(seed)
  const questions: LabelledQuestion[] = []
  let next = 1
  const newId = () => `q${seed}-${String(next++).padStart(4, '0')}`
  for (const concept of CONCEPTS) {
    const size = random.int(3, Math.min(6, concept.titles.length))
    const titles = random.sample(concept.titles, size)
    for (const title of titles) {
      const other = random.chance(0.4) ? random.pick(concept.titles) : undefined
      questions.push(member(concept, title, random, newId(), other === title ? undefined : other))
    }
  }
  for (const concept of SINGLETONS) {
    questions.push(member(concept, concept.titles[0] ?? '', random, newId(), undefined))
  }
  // Shuffle so cluster members are not neighbours in load order.
  const shuffled = random.sample(questions, questions.length)
  const byConcept = new Map<string, string[]>()
  for (const question of shuffled) {
    const ids = byConcept.get(question.concept) ?? []
    ids.push(question._id)
    byConcept.set(question.concept, ids)
  }
  const queries = shuffled
    .map((question) => ({
      id: question._id,
      relevant: new Set(
        (byConcept.get(question.concept) ?? []).filter((id) => id !== question._id),
      ),
    }))
    .filter((query) => query.relevant.size > 0)
  return {questions: shuffled, queries}
}

/**
 * `count` questions drawn from the concepts at random (no labels): an archive-sized corpus with
 * the labelled set's longer, more varied text, for measuring the index at scale.
 */
export function* generateQuestions({
  count,
  seed,
}: {
  count: number
  seed: number
}): Generator<LabelledQuestion> {
  const random = createRandom(seed)
  const concepts = [...CONCEPTS, ...SINGLETONS]
  for (let i = 0; i < count; i++) {
    const concept = random.pick(concepts)
    const shortTitle = random.chance(0.4) ? random.pick(concept.titles) : undefined
    yield member(concept, random.pick(concept.titles), random, `g${seed}-${i}`, shortTitle)
  }
}
