import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {badRequest} from './errors.ts'

// Who the lake knows, so every change in history names a person (or a tool). A browser signed in
// with a link from `npm start` or `npm run lake -- signin` is the local editor; `signin --name
// "…"` signs one in under that name instead (kept in `<data folder>/users.json`, 0600, so their
// changes keep their name after they sign out). The API token is the command-line tools (import,
// migrations, the similar-thread updater). Studio reads these as Sanity's user endpoints:
// `/users/me` (the caller) and `/users/<id>[,<id>…]` (authors of changes, in the shape of
// @sanity/client's SanityUser).

/** The user of a session signed in without a name. */
export const EDITOR_ID = 'local-editor'
/** The user of the API token. */
export const TOOLS_ID = 'lake-tools'
/** The author of transactions logged before the lake recorded authors. */
export const UNRECORDED_ID = 'lake-unrecorded'

const DEFAULT_EDITOR_NAME = 'Local Editor'
const CREATED_AT = '2024-01-01T00:00:00.000Z'
const MAX_NAME = 100

export interface LakeUser {
  id: string
  name: string
  robot: boolean
  createdAt: string
}

const ROLES = [
  {name: 'administrator', title: 'Administrator', description: 'Editor of the embedded lake'},
]

function builtIn(editorName: string): LakeUser[] {
  return [
    {id: EDITOR_ID, name: editorName, robot: false, createdAt: CREATED_AT},
    {id: TOOLS_ID, name: 'Command-line tools', robot: true, createdAt: CREATED_AT},
    {id: UNRECORDED_ID, name: 'Not recorded', robot: true, createdAt: CREATED_AT},
  ]
}

/** A name as given on the command line, trimmed; refused when empty, too long or with controls. */
function editorName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ')
  if (trimmed === '' || trimmed.length > MAX_NAME || /\p{Cc}/u.test(trimmed))
    throw badRequest(`A name is 1 to ${MAX_NAME} characters without control characters`)
  return trimmed
}

export class Users {
  private readonly path: string
  private readonly named: Map<string, LakeUser>
  private readonly builtIn: Map<string, LakeUser>

  constructor(dataDir: string, options: {editorName?: string} = {}) {
    this.path = join(dataDir, 'users.json')
    this.builtIn = new Map(
      builtIn(options.editorName?.trim() || DEFAULT_EDITOR_NAME).map((user) => [user.id, user]),
    )
    this.named = new Map(readUsers(this.path).map((user) => [user.id, user]))
  }

  get(id: string): LakeUser | undefined {
    return this.builtIn.get(id) ?? this.named.get(id)
  }

  all(): LakeUser[] {
    return [...this.builtIn.values(), ...this.named.values()]
  }

  /**
   * The editor signed in under `name` (the same name, in any case, is the same user), created on
   * first use. Ids are random, not derived from the name: listener events carry them to anyone.
   */
  editorNamed(name: string): LakeUser {
    const clean = editorName(name)
    for (const user of this.named.values())
      if (user.name.toLowerCase() === clean.toLowerCase()) return user
    const id = `e${randomBytes(8).toString('hex')}`
    const user = {id, name: clean, robot: false, createdAt: new Date().toISOString()}
    this.named.set(id, user)
    const saved = Object.fromEntries(
      [...this.named.values()].map(({id: key, name: value, createdAt}) => [
        key,
        {name: value, createdAt},
      ]),
    )
    writeFileSync(this.path, JSON.stringify(saved), {mode: 0o600})
    return user
  }

  /** `/users/me`: the caller, as Studio's auth store reads it (CurrentUser). */
  current(id: string) {
    const user = this.get(id) ?? this.builtIn.get(EDITOR_ID)
    return {
      id: user?.id ?? EDITOR_ID,
      name: user?.name ?? DEFAULT_EDITOR_NAME,
      email: `${user?.id ?? EDITOR_ID}@localhost`,
      profileImage: null,
      role: 'administrator',
      roles: ROLES,
      provider: 'local',
    }
  }

  /** `/users/<id>`: a user as @sanity/client's SanityUser, which Studio shows by displayName. */
  public(user: LakeUser, projectId: string, callerId: string) {
    return {
      id: user.id,
      projectId,
      displayName: user.name,
      familyName: null,
      givenName: null,
      middleName: null,
      imageUrl: null,
      createdAt: user.createdAt,
      updatedAt: user.createdAt,
      isCurrentUser: user.id === callerId,
    }
  }

  /** The project's members, as `/projects/<id>` lists them. */
  members(callerId: string) {
    return this.all()
      .filter((user) => user.id !== UNRECORDED_ID)
      .map((user) => ({
        id: user.id,
        role: 'administrator',
        roles: ROLES,
        isCurrentUser: user.id === callerId,
        isRobot: user.robot,
      }))
  }
}

function readUsers(path: string): LakeUser[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return []
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return []
  return Object.entries(parsed).flatMap(([id, value]: [string, unknown]) =>
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    typeof value.name === 'string' &&
    /^e[0-9a-f]{16}$/.test(id)
      ? [
          {
            id,
            name: value.name,
            robot: false,
            createdAt:
              'createdAt' in value && typeof value.createdAt === 'string'
                ? value.createdAt
                : CREATED_AT,
          },
        ]
      : [],
  )
}
