import {createClient} from '@sanity/client'
import {
  createWorkspaceFromConfig,
  type SanityDocument,
  validateDocument,
  type Workspace,
} from 'sanity'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {schemaTypes} from '../../schemas/index.ts'

/**
 * A Studio workspace on our schema whose validation queries go to `apiHost` through @sanity/client
 * (with `token` for a lake, whose raw perspective needs one).
 */
export function createValidationWorkspace(apiHost: string, token?: string): Promise<Workspace> {
  const client = createClient({
    projectId: 'test',
    dataset: 'test',
    apiHost,
    useProjectHostname: false,
    useCdn: false,
    apiVersion: API_VERSION,
    perspective: 'raw',
    ...(token ? {token} : {}),
  })
  return createWorkspaceFromConfig({
    name: 'default',
    projectId: 'test',
    dataset: 'test',
    schema: {types: schemaTypes},
    currentUser: {
      id: 'editor',
      name: 'Test Editor',
      email: 'editor@example.org',
      role: 'administrator',
      roles: [],
    },
    getClient: () => client,
  })
}

export interface Finding {
  level: 'error' | 'warning' | 'info'
  path: string
  message: string
}

/** Validation markers of a document, flattened to what an editor reads. */
export async function validate(workspace: Workspace, document: SanityDocument): Promise<Finding[]> {
  const markers = await validateDocument({document, workspace, getDocumentExists: async () => true})
  return markers.map((marker) => ({
    level: marker.level,
    path: marker.path
      .map((segment) => (typeof segment === 'object' ? JSON.stringify(segment) : String(segment)))
      .join('.'),
    message: marker.message,
  }))
}
