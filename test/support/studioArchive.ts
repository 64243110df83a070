import type {SanityClient} from '@sanity/client'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {keepReplyCountsRight} from '../../counts/replyCounts.ts'
import {readInputs} from '../../importer/inputs.ts'
import {type ImportReport, runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {LOCAL_PROJECT_ID} from '../../domain/project.ts'
import {lakeClient} from '../../lake/connect.ts'
import {type LakeServer, startLakeServer} from '../../lake/server.ts'
import {serveStatic} from '../../lake/staticFiles.ts'
import {createQueryClient} from '../../queries/client.ts'
import {startWebServer, type WebServer} from '../../web/server.ts'

// What an editor works on: a lake on a fresh data folder serving the built Studio (HTTP/2 over
// TLS; a browser signs in with a one-time link, as after `npm start`), the sample archive
// imported into it, and the preview site reading the same lake the way `npm start` serves it
// (published perspective, no token).

const ROOT = join(import.meta.dirname, '..', '..')
export const STUDIO_DIST = join(ROOT, 'dist')
export const SAMPLE_ARCHIVE = join(ROOT, 'sample', 'archive')

const DATASET = 'production'
const TOKEN = 'studio-test-token-0123456789abcdefghijklmn'

export interface StudioArchive {
  lake: LakeServer
  dataDir: string
  /** The Studio's address; Studio sends API calls to `<projectId>.<host>` (Chromium resolves *.localhost). */
  studioUrl: string
  /** A one-time link that signs a browser into the Studio (what `npm start` prints). */
  signInUrl: () => string
  /** Authenticated, raw perspective: what the importer and the test's own checks use. */
  writer: SanityClient
  /** Published perspective, no token: what the preview site reads through. */
  reader: SanityClient
  web: WebServer
  /** The report of the first import of the sample archive. */
  firstImport: ImportReport
  /** Imports the sample archive again, through a client with the token. */
  importSample: () => Promise<ImportReport>
  /** Stops the lake and starts it again on the same data folder and ports. */
  restart: () => Promise<void>
  close: () => Promise<void>
}

export async function startStudioArchive(): Promise<StudioArchive> {
  if (!existsSync(join(STUDIO_DIST, 'index.html'))) {
    throw new Error(
      `The built Studio is missing (${STUDIO_DIST}/index.html): run "npm run build" first ` +
        '("npm test" builds it before running vitest).',
    )
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'studio-test-'))
  /** The lake on `dataDir`, and what `npm start` runs beside it; ports 0 pick free ones. */
  const open = async (port: number, securePort: number) => {
    const server = await startLakeServer({
      dataDir,
      command: 'vitest studio',
      token: TOKEN,
      port,
      host: '127.0.0.1',
      securePort,
      datasets: [DATASET],
      fallback: serveStatic({root: STUDIO_DIST}),
    })
    if (!server.secureUrl) throw new Error('The lake did not start its HTTP/2 + TLS listener')
    const client = lakeClient(server.url, DATASET, TOKEN)
    // As `npm start` does: stored reply counts (the Studio's lists) follow every commit.
    const counts = keepReplyCountsRight({storage: await server.lake.storage(DATASET), client})
    return {server, counts, client}
  }
  let current = await open(0, 0)
  const {client: writer} = current
  const importSample = () =>
    runImport(readInputs([SAMPLE_ARCHIVE]), clientTarget(writer, {dryRun: false}))
  const firstImport = await importSample()
  if (firstImport.summary.failed > 0 || firstImport.summary.created === 0) {
    throw new Error(`The sample archive did not import: ${JSON.stringify(firstImport.threads)}`)
  }
  const reader = createQueryClient({
    projectId: LOCAL_PROJECT_ID,
    dataset: DATASET,
    apiHost: current.server.url,
    useProjectHostname: false,
  })
  const web = await startWebServer(reader, {port: 0, host: '127.0.0.1'})
  const port = new URL(current.server.secureUrl ?? '').port
  return {
    get lake() {
      return current.server
    },
    dataDir,
    studioUrl: `https://${LOCAL_PROJECT_ID}.localhost:${port}`,
    signInUrl: () => current.server.signInUrl(),
    writer,
    reader,
    web,
    firstImport,
    importSample,
    restart: async () => {
      const {url, secureUrl} = current.server
      await current.counts.stop()
      await current.server.close()
      current = await open(Number(new URL(url).port), Number(new URL(secureUrl ?? '').port))
    },
    close: async () => {
      await current.counts.stop()
      await web.close()
      await current.server.close()
      await rm(dataDir, {recursive: true, force: true})
    },
  }
}
