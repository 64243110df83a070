// The health questions of a general set: a real set of its own, nearer to the archive's topic.
// Quora's duplicate pairs include thousands of questions about symptoms, medicines, weight,
// sleep and mood; their queries, against the whole Quora corpus, show what medical wording
// (the lexicon, the synonym groups) adds where plain question words dominate the full set.
// Chosen by topic words written here, not by what the lexicon covers, so the subset does not
// favour the lexicon: a question is in when its own line names a health topic.
import type {RealQuery, RealQuestion, RealSet} from './sets.ts'

// Regular-expression words; "_" stands for a space.
const TOPIC_WORDS = `
  health healthy doctors? physician nurse hospital clinic patients? diseases? illness sick
  symptoms? syndrome disorders? infections? infected virus bacteria pain painful ache aches
  sore injury injured medicines? medications? medical drugs? pills? tablets? dose
  antibiotics? vaccines? surgery therapy treatment treat cure remedy remedies cancer tumou?r
  diabetes diabetic blood heart lungs? liver kidneys? stomach brain skin acne pimples? rash
  hair_loss bald balding teeth tooth dental dentist eyes? eyesight vision pregnant pregnancy
  periods? menstrual fertility sperm penis vagina std hiv aids herpes weight obese obesity
  overweight calories diet dieting vitamins? sleep sleeping insomnia tired fatigue depression
  depressed anxiety panic stress mental psychiatrist schizophrenia bipolar adhd autism
  suicide suicidal addiction addicted smoking cigarettes? alcohol alcoholic headaches?
  migraines? fever cough flu allergy allergies allergic asthma cholesterol thyroid muscles?
  bones? joints? back_pain nausea vomiting diarrh(o)?ea constipation hangover masturbation
  puberty hormones? testosterone estrogen steroids? protein anorexia bulimia eating_disorder
`
const HEALTH_WORDS = new RegExp(
  `\\b(${TOPIC_WORDS.trim().split(/\s+/).join('|').replaceAll('_', '\\s+')})\\b`,
  'i',
)

export const HEALTH_SET = 'quora-health'

/** Whether a question's own line is about health (the topic words above). */
export function isHealthQuestion(question: RealQuestion): boolean {
  return HEALTH_WORDS.test(question.title)
}

/**
 * `set`'s health questions as a set of their own: the same corpus (every question stays a
 * candidate), only the dev and test queries whose question is about health, and no train fold
 * (its pairs are the parent's train fold, learned from already).
 */
export function healthSubset(set: RealSet): RealSet {
  const byId = new Map(set.corpus.map((question) => [question.id, question]))
  const health = (queries: readonly RealQuery[]) =>
    queries.filter(({query}) => {
      const question = byId.get(query)
      return question !== undefined && isHealthQuestion(question)
    })
  const [dev, test] = [health(set.dev), health(set.test)]
  return {
    ...set,
    name: HEALTH_SET,
    meta: {
      ...set.meta,
      name: HEALTH_SET,
      description: `${set.name}'s queries about health (topic words in the question line)`,
      stats: {...set.meta.stats, dev: dev.length, test: test.length, train: 0},
    },
    dev,
    test,
    train: [],
  }
}
