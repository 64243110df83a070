import {LOCAL_PROJECT_ID} from '../domain/project.ts'

// Where the Studio points, from the variables Sanity's CLI and templates use: the CLI reads
// SANITY_STUDIO_* from the environment (and .env files), and builds every
// `process.env.SANITY_STUDIO_…` into the Studio bundle as a literal. Unset ones fall back to the
// embedded lake. Each is read by its full name: the bundler only replaces names it sees whole.
// A token never goes in here.

export const PROJECT_ID = process.env.SANITY_STUDIO_PROJECT_ID || LOCAL_PROJECT_ID
export const DATASET = process.env.SANITY_STUDIO_DATASET || 'production'

/**
 * "same-origin" (the default for the local project) means the Studio is served by the embedded
 * lake and talks to the server it was loaded from; empty means Sanity's hosted API.
 */
const CONFIGURED_API_HOST =
  process.env.SANITY_STUDIO_API_HOST || (PROJECT_ID === LOCAL_PROJECT_ID ? 'same-origin' : '')

/** The API host for the Studio config; Studio itself puts `<projectId>.` in front of its host. */
export function apiHost(): string {
  if (CONFIGURED_API_HOST !== 'same-origin') return CONFIGURED_API_HOST
  if (typeof window === 'undefined') return 'https://localhost'
  const host = window.location.host.replace(new RegExp(`^${PROJECT_ID}\\.`), '')
  return `${window.location.protocol}//${host}`
}

/** The embedded lake signs the Studio in with a token instead of Sanity's login. */
export const USES_LOCAL_LAKE = CONFIGURED_API_HOST !== ''
