import {DEFAULT_RANKER, type RankerConfig} from '../../similar/config.ts'

// The ranking variants the evaluation compares, from the simplest lexical baseline to the ranker
// in DEFAULT_RANKER. Each row adds one thing to the row above it.

const PLAIN: RankerConfig = {
  ...DEFAULT_RANKER,
  stem: false,
  synonyms: false,
  useBody: false,
  titleBoost: 1,
  tagWeight: 0,
  specialtyWeight: 0,
}

export const VARIANTS: {name: string; config: RankerConfig}[] = [
  {name: 'BM25, title only', config: PLAIN},
  {name: 'BM25, title + body', config: {...PLAIN, useBody: true}},
  {
    name: `BM25F, title ×${DEFAULT_RANKER.titleBoost} + body`,
    config: {...PLAIN, useBody: true, titleBoost: DEFAULT_RANKER.titleBoost},
  },
  {
    name: '+ stemming',
    config: {...PLAIN, useBody: true, titleBoost: DEFAULT_RANKER.titleBoost, stem: true},
  },
  {
    name: '+ medical synonyms',
    config: {
      ...PLAIN,
      useBody: true,
      titleBoost: DEFAULT_RANKER.titleBoost,
      stem: true,
      synonyms: true,
    },
  },
  {name: '+ tag and specialty bonuses (DEFAULT_RANKER)', config: DEFAULT_RANKER},
]

/** Sets the weights are tuned on, and the held-out sets the report and the test use. */
export const TUNING_SEEDS = [1, 2, 3]
export const TEST_SEEDS = [101, 102, 103]
