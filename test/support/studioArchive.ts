import type {SanityClient} from '@sanity/client'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readInputs} from '../../importer/inputs.ts'
import {type ImportReport, runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {LOCAL_PROJECT_ID} from '../../lake/config.ts'
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
  const lake = await startLakeServer({
    dataDir,
    command: 'vitest studio',
    token: TOKEN,
    port: 0,
    host: '127.0.0.1',
    securePort: 0,
    datasets: [DATASET],
    fallback: serveStatic({root: STUDIO_DIST}),
  })
  if (!lake.secureUrl) throw new Error('The lake did not start its HTTP/2 + TLS listener')
  const writer = lakeClient(lake.url, DATASET, TOKEN)
  const importSample = () =>
    runImport(readInputs([SAMPLE_ARCHIVE]), clientTarget(writer, {dryRun: false}))
  const firstImport = await importSample()
  if (firstImport.summary.failed > 0 || firstImport.summary.created === 0) {
    throw new Error(`The sample archive did not import: ${JSON.stringify(firstImport.threads)}`)
  }
  const reader = createQueryClient({
    projectId: LOCAL_PROJECT_ID,
    dataset: DATASET,
    apiHost: lake.url,
    useProjectHostname: false,
  })
  const web = await startWebServer(reader, {port: 0, host: '127.0.0.1'})
  const port = new URL(lake.secureUrl).port
  return {
    lake,
    dataDir,
    studioUrl: `https://${LOCAL_PROJECT_ID}.localhost:${port}`,
    signInUrl: lake.signInUrl,
    writer,
    reader,
    web,
    firstImport,
    importSample,
    close: async () => {
      await web.close()
      await lake.close()
      await rm(dataDir, {recursive: true, force: true})
    },
  }
}
