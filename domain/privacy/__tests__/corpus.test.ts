import {describe, expect, it} from 'vitest'
import {privacyCorpus, privacyHoldout} from '../../../test/fixtures/privacy/corpus.ts'
import {
  evaluateCorpus,
  formatEvaluation,
  locateLabels,
  NON_NUMERIC_KEEPS,
  precision,
  recall,
  type CorpusItem,
  type Evaluation,
  type Scrubber,
} from '../evaluate.ts'
import {findPersonalData, privacyContext, scrubText} from '../index.ts'
import {baselineMasks, maskContactDetails} from '../legacy.ts'

const newRules: Scrubber = (item) => {
  const context = privacyContext({askerName: item.asker, doctorNames: item.doctors})
  return {
    text: scrubText(item.text, context).text,
    detections: findPersonalData(item.text, context),
  }
}

const oldRules: Scrubber = (item) => ({
  text: maskContactDetails(item.text).text,
  detections: baselineMasks(item.text),
})

const CORPORA: [string, CorpusItem[]][] = [
  ['corpus', privacyCorpus],
  ['holdout', privacyHoldout],
]
const all = [...privacyCorpus, ...privacyHoldout]

function report(name: string, items: CorpusItem[]): Evaluation {
  const evaluation = evaluateCorpus(items, newRules)
  const baseline = evaluateCorpus(items, oldRules)
  console.log(
    [
      formatEvaluation(evaluation, `${name}, domain/privacy`),
      formatEvaluation(baseline, `${name}, old rules`),
      ...(['missed', 'falseMasks', 'changed'] as const)
        .filter((key) => evaluation[key].length > 0)
        .map((key) => `${key}: ${JSON.stringify(evaluation[key])}`),
    ].join('\n\n'),
  )
  return evaluation
}

describe('the privacy corpus', () => {
  it('labels every occurrence it means, exactly', () => {
    expect(all.flatMap((item) => locateLabels(item).problems)).toEqual([])
  })

  it('holds at least 400 occurrences of personal data and 400 medical numbers', () => {
    const pii = all.flatMap((item) => item.pii)
    const medical = all
      .flatMap((item) => item.keep)
      .filter((label) => !NON_NUMERIC_KEEPS.has(label.category))
    expect(pii.length).toBeGreaterThanOrEqual(400)
    expect(medical.length).toBeGreaterThanOrEqual(400)
  })
})

describe.each(CORPORA)('the privacy rules on the %s', (name, items) => {
  const evaluation = report(name, items)
  const score = (category: string) => evaluation.pii.find((entry) => entry.category === category)

  it.each(['email', 'phone', 'askerName'])('find %s with recall of at least 0.99', (category) => {
    const entry = score(category)
    expect(entry?.occurrences).toBeGreaterThan(0)
    expect(entry && recall(entry)).toBeGreaterThanOrEqual(0.99)
  })

  it('change no medical number', () => {
    expect(evaluation.changed.filter((entry) => !NON_NUMERIC_KEEPS.has(entry.category))).toEqual([])
  })

  it("keep doctors' names, hospitals and ordinary words that equal a name", () => {
    expect(evaluation.changed).toEqual([])
  })

  it.each(['email', 'phone', 'messenger', 'askerName'])(
    'mask %s with precision of at least 0.95',
    (category) => {
      const entry = score(category)
      expect(entry && precision(entry)).toBeGreaterThanOrEqual(0.95)
    },
  )
})
