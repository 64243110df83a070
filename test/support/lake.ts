import {createClient, type SanityClient} from '@sanity/client'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LOCAL_PROJECT_ID} from '../../domain/project.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {startLakeServer, type LakeServer, type LakeServerOptions} from '../../lake/server.ts'

export const TEST_TOKEN = 'test-token-0123456789abcdefghijklmnop'

export interface TestLake {
  server: LakeServer
  dataDir: string
  /** An authenticated client on dataset `dataset` (default "test"). */
  client: (options?: {
    dataset?: string
    perspective?: 'raw' | 'published' | 'drafts'
  }) => SanityClient
  anonymousClient: (dataset?: string) => SanityClient
  close: () => Promise<void>
}

/**
 * Starts an embedded lake on a free port over a fresh temporary directory (or `dataDir`), with
 * any other server options given.
 */
export async function startTestLake(
  dataDir?: string,
  options: Partial<LakeServerOptions> = {},
): Promise<TestLake> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-test-')))
  const server = await startLakeServer({
    dataDir: dir,
    command: 'vitest',
    token: TEST_TOKEN,
    port: 0,
    host: '127.0.0.1',
    ...options,
  })
  const base = {
    projectId: LOCAL_PROJECT_ID,
    apiHost: server.url,
    useProjectHostname: false,
    useCdn: false,
    apiVersion: API_VERSION,
  }
  return {
    server,
    dataDir: dir,
    client: ({dataset = 'test', perspective} = {}) =>
      createClient({...base, dataset, token: TEST_TOKEN, ...(perspective ? {perspective} : {})}),
    anonymousClient: (dataset = 'test') => createClient({...base, dataset}),
    close: async () => {
      await server.close()
      if (!dataDir) await rm(dir, {recursive: true, force: true})
    },
  }
}
