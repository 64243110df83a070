import {describe, expect, it} from 'vitest'
import {DEFAULT_RANKER, type RankerConfig, type SimilarSource} from '../config.ts'
import {editDistance, SpellingNeighbours} from '../fuzzy.ts'
import {analysisOptions, SimilarIndex} from '../ranker.ts'
import {
  lexiconRelations,
  parseRelations,
  termRetention,
  translationRelations,
} from '../relations.ts'
import {analyze} from '../text.ts'
import {TitleGrams} from '../titleGrams.ts'

// Each signal of the ranker, on a corpus small enough to see why: with the signal the expected
// question comes first, without it (weight 0) it does not.

const OFF: RankerConfig = {
  ...DEFAULT_RANKER,
  lexiconWeight: 0,
  translationWeight: 0,
  fuzzyWeight: 0,
  prfWeight: 0,
  reverseWeight: 0,
  retentionWeight: 0,
  titleGramWeight: 0,
}

function question(id: string, title: string, body = ''): SimilarSource {
  return {_id: id, title, body, tags: []}
}

/** Questions no test is about, so that idf means something. */
const FILLER = [
  question('f1', 'Knee hurts after running', 'My knee hurts after a long run.'),
  question('f2', 'Rash on my arm', 'A red rash appeared on my arm yesterday.'),
  question('f3', 'Ear ringing at night', 'I hear ringing in my left ear.'),
  question('f4', 'Back stiff in the morning', 'Stiff back when I wake up.'),
  question('f5', 'Cough that will not go away', 'Dry cough for three weeks.'),
  question('f6', 'Blurry vision when reading', 'Letters get blurry.'),
  question('f7', 'Cold feet all winter', 'My feet are always cold.'),
  question('f8', 'Dry skin on the elbows', 'Elbows are rough and dry.'),
  question('f9', 'Nail turned yellow', 'One toenail is yellow and thick.'),
  question('f10', 'Hiccups after dinner', 'Long hiccups after meals.'),
  question('f11', 'Snoring partner', 'He snores loudly every night.'),
  question('f12', 'Sunburn blisters', 'Blisters after a day at the beach.'),
  question('f13', 'Shoulder clicks', 'Clicking shoulder when lifting.'),
  question('f14', 'Hair turning grey early', 'Grey hair at twenty five.'),
]

const top = (index: SimilarIndex, id: string) => index.rank(id, 1)[0]?._id

const ANALYSIS = analysisOptions(DEFAULT_RANKER)

