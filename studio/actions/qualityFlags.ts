import {useCallback} from 'react'
import {
  type DocumentActionComponent,
  type DocumentActionProps,
  type PatchOperations,
  useClient,
  useDocumentOperation,
} from 'sanity'
import {fixedFlagKeys} from '../../domain/quality/documents.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {referenceId} from '../../schemas/values.ts'
import {qualityThreadQuery} from './queries.ts'

// Publishing clears the import flags an editor's edit fixed: the detectors (pure functions, the
// importer's own) run again on the document about to be published and its thread, and open
// flags they no longer raise are removed in the same publish. Dismissed flags stay.

/** The patches that remove the fixed flags of the document an action is about to publish. */
export function useFixedFlagsPatch(props: DocumentActionProps): () => Promise<PatchOperations[]> {
  const client = useClient({apiVersion: API_VERSION})
  const document = props.draft ?? props.published
  return useCallback(async () => {
    if (!document || !Array.isArray(document.quality) || document.quality.length === 0) return []
    const questionId = document._type === 'question' ? props.id : referenceId(document.question)
    const context = await client
      .fetch(qualityThreadQuery, {
        questionId: questionId ?? '',
        doctorId: referenceId(document.doctor) ?? '',
      })
      // The check must never stop a publish: without the thread, the flags stay for now.
      .catch(() => undefined)
    if (!context) return []
    const replies = context.replies.map(({doctor, ...reply}) => ({
      reply,
      doctor: doctor ?? undefined,
    }))
    const keys = fixedFlagKeys(document, {
      question: context.question,
      replies,
      doctor: context.doctor,
    })
    return keys.length > 0 ? [{unset: keys.map((key) => `quality[_key=="${key}"]`)}] : []
  }, [client, document, props.id])
}

// One wrapper per action: the resolver runs on every render of a document pane, and a new
// component each time would remount the action.
const WRAPPED = new WeakMap<DocumentActionComponent, DocumentActionComponent>()

/** Sanity's publish action, clearing fixed flags first. */
export function withFixedFlagsCleared(publish: DocumentActionComponent): DocumentActionComponent {
  const known = WRAPPED.get(publish)
  if (known) return known
  const PublishClearingFlags: DocumentActionComponent = (props) => {
    const description = publish(props)
    const fixedFlagsPatch = useFixedFlagsPatch(props)
    const {patch} = useDocumentOperation(props.id, props.type)
    if (!description) return description
    return {
      ...description,
      onHandle: async () => {
        const patches = await fixedFlagsPatch()
        if (patches.length > 0) patch.execute(patches)
        description.onHandle?.()
      },
    }
  }
  PublishClearingFlags.action = publish.action
  PublishClearingFlags.displayName = 'PublishClearingFlags'
  WRAPPED.set(publish, PublishClearingFlags)
  return PublishClearingFlags
}
