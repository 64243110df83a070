import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {badRequest, notFound} from './errors.ts'
import {decodePart} from './respond.ts'
import type {Users} from './users.ts'

// The project-level endpoints Sanity Studio calls besides the data API (observed with Studio
// 6.9.2; see SANITY_NOTES.md): who the user is, the project and its datasets, what the user may
// do, feature flags, a per-user key-value store. Every user of the lake (lake/users.ts) has every
// permission.

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
  /** The signed-in caller's user id. */
  userId: string
  users: Users
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
  const {method, path, projectId, users, userId} = request
  if (path === '/users/me') return users.current(userId)
  if (path === '/features') return []
  if (path === '/ping') return 'PONG'
  const keyValueMatch = /^\/users\/me\/keyvalue(?:\/(.+))?$/.exec(path)
  if (keyValueMatch) {
    if (method === 'PUT' || method === 'POST') return keyValue.set(await request.body())
    return keyValue.get((keyValueMatch[1] ?? '').split(',').filter(Boolean).map(decodeURIComponent))
  }
  const usersMatch = /^\/users\/([^/]+)$/.exec(path)
  if (usersMatch?.[1]) return usersById(request, usersMatch[1])
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
      members: users.members(userId),
      features: [],
    }
  }
  if (rest === '/datasets') return request.datasets.map((name) => ({name, aclMode: 'private'}))
  if (/^\/datasets\/[^/]+\/acl$/.test(rest)) return GRANTS
  if (rest === '/grants' || /^\/datasets\/[^/]+\/grants$/.test(rest)) return {}
  if (rest === '/users') return users.all().map((user) => users.public(user, projectId, userId))
  const projectUser = /^\/users\/([^/]+)$/.exec(rest)
  if (projectUser?.[1]) return usersById(request, projectUser[1])
  return undefined
}

/**
 * `/users/<id>[,<id>…]`, how Studio names the authors of changes: one id answers the user (null
 * when unknown), several answer the known ones in a list.
 */
function usersById(request: StudioRequest, ids: string) {
  const {users, projectId, userId} = request
  const wanted = ids.split(',').map(decodePart)
  const found = wanted.flatMap((id) => {
    const user = users.get(id)
    return user ? [users.public(user, projectId, userId)] : []
  })
  return wanted.length === 1 ? (found[0] ?? null) : found
}