describe('lexicon', () => {
  it('maps lay words, clinical terms and abbreviations to one concept', () => {
    // The concept term comes first (DEFAULT_RANKER keeps the words beside it).
    const same = (a: string, b: string) =>
      expect(analyze(a, ANALYSIS)[0], `${a} / ${b}`).toEqual(analyze(b, ANALYSIS)[0])
    same('heart attack', 'MI')
    same('high blood pressure', 'hypertension')
    same('HTN', 'hypertension')
    same('BP', 'blood pressure')
    same('UTI', 'bladder infection')
    same('underactive thyroid', 'hypothyroidism')
    same('tylenol', 'paracetamol')
    same('post traumatic stress disorder', 'PTSD')
  })

  it('ranks a myocardial infarction question first for a heart attack question', () => {
    const corpus = [
      question('q', 'Heart attack at 40', 'Can you have a heart attack at 40?'),
      question('mi', 'Myocardial infarction in young adults', 'How common is an MI at forty?'),
      question('forty', 'Knee pain at 40', 'My knee hurts since I turned forty.'),
      ...FILLER,
    ]
    expect(top(SimilarIndex.build(corpus, DEFAULT_RANKER), 'q')).toBe('mi')
    const plain = {...DEFAULT_RANKER, synonyms: false}
    expect(top(SimilarIndex.build(corpus, plain), 'q')).not.toBe('mi')
  })

  it('keeps the words of a synonym phrase beside its concept term', () => {
    expect(analyze('losing weight', ANALYSIS)).toEqual([
      analyze('weight loss', ANALYSIS)[0],
      ...analyze('losing weight', {...ANALYSIS, synonyms: false}),
    ])
    const corpus = [
      question('q', 'Losing weight after pregnancy', 'How long did losing weight take you?'),
      question('same', 'Lose weight after a baby', 'I want to lose weight'),
      question('other', 'Weight loss after surgery', 'Weight loss after my operation'),
      ...FILLER,
    ]
    // The same words meet although only one side is a phrase of the group…
    expect(top(SimilarIndex.build(corpus, OFF), 'q')).toBe('same')
    expect(top(SimilarIndex.build(corpus, {...OFF, synonyms: true}), 'q')).toBe('other')
    // …and the concept still links other words of the group.
    const ranked = SimilarIndex.build(corpus, OFF)
      .rank('q', 2)
      .map((r) => r._id)
    expect(ranked).toEqual(['same', 'other'])
  })

  it('expands related lay and clinical words ("sugar" → diabetes) at a lower weight', () => {
    expect(
      lexiconRelations(ANALYSIS)
        .get('sugar')
        ?.map((r) => r.term),
    ).toContain(analyze('diabetes', ANALYSIS)[0])
    const corpus = [
      question('q', 'Sugar too high', 'My sugar is high, what can I eat'),
      question('dm', 'Diabetes and diet', 'A diabetes diet plan'),
      question('eat', 'Eat before running', 'What to eat'),
      ...FILLER,
    ]
    const on = {...OFF, lexiconWeight: 1}
    expect(top(SimilarIndex.build(corpus, on), 'q')).toBe('dm')
    expect(top(SimilarIndex.build(corpus, OFF), 'q')).not.toBe('dm')
  })
})

describe('numbers and question words', () => {
  it('keeps numbers and the words that tell questions apart', () => {
    expect(analyze('Type 2 diabetes since 2010', ANALYSIS)).toContain('2010')
    expect(analyze('Type 2 diabetes since 2010', ANALYSIS)).toContain('2')
    expect(analyze('When was he born?', ANALYSIS)).toContain('when')
    expect(analyze('When was he born?', {...ANALYSIS, stopWords: 'full'})).not.toContain('when')
  })

  it('ranks the question with the same year first', () => {
    const corpus = [
      question('q', 'Champions in 1998', 'Who won the cup in 1998'),
      question('same', 'Cup winners 1998', 'Who took the cup in 1998'),
      question('other', 'Cup winners 2004', 'Who took the cup in 2004'),
      ...FILLER,
    ]
    expect(top(SimilarIndex.build(corpus, {...OFF, keepNumbers: true}), 'q')).toBe('same')
    const ranked = SimilarIndex.build(corpus, {...OFF, keepNumbers: false}).rank('q', 2)
    expect(ranked[0]?.score).toBeCloseTo(ranked[1]?.score ?? 0, 9)
  })
})

