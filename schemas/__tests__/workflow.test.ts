import {describe, expect, it} from 'vitest'
import {
  availableTransitions,
  INITIAL_STATUS,
  WORKFLOW_STATUSES,
  WORKFLOW_TRANSITIONS,
} from '../workflow.ts'

const STATUS_VALUES: readonly string[] = WORKFLOW_STATUSES.map((s) => s.value)

describe('workflow', () => {
  it('offers "Mark reviewed" for imported questions', () => {
    expect(availableTransitions(INITIAL_STATUS).map((t) => t.name)).toContain('markReviewed')
    expect(availableTransitions(undefined).map((t) => t.name)).toContain('markReviewed')
  })

  it('does not offer a transition into the state a document is already in', () => {
    for (const status of STATUS_VALUES) {
      expect(availableTransitions(status).filter((t) => t.to === status)).toEqual([])
    }
  })

  it('only names states that exist, and every state can be left', () => {
    for (const transition of WORKFLOW_TRANSITIONS) {
      expect(STATUS_VALUES).toContain(transition.to)
      for (const from of transition.from) expect(STATUS_VALUES).toContain(from)
    }
    for (const status of STATUS_VALUES)
      expect(availableTransitions(status).length).toBeGreaterThan(0)
  })

  it('records the reviewer only when marking reviewed', () => {
    expect(WORKFLOW_TRANSITIONS.filter((t) => t.recordsReview).map((t) => t.name)).toEqual([
      'markReviewed',
    ])
  })
})
