import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {badRequest, notFound} from './errors.ts'

// The project-level endpoints Sanity Studio calls besides the data API (observed with Studio
// 6.9.2; see SANITY_NOTES.md): who the user is, the project and its datasets, what the user may
// do, feature flags, a per-user key-value store. One local editor has every permission.

export const LOCAL_USER = {
  id: 'local-editor',
  name: 'Local Editor',
  email: 'editor@localhost',
  profileImage: null,
  role: 'administrator',
  roles: [
    {
      name: 'administrator',
      title: 'Administrator',
      description: 'Local editor of the embedded lake',
    },
  ],
  provider: 'local',
}

const GRANTS = [
  {
    filter: '_id in path("**")',
    permissions: ['read', 'create', 'history', 'update'],
  },
]

export interface StudioRequest {
  method: string
  path: string
  projectId: string
  datasets: string[]
  body: () => Promise<unknown>
}

/** Key-value settings Studio stores per user (layout, recent searches…), kept in the data folder. */
export class KeyValueStore {
  private readonly path: string
  private readonly values: Record<string, unknown>

  constructor(dataDir: string) {
    this.path = join(dataDir, 'studio-keyvalue.json')
    try {
      this.values = JSON.parse(readFileSync(this.path, 'utf8'))
    } catch {
      this.values = {}
    }
  }

  get(keys: string[]) {
    return keys.map((key) => ({key, value: this.values[key] ?? null}))
  }

  set(entries: unknown) {
    if (!Array.isArray(entries)) throw badRequest('Expected an array of {key, value}')
    for (const entry of entries) {
      if (
        typeof entry === 'object' &&
        entry !== null &&
        'key' in entry &&
        typeof entry.key === 'string'
      ) {
        this.values[entry.key] = 'value' in entry ? entry.value : null
      }
    }
    writeFileSync(this.path, JSON.stringify(this.values), {mode: 0o600})
    return this.get(entries.flatMap((entry) => (typeof entry?.key === 'string' ? [entry.key] : [])))
  }
}

/** Answers a Studio project-level request, or returns undefined when the path is not one. */
export async function studioResponse(
  request: StudioRequest,
  keyValue: KeyValueStore,
): Promise<unknown> {
  const {method, path, projectId} = request
  if (path === '/users/me') return LOCAL_USER
  if (path === '/features') return []
  if (path === '/ping') return 'PONG'
  const keyValueMatch = /^\/users\/me\/keyvalue(?:\/(.+))?$/.exec(path)
  if (keyValueMatch) {
    if (method === 'PUT' || method === 'POST') return keyValue.set(await request.body())
    return keyValue.get((keyValueMatch[1] ?? '').split(',').filter(Boolean).map(decodeURIComponent))
  }
  const projectMatch = /^\/projects\/([^/]+)(\/.*)?$/.exec(path)
  if (!projectMatch) return undefined
  if (projectMatch[1] !== projectId) throw notFound(`Project "${projectMatch[1]}" not found`)
  const rest = projectMatch[2] ?? ''
  if (rest === '') {
    return {
      id: projectId,
      displayName: 'Medical Q&A archive (embedded lake)',
      studioHost: null,
      isBlocked: false,
      isDisabled: false,
      isDisabledByUser: false,
      metadata: {},
      organizationId: null,
      createdAt: '2024-01-01T00:00:00Z',
      members: [
        {
          id: LOCAL_USER.id,
          role: 'administrator',
          roles: LOCAL_USER.roles,
          isCurrentUser: true,
          isRobot: false,
        },
      ],
      features: [],
    }
  }
  if (rest === '/datasets') return request.datasets.map((name) => ({name, aclMode: 'private'}))
  if (/^\/datasets\/[^/]+\/acl$/.test(rest)) return GRANTS
  if (rest === '/grants' || /^\/datasets\/[^/]+\/grants$/.test(rest)) return {}
  if (rest === '/users' || rest === `/users/${LOCAL_USER.id}`) {
    return rest === '/users' ? [LOCAL_USER] : LOCAL_USER
  }
  return undefined
}