describe('title 4-grams', () => {
  const others = ['Rash on my arm', 'Cold feet all winter', 'Snoring partner', 'Dry skin']
  /** Cosine of the first title with each title, in a table of all of them. */
  const cosines = (titles: string[]) => {
    const grams = new TitleGrams()
    titles.forEach((title, n) => grams.add(n, title))
    grams.setQuery(0)
    return titles.map((_, n) => grams.cosine(n))
  }

  it('sees a compound, a word ending and a misspelling that the index terms miss', () => {
    const [self, split, unrelated] = cosines([
      'Is my son overweight',
      'Is my son over weight',
      'Dry skin',
      ...others,
    ])
    expect(self).toBeCloseTo(1, 9)
    expect(split).toBeGreaterThan(0.5)
    expect(unrelated).toBe(0)
    expect(cosines(['diabetes diet', 'diabetic diet', ...others])[1]).toBeGreaterThan(0.3)
    expect(cosines(['diarhea', 'diarrhea', ...others])[1]).toBeGreaterThan(0.2)
  })

  it('keeps its gram counts through removals, renumbering and a snapshot', () => {
    const grams = new TitleGrams()
    ;['knee pain', 'knee pain', 'sore knee', ...others].forEach((title, n) => grams.add(n, title))
    grams.remove(0)
    grams.compact([1, 2, 3, 4, 5, 6])
    const copy = TitleGrams.fromSnapshot(grams.snapshot())
    for (const table of [grams, copy]) table.setQuery(0)
    expect(copy.cosine(1)).toBeCloseTo(grams.cosine(1), 12)
    expect(grams.cosine(1)).toBeGreaterThan(0)
    expect(copy.snapshot().titles).toBe(6)
  })

  it('ranks the question in the same words and order first when the terms tie', () => {
    const corpus = [
      question('q', 'Knee pain after running'),
      question('a', 'After running knee pain'),
      question('b', 'Knee pain after running'),
      ...others.map((title, i) => question(`o${i}`, title)),
    ]
    expect(top(SimilarIndex.build(corpus, {...OFF, titleGramWeight: 0.25}), 'q')).toBe('b')
    const ranked = SimilarIndex.build(corpus, OFF).rank('q', 2)
    expect(ranked.map(({_id}) => _id).sort()).toEqual(['a', 'b'])
    expect(ranked[0]?.score).toBeCloseTo(ranked[1]?.score ?? 0, 9)
  })
})

describe('spelling neighbours', () => {
  it('measures edits with transpositions', () => {
    expect(editDistance('diarrhea', 'diarhea')).toBe(1)
    expect(editDistance('thyroid', 'tyhroid')).toBe(1)
    expect(editDistance('thyroid', 'thyriod')).toBe(1)
    expect(editDistance('thyroid', 'steroid')).toBeGreaterThan(2)
  })

  it('finds near spellings, concepts through their words', () => {
    const spelling = new SpellingNeighbours()
    spelling.add(0, ['pregnent'])
    spelling.add(1, ['pregnant', 'pregnanc'])
    spelling.add(2, ['present'])
    expect(spelling.neighbours(0, 0.8).map((n) => n.term)).toEqual([1])
  })

  it('matches a misspelt question to the well spelt one', () => {
    const corpus = [
      question('q', 'Tyroid nodule found', 'Doctor found a tyroid nodule on ultrasound'),
      question('right', 'Thyroid nodule found on ultrasound', 'A thyroid nodule was found'),
      question('other', 'Nodule found on ultrasound', 'Doctor found a nodule on ultrasound'),
      ...FILLER,
    ]
    expect(top(SimilarIndex.build(corpus, {...OFF, fuzzyWeight: 0.5}), 'q')).toBe('right')
    expect(top(SimilarIndex.build(corpus, OFF), 'q')).not.toBe('right')
  })
})

describe('translation table', () => {
  it('parses pairs and refuses a table made for another analysis', () => {
    const {analysis, relations} = parseRelations('# analysis x\ncure treat 0.3\ncure remedi 0.1\n')
    expect(analysis).toBe('x')
    expect(relations.get('cure')).toEqual([
      {term: 'treat', weight: 0.3},
      {term: 'remedi', weight: 0.1},
    ])
  })

  it('links words that duplicate questions use for each other', () => {
    const table = translationRelations(ANALYSIS)
    expect(table.get('cure')?.map((r) => r.term)).toContain('treat')
    expect(table.get('rid')?.map((r) => r.term)).toContain('remov')
  })

  it('ranks a question worded with the translated word first', () => {
    const corpus = [
      question('q', 'Cure for calluses on fingers', 'Is there a cure for finger calluses'),
      question('treat', 'How to treat hand calluses', 'Best way to treat them'),
      question('fingers', 'Swollen fingers', 'Fingers swollen in the morning'),
      ...FILLER,
    ]
    expect(top(SimilarIndex.build(corpus, {...OFF, translationWeight: 1}), 'q')).toBe('treat')
    expect(top(SimilarIndex.build(corpus, OFF), 'q')).not.toBe('treat')
  })
})

