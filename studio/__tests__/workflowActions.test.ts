import {describe, expect, it} from 'vitest'
import {WORKFLOW_TRANSITIONS} from '../../schemas/workflow.ts'
import {transitionPatch} from '../actions/workflowActions.ts'

function transition(name: string) {
  const found = WORKFLOW_TRANSITIONS.find((t) => t.name === name)
  if (!found) throw new Error(`No transition ${name}`)
  return found
}

describe('transitionPatch', () => {
  it('"Mark reviewed" records who reviewed and when', () => {
    const now = new Date('2025-06-01T10:00:00Z')
    expect(transitionPatch(transition('markReviewed'), 'Dr. Editor', now)).toEqual({
      status: 'reviewed',
      reviewedBy: 'Dr. Editor',
      reviewedAt: '2025-06-01T10:00:00.000Z',
    })
  })

  it('other transitions only move the status', () => {
    expect(transitionPatch(transition('requestChanges'), 'Dr. Editor', new Date())).toEqual({
      status: 'changesRequested',
    })
  })
})
