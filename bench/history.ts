import {createRandom} from './random.ts'
import {type LatencyStats, summarize} from './stats.ts'

// History at archive size: after the bulk import, editors edit and publish a sample of questions
// through the Actions API (as Studio does), then the requests Studio's History panel and "Review
// changes" make are timed over HTTP: the events of a published and of a draft document, the
// transactions Review changes reads, and a document as of its first revision.

export interface HistoryBench {
  editedDocuments: number
  editsPerDocument: number
  /** Edits and publishes, one transaction each, one after the other. */
  editMs: number
  requests: {name: string; latency: LatencyStats}[]
}

interface HistoryInput {
  url: string
  version: string
  dataset: string
  token: string
  questionIds: string[]
  seed: number
  edited: number
  editsPerDocument: number
  iterations: number
}

interface Edited {
  id: string
  /** The import's transaction (the document's first revision). */
  importRevision: string
  /** The draft's last edit before its publish. */
  lastEdit: string
}

export async function measureHistory(input: HistoryInput): Promise<HistoryBench> {
  const base = `${input.url}/v${input.version}/data`
  const headers = {authorization: `Bearer ${input.token}`, 'content-type': 'application/json'}
  const request = async (path: string, body?: unknown) => {
    const response = await fetch(`${base}/${path}`, {
      method: body ? 'POST' : 'GET',
      headers,
      ...(body ? {body: JSON.stringify(body)} : {}),
    })
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
    return response.text()
  }
  const random = createRandom(input.seed)
  const sample = random.sample(input.questionIds, input.edited * 2)
  const editedIds = sample.slice(0, input.edited)
  const importedOnly = sample.slice(input.edited)

  const edited: Edited[] = []
  let started = performance.now()
  for (const [index, id] of editedIds.entries()) {
    const document = JSON.parse(await request(`doc/${input.dataset}/${id}`)) as {
      documents: {_rev: string}[]
    }
    const importRevision = document.documents[0]?._rev ?? ''
    let lastEdit = ''
    for (let edit = 1; edit <= input.editsPerDocument; edit++) {
      lastEdit = `bench-edit-${index}-${edit}`
      await request(`actions/${input.dataset}`, {
        transactionId: lastEdit,
        actions: [
          {
            actionType: 'sanity.action.document.edit',
            draftId: `drafts.${id}`,
            publishedId: id,
            patch: {set: {shortTitle: `Edited ${edit} times`}},
          },
        ],
      })
    }
    await request(`actions/${input.dataset}`, {
      actions: [
        {actionType: 'sanity.action.document.publish', draftId: `drafts.${id}`, publishedId: id},
      ],
    })
    edited.push({id, importRevision, lastEdit})
  }
  const editMs = performance.now() - started

  const history = `history/${input.dataset}`
  const timed: {name: string; path: () => string}[] = [
    {
      name: 'events of an imported document',
      path: () => `${history}/events/documents/${random.pick(importedOnly)}?limit=100`,
    },
    {
      name: 'events of an edited document',
      path: () => `${history}/events/documents/${random.pick(edited).id}?limit=100`,
    },
    {
      name: 'events of its draft',
      path: () => `${history}/events/documents/drafts.${random.pick(edited).id}?limit=100`,
    },
    {
      name: 'transactions, newest 50 (document and draft)',
      path: () => {
        const {id} = random.pick(edited)
        return `${history}/transactions/${id},drafts.${id}?excludeContent=true&effectFormat=mendoza&reverse=true&limit=50`
      },
    },
    {
      name: 'transactions up to the publish (Review changes)',
      path: () => {
        const {id, lastEdit} = random.pick(edited)
        return `${history}/transactions/drafts.${id}?excludeContent=true&effectFormat=mendoza&limit=50&toTransaction=${lastEdit}`
      },
    },
    {
      name: 'document as of its first revision',
      path: () => {
        const {id, importRevision} = random.pick(edited)
        return `${history}/documents/${id}?revision=${importRevision}`
      },
    },
  ]
  const requests: HistoryBench['requests'] = []
  for (const {name, path} of timed) {
    for (let warm = 0; warm < 5; warm++) await request(path())
    const samples: number[] = []
    for (let run = 0; run < input.iterations; run++) {
      const target = path()
      started = performance.now()
      await request(target)
      samples.push(performance.now() - started)
    }
    requests.push({name, latency: summarize(samples)})
  }
  return {
    editedDocuments: edited.length,
    editsPerDocument: input.editsPerDocument,
    editMs,
    requests,
  }
}
