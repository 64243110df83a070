import type {SanityDocument, Workspace} from 'sanity'
import {validateDocument} from 'sanity'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WORKFLOW_TRANSITIONS} from '../../schemas/workflow.ts'
import {ARCHIVE, eyelidReply} from '../../test/fixtures/documents.ts'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'
import {seed} from '../../test/support/migrations.ts'
import {createValidationWorkspace} from '../../test/support/studioWorkspace.ts'
import {transitionPatch, workflowBlockedReason} from '../actions/workflowActions.ts'

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

// The markers come from the Studio's own validation of the schema (validateDocument on a
// workspace whose async rules query a started lake), as the action receives them in the Studio.
describe('workflowBlockedReason', () => {
  let lake: TestLake
  let workspace: Workspace
  const markersOf = (document: SanityDocument) =>
    validateDocument({document, workspace, getDocumentExists: async () => true})
  /** A draft Publish would publish, validated and saved. */
  const ready = {validated: true, syncing: false, publish: {disabled: false}, hasDraft: true}

  beforeAll(async () => {
    lake = await startTestLake()
    await seed(lake.client(), ARCHIVE)
    workspace = await createValidationWorkspace(lake.server.url, TEST_TOKEN)
  })

  afterAll(() => lake.close())

  it('blocks a reply dated before its question, with the validation message', async () => {
    const markers = await markersOf({...eyelidReply, repliedAt: '2021-02-27'})
    expect(workflowBlockedReason({...ready, markers})).toBe(
      'Fix the validation errors first: The reply date (2021-02-27) is before the question was ' +
        'asked (2021-03-02). Check both dates.',
    )
    // Without a draft the published document is what would be published: still blocked.
    const published = {...ready, hasDraft: false, publish: {disabled: true}}
    expect(workflowBlockedReason({...published, markers})).toMatch(/^Fix the validation/)
  })

  it('counts the further errors', async () => {
    const markers = await markersOf({...eyelidReply, repliedAt: '2021-02-27', body: []})
    expect(workflowBlockedReason({...ready, markers})).toMatch(/\(and 1 more\)$/)
  })

  it('lets a valid reply through, also when Publish only says it is already published', async () => {
    const markers = await markersOf(eyelidReply)
    expect(markers.filter((marker) => marker.level === 'error')).toEqual([])
    expect(workflowBlockedReason({...ready, markers})).toBeUndefined()
    const published = {...ready, hasDraft: false, publish: {disabled: true, title: 'Published'}}
    expect(workflowBlockedReason({...published, markers})).toBeUndefined()
  })

  it('waits for saving and validation, which Publish would wait for', async () => {
    const markers = await markersOf(eyelidReply)
    expect(workflowBlockedReason({...ready, markers, syncing: true})).toBe(
      'Saving your last edits…',
    )
    expect(workflowBlockedReason({...ready, markers, validated: false})).toBe(
      'Checking the document…',
    )
  })

  it('follows Publish on a draft it refuses, and where there is no Publish', async () => {
    const markers = await markersOf(eyelidReply)
    const refused = {...ready, markers, publish: {disabled: true, title: 'Publishing…'}}
    expect(workflowBlockedReason(refused)).toBe('Publishing…')
    expect(workflowBlockedReason({...ready, markers, publish: null})).toBe(
      'This document cannot be published here.',
    )
  })
})
