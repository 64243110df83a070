import type {RankerConfig} from '../../similar/config.ts'
import {SimilarIndex} from '../../similar/ranker.ts'
import type {LabelledQuestion, LabelledSet} from './labelled.ts'
import type {RealQuery} from './real/sets.ts'

// Relevance metrics over a labelled set: hit@4 (a relevant question among the four shown), MRR
// (1 / rank of the first relevant question, within the first 50) and precision@4 (share of the
// four shown that are relevant: how many of the links an editor would keep).

export interface Metrics {
  queries: number
  hitAt4: number
  mrr: number
  precisionAt4: number
}

export type Ranking = (id: string) => string[]

export const CUTOFF = 4
const DEPTH = 50

export function evaluate(set: LabelledSet, ranking: Ranking): Metrics {
  let hits = 0
  let reciprocal = 0
  let precision = 0
  for (const {id, relevant} of set.queries) {
    const ranked = ranking(id).slice(0, DEPTH)
    const first = ranked.findIndex((candidate) => relevant.has(candidate))
    if (first >= 0 && first < CUTOFF) hits++
    if (first >= 0) reciprocal += 1 / (first + 1)
    const shown = ranked.slice(0, CUTOFF)
    precision += shown.filter((candidate) => relevant.has(candidate)).length / CUTOFF
  }
  const n = Math.max(set.queries.length, 1)
  return {
    queries: set.queries.length,
    hitAt4: hits / n,
    mrr: reciprocal / n,
    precisionAt4: precision / n,
  }
}

/** `evaluate` for real-set queries (bench/similar/real/sets.ts: relevant ids as lists). */
export function evaluateQueries(queries: readonly RealQuery[], ranking: Ranking): Metrics {
  const labelled = queries.map(({query, relevant}) => ({id: query, relevant: new Set(relevant)}))
  return evaluate({questions: [], queries: labelled}, ranking)
}

/** A markdown table row: the name (padded to `width`), hit@4, MRR and P@4. */
export function metricsRow(name: string, metrics: Metrics, width: number): string {
  const cells = [metrics.hitAt4, metrics.mrr, metrics.precisionAt4].map((x) => x.toFixed(3))
  return `| ${name.padEnd(width)} | ${cells.join(' | ')} |`
}

/** The ranker with `config` over the set's questions. */
export function rankerRanking(set: LabelledSet, config: RankerConfig): Ranking {
  const index = SimilarIndex.build(set.questions, config)
  return (id) => index.rank(id, DEPTH).map((ranked) => ranked._id)
}

/**
 * What the live GROQ fallback returns (similarFallbackQuery): questions of the same specialty or
 * sharing a tag, by number of shared tags, then same specialty, then newest first.
 */
export function fallbackRanking(set: LabelledSet): Ranking {
  const byId = new Map<string, LabelledQuestion>(set.questions.map((q) => [q._id, q]))
  return (id) => {
    const query = byId.get(id)
    if (!query) return []
    const shared = (q: LabelledQuestion) => q.tags.filter((tag) => query.tags.includes(tag)).length
    return set.questions
      .filter((q) => q._id !== id && (q.specialty === query.specialty || shared(q) > 0))
      .map((q) => ({q, shared: shared(q), same: q.specialty === query.specialty ? 1 : 0}))
      .sort(
        (a, b) =>
          b.shared - a.shared ||
          b.same - a.same ||
          (b.q.askedAt ?? '').localeCompare(a.q.askedAt ?? '') ||
          a.q._id.localeCompare(b.q._id),
      )
      .map(({q}) => q._id)
  }
}

/** Mean of the metrics over several sets (seeds). */
export function meanMetrics(all: Metrics[]): Metrics {
  const n = Math.max(all.length, 1)
  const sum = (pick: (m: Metrics) => number) => all.reduce((total, m) => total + pick(m), 0) / n
  return {
    queries: all.reduce((total, m) => total + m.queries, 0),
    hitAt4: sum((m) => m.hitAt4),
    mrr: sum((m) => m.mrr),
    precisionAt4: sum((m) => m.precisionAt4),
  }
}