describe('learned word retention', () => {
  it('weighs words duplicates keep over words they swap', () => {
    const retention = termRetention(ANALYSIS)
    expect(retention.get('way')).toBeLessThan(0.8)
    expect(retention.get('knee')).toBeGreaterThan(1.1)
  })

  it('ranks the question sharing the topic above the one sharing the phrasing', () => {
    const corpus = [
      question('q', 'Good way to heal a knee', ''),
      question('knee', 'Knee healing', ''),
      question('phrasing', 'Good way to heal a friendship', ''),
      ...FILLER,
    ]
    const on = {...OFF, retentionWeight: 1}
    expect(top(SimilarIndex.build(corpus, on), 'q')).toBe('knee')
    expect(top(SimilarIndex.build(corpus, OFF), 'q')).toBe('phrasing')
  })
})

describe('pseudo-relevance feedback', () => {
  it('pulls in a term the best first-pass questions share', () => {
    const corpus = [
      question('q', 'Itchy scalp flakes', 'My scalp is itchy with flakes'),
      question('a', 'Scalp flakes and dandruff shampoo', 'Flakes on the scalp, dandruff'),
      question('b', 'Itchy scalp, dandruff everywhere', 'Scalp itchy, dandruff on shoulders'),
      question(
        'dandruff',
        'Dandruff on my coat',
        'Dandruff on my coat and dandruff on my desk, itchy',
      ),
      question('itchy', 'Itchy eyes in spring', 'Eyes are itchy, red'),
      ...FILLER,
    ]
    const with3 = {...OFF, prfWeight: 2, prfDocs: 2, prfTerms: 3}
    const rank = (config: RankerConfig) =>
      SimilarIndex.build(corpus, config)
        .rank('q', 4)
        .map((r) => r._id)
    const on = rank(with3)
    const off = rank(OFF)
    expect(on.indexOf('dandruff')).toBeLessThan(on.indexOf('itchy'))
    expect(off.indexOf('dandruff')).toBeGreaterThan(off.indexOf('itchy'))
  })
})

describe('reverse score', () => {
  it('prefers the candidate whose own words the question covers', () => {
    const corpus = [
      question('q', 'Gum bleeding when brushing', ''),
      question('short', 'Bleeding gums when brushing teeth', ''),
      question(
        'long',
        'Gum bleeding when brushing, jaw clicking, ear pain, neck stiffness and headaches',
        '',
      ),
      ...FILLER,
    ]
    expect(top(SimilarIndex.build(corpus, {...OFF, reverseWeight: 1, b: 0}), 'q')).toBe('short')
    expect(top(SimilarIndex.build(corpus, {...OFF, b: 0}), 'q')).toBe('long')
  })
})

describe('query pruning', () => {
  it('widens the query when its most informative terms reach too few questions', () => {
    // A small archive: the question's long body has many words no other question uses, so its
    // 14 most informative terms are all unique, while five questions share "tingling".
    const rare =
      'quilting embroidery crochet knitting tapestry weaving macrame beadwork needlepoint ' +
      'appliqué smocking tatting lacemaking patchwork'
    const corpus = [
      question('q', 'Quilting fingertips', `${rare}: tingling.`),
      ...['hands', 'feet', 'lips', 'scalp', 'toes'].map((part) =>
        question(`t-${part}`, `Tingling ${part}`, `Tingling in my ${part} since Monday.`),
      ),
      ...FILLER,
    ]
    const ranked = SimilarIndex.build(corpus, OFF)
      .rank('q', 4)
      .map((r) => r._id)
    expect(ranked).toHaveLength(4)
    expect(ranked.every((id) => id.startsWith('t-'))).toBe(true)
  })
})
