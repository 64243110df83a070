import type {RealQuestion} from './sets.ts'

/** What a source reader yields: questions and, per query, the ids labelled relevant to it. */
export interface RawSet {
  questions: RealQuestion[]
  relevant: Map<string, Set<string>>
  /**
   * Labels mean "same question" (an equivalence): relevance is closed over linked questions, so
   * A–B and B–C make C relevant to A. Not for graded topical relevance (SemEval).
   */
  transitive: boolean
}

/** Records `id` as relevant to `query`. */
export function addRelevant(relevant: RawSet['relevant'], query: string, id: string) {
  const set = relevant.get(query) ?? new Set<string>()
  set.add(id)
  relevant.set(query, set)
}
