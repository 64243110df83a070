import {createClient, type SanityClient} from '@sanity/client'
import {documentEventHandler, type FunctionContext} from '@sanity/functions'
import {isLoopbackHost} from '../../lake/guard.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {type ChangedDocument, classifyChange, recomputeChanges} from '../../similar/freshness.ts'
import {loadSimilarIndex, syncIndex} from '../../similar/load.ts'
import type {SimilarIndex} from '../../similar/ranker.ts'

// The Sanity Function that keeps similar-thread lists fresh on a hosted project (declared in
// sanity.blueprint.ts): called when a published question is created, updated or deleted, it
// classifies the change and recomputes the affected lists with the same recomputeChanges the
// listen-based worker (similar/watch.ts) uses.
//
// Its own writes do not call it again: the blueprint's filter lets through only changes to a
// question's ranking inputs or an editor's entries, and classifyChange says 'none' for anything
// else, the computed entries and fingerprint the engine writes included.

/** `event.data`: what the blueprint's projection makes of a change. */
export interface SimilarThreadsEvent {
  operation: 'create' | 'update' | 'delete'
  before: ChangedDocument | null
  after: ChangedDocument | null
}

/** A client on the project and dataset of the event, with the function's token. */
function functionClient(options: FunctionContext['clientOptions']): SanityClient {
  const loopback =
    options.apiHost !== undefined && isLoopbackHost(new URL(options.apiHost).hostname)
  return createClient({
    ...options,
    apiVersion: API_VERSION,
    useCdn: false,
    // The embedded lake (offline tests) answers at its address, not at <projectId>.<host>.
    ...(loopback ? {useProjectHostname: false} : {}),
  })
}

/**
 * The ranker's index, kept between invocations of a warm instance and brought up to date with
 * one query of revisions; a cold instance reads the archive once.
 */
let warm: {key: string; index: SimilarIndex} | undefined

async function similarIndex(client: SanityClient): Promise<SimilarIndex> {
  const {projectId, dataset, apiHost} = client.config()
  const key = JSON.stringify([projectId, dataset, apiHost])
  if (warm?.key === key) {
    await syncIndex(client, warm.index)
    return warm.index
  }
  warm = undefined
  const index = await loadSimilarIndex(client)
  warm = {key, index}
  return index
}

/** Recomputes what a change of kind `kind` to question `id` affects; logs one line. */
async function recompute(client: SanityClient, id: string, kind: 'inputs' | 'entries') {
  try {
    const index = await similarIndex(client)
    const changes = kind === 'inputs' ? {inputs: [id], entries: []} : {inputs: [], entries: [id]}
    const {affected, own} = await recomputeChanges(client, changes, {index})
    const lists = affected.affected.length + (own?.questions ?? 0)
    const written = affected.patched.length + (own?.patched.length ?? 0)
    console.log(`similar-threads: ${id} (${kind}): ${lists} lists recomputed, ${written} written`)
  } catch (error) {
    warm = undefined // read again from the dataset next time
    throw error
  }
}

// Typed as partial: what arrives is whatever the deployed projection made, checked here.
export const handler = documentEventHandler<Partial<SimilarThreadsEvent>>(
  async ({context, event}) => {
    const {before, after} = event.data
    if (before === undefined || after === undefined) {
      // Without both sides nothing can be decided: a projection out of step with this handler.
      throw new Error(
        'similar-threads: event.data has no "before" and "after" (see sanity.blueprint.ts)',
      )
    }
    const kind = classifyChange(before, after)
    const id = (after ?? before)?._id
    if (kind === 'none' || !id) return
    if (context.local) {
      // `sanity functions test` runs against a real dataset: say what would happen, change nothing.
      console.log(`similar-threads: would recompute for ${id} (${kind} changed)`)
      return
    }
    await recompute(functionClient(context.clientOptions), id, kind)
  },
)
