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
  /** The query string (some endpoints filter by it). */
  search: URLSearchParams
  /** The signed-in caller's user id. */
  userId: string
  users: Users
  body: () => Promise<unknown>
  keyValue: KeyValueStore
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

type StudioEndpoint = (request: StudioRequest, match: RegExpExecArray) => unknown

const datasetList = (request: StudioRequest) =>
  request.datasets.map((name) => ({name, aclMode: 'private'}))

/**
 * Sanity's "journey" content (announcements, trial dialogs, upsell offers): a local lake has
 * none. Upsells answer null, which Studio reads as "nothing to offer".
 */
const journey: StudioEndpoint = (_request, match) => (match[1] === 'announcements' ? [] : null)

/** Project-level requests, one entry each; a path that matches none is a 404. */
const STUDIO_ENDPOINTS: [RegExp, StudioEndpoint][] = [
  [/^\/users\/me$/, (request) => request.users.current(request.userId)],
  [/^\/features$/, () => []],
  [/^\/ping$/, () => 'PONG'],
  [
    /^\/users\/me\/keyvalue(?:\/(.+))?$/,
    async (request, match) => {
      if (request.method === 'PUT' || request.method === 'POST')
        return request.keyValue.set(await request.body())
      return request.keyValue.get(
        (match[1] ?? '').split(',').filter(Boolean).map(decodeURIComponent),
      )
    },
  ],
  [/^\/journey\/([a-z-]+)(?:\/[a-z-]+)?$/, journey],
  // Telemetry consent: nothing leaves the machine, so Studio never sends its usage batches.
  [/^\/intake\/telemetry-status$/, () => ({status: 'denied'})],
  // The help menu's resources and version notes (Studio lists its own links without them).
  [/^\/help$/, () => ({})],
  // How Studio names the authors of changes.
  [/^\/users\/([^/]+)$/, (request, match) => usersById(request, match[1] ?? '')],
  // @sanity/client's datasets.list() (Vision's dataset picker) on the project host.
  [/^\/datasets$/, datasetList],
  [
    /^\/projects\/([^/]+)(\/.*)?$/,
    (request, match) => projectResponse(request, match[1] ?? '', match[2] ?? ''),
  ],
]

function projectResponse(request: StudioRequest, projectId: string, rest: string): unknown {
  if (projectId !== request.projectId) throw notFound(`Project "${projectId}" not found`)
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
      members: request.users.members(request.userId),
      features: [],
    }
  }
  // Add-on datasets (comments and tasks keep theirs apart): none. Never answer the content dataset
  // here, or Studio would write comments and tasks into it.
  if (rest === '/datasets') return request.search.has('datasetProfile') ? [] : datasetList(request)
  if (/^\/datasets\/[^/]+\/acl$/.test(rest)) return GRANTS
  if (rest === '/grants' || /^\/datasets\/[^/]+\/grants$/.test(rest)) return {}
  // Deployed Studios of the project: none, this one is served by the lake.
  if (rest === '/user-applications') return []
  const {users, userId} = request
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

/** Answers a Studio project-level request, or returns undefined when the path is not one. */
export async function studioResponse(request: StudioRequest): Promise<unknown> {
  for (const [pattern, endpoint] of STUDIO_ENDPOINTS) {
    const match = pattern.exec(request.path)
    if (match) return endpoint(request, match)
  }
  return undefined
}
