import {createClient, type SanityClient} from '@sanity/client'
import {join} from 'node:path'
import {API_VERSION} from '../schemas/apiVersion.ts'
import {LOCAL_PROJECT_ID} from '../domain/project.ts'
import {lakeSettings, lakeToken, type LakeSettings} from './config.ts'
import {DatasetLockedError, liveLockHolder} from './lock.ts'
import {startLakeServer} from './server.ts'

/** A @sanity/client for the embedded lake at `url`. */
export function lakeClient(url: string, dataset: string, token: string): SanityClient {
  return createClient({
    projectId: LOCAL_PROJECT_ID,
    dataset,
    apiHost: url,
    useProjectHostname: false,
    useCdn: false,
    apiVersion: API_VERSION,
    token,
  })
}

/**
 * Runs `work` with a client on the dataset, whether or not a lake server is running: a running
 * server (found through the dataset's lock file) is used as is; otherwise an in-process server
 * is started on a free port for the duration of the work. Either way every write goes through
 * the same HTTP API.
 */
export async function withLakeClient<T>(
  settings: LakeSettings,
  command: string,
  work: (client: SanityClient) => Promise<T>,
): Promise<T> {
  const token = lakeToken(settings.dataDir)
  const holder = liveLockHolder(join(settings.dataDir, settings.dataset))
  if (holder?.url) return work(lakeClient(holder.url, settings.dataset, token))
  if (holder) throw new DatasetLockedError(join(settings.dataDir, settings.dataset), holder)
  const server = await startLakeServer({
    dataDir: settings.dataDir,
    command,
    token,
    port: 0,
    host: '127.0.0.1',
    datasets: [settings.dataset],
    historyDays: settings.historyDays,
    cacheMegabytes: settings.cacheMegabytes,
  })
  try {
    return await work(lakeClient(server.url, settings.dataset, token))
  } finally {
    await server.close()
  }
}

/**
 * A client on the archive: a real Sanity project when SANITY_PROJECT_ID is set (with
 * SANITY_DATASET and SANITY_API_TOKEN), otherwise the embedded lake. Callers never branch on it.
 */
export async function withArchiveClient<T>(
  command: string,
  work: (client: SanityClient) => Promise<T>,
  env = process.env,
): Promise<T> {
  if (env.SANITY_PROJECT_ID) {
    return work(
      createClient({
        projectId: env.SANITY_PROJECT_ID,
        dataset: env.SANITY_DATASET || 'production',
        apiVersion: API_VERSION,
        useCdn: false,
        ...(env.SANITY_API_TOKEN ? {token: env.SANITY_API_TOKEN} : {}),
        ...(env.SANITY_API_HOST ? {apiHost: env.SANITY_API_HOST} : {}),
      }),
    )
  }
  return withLakeClient(lakeSettings({}, env), command, work)
}
