import {createClient, type SanityClient} from '@sanity/client'
import {API_VERSION} from '../schemas/apiVersion.ts'

// The one place a read client is made. Everything else in queries/ and web/ receives a client, so
// the same code reads from the embedded lake or a real Sanity project: only the config differs.

export interface QueryClientConfig {
  projectId: string
  dataset: string
  /** API host; leave unset for Sanity's own (`https://api.sanity.io`). */
  apiHost?: string
  /** Address `<projectId>.<apiHost>` (Sanity's default) or the API host as given. */
  useProjectHostname?: boolean
  /** A read token for a private dataset. Published content only, with or without one. */
  token?: string
}

/** Per-request options every fetch in queries/ passes: never drafts, whatever the client. */
export const PUBLISHED_ONLY = {perspective: 'published'} as const

/** A read-only client on the published perspective, without the CDN (previews must be fresh). */
export function createQueryClient(config: QueryClientConfig): SanityClient {
  return createClient({
    projectId: config.projectId,
    dataset: config.dataset,
    ...(config.apiHost ? {apiHost: config.apiHost} : {}),
    ...(config.useProjectHostname === undefined
      ? {}
      : {useProjectHostname: config.useProjectHostname}),
    ...(config.token ? {token: config.token} : {}),
    apiVersion: API_VERSION,
    useCdn: false,
    ...PUBLISHED_ONLY,
  })
}
