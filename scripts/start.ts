// npm start: the embedded lake, with a small sample archive imported on first run, the Studio
// served by the lake (HTTP/2 + TLS; a one-time link signs a browser in), and the preview site
// with its JSON API reading from it.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {LOCAL_PROJECT_ID} from '../domain/project.ts'
import {guardOptions, lakeSettings, lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {closeOnSignals, keepServingOnStrayRejections, startLakeServer} from '../lake/server.ts'
import {serveStatic} from '../lake/staticFiles.ts'
import {readInputs} from '../importer/inputs.ts'
import {runImport} from '../importer/run.ts'
import {clientTarget} from '../importer/target.ts'
import {keepReplyCountsRight, syncReplyCounts} from '../counts/replyCounts.ts'
import {createQueryClient} from '../queries/client.ts'
import {
  checkpointPath,
  fileCheckpoint,
  recomputeAfterImport,
  watchSimilar,
} from '../similar/index.ts'
import {DEFAULT_WEB_PORT, startWebServer} from '../web/server.ts'
import {runSanity} from './sanityCli.ts'
import {parseCommandLine} from './args.ts'
import {errorMessage} from '../domain/errors.ts'

const SAMPLE = join(import.meta.dirname, '..', 'sample', 'archive')
const STUDIO = join(import.meta.dirname, '..', 'dist')
const DEFAULT_STUDIO_PORT = 3443

const USAGE = `Usage: npm start -- [options]

Serves the embedded lake, the Studio and the preview site (see README: Quick start).

Options:
  --data-dir <dir>      data directory (default: $LAKE_DATA_DIR or ".data")
  --port <n>            the lake's port (default: $LAKE_PORT or 3400)
  --studio-port <n>     the Studio's port (default: $STUDIO_PORT or 3443)
  --web-port <n>        the preview site's port (default: $WEB_PORT or 3401)
  --no-sample           do not import the sample archive into an empty dataset
  --quiet               do not log requests`

const {values} = parseCommandLine(
  {
    options: {
      port: {type: 'string'},
      'data-dir': {type: 'string'},
      'web-port': {type: 'string'},
      'studio-port': {type: 'string'},
      'no-sample': {type: 'boolean', default: false},
      quiet: {type: 'boolean', default: false},
    },
  },
  USAGE,
)
const settings = lakeSettings({
  ...(values.port ? {port: Number(values.port)} : {}),
  ...(values['data-dir'] ? {dataDir: values['data-dir']} : {}),
})
const token = lakeToken(settings.dataDir)

if (!existsSync(join(STUDIO, 'index.html'))) {
  console.log('Building the Studio for the embedded lake (first run, about a minute)…')
  // Built for the lake whatever this shell points at: the Studio talks to the server it came from.
  runSanity(['build', '--yes'], {
    ...process.env,
    SANITY_STUDIO_PROJECT_ID: LOCAL_PROJECT_ID,
    SANITY_STUDIO_DATASET: settings.dataset,
    SANITY_STUDIO_API_HOST: 'same-origin',
  })
}
const studioPort = values['studio-port'] ?? process.env.STUDIO_PORT
const server = await startLakeServer({
  dataDir: settings.dataDir,
  command: 'npm start',
  token,
  port: settings.port,
  host: settings.host,
  datasets: [settings.dataset],
  securePort: studioPort ? Number(studioPort) : DEFAULT_STUDIO_PORT,
  ...guardOptions(settings),
  fallback: serveStatic({root: STUDIO}),
  ...(values.quiet ? {} : {log: (line: string) => console.log(line)}),
})
keepServingOnStrayRejections()
const client = lakeClient(server.url, settings.dataset, token)

if (!values['no-sample'] && (await client.fetch('count(*[_type == "question"])')) === 0) {
  const report = await runImport(readInputs([SAMPLE]), clientTarget(client, {dryRun: false}))
  console.log(
    `First run: imported the sample archive (${report.summary.created} threads from sample/archive).`,
  )
  const trouble = [
    ...(report.summary.failed > 0 ? [`${report.summary.failed} threads failed`] : []),
    ...(report.stopped ? [`stopped: ${report.stopped.reason}`] : []),
    ...report.problems,
  ]
  // The updater started below follows later edits only: the sample's lists are computed now, as
  // `npm run import` does, so its similar threads are the engine's from the first page view.
  try {
    await recomputeAfterImport(client, report)
  } catch (error) {
    trouble.push(`similar-thread lists not computed: ${errorMessage(error)}`)
  }
  if (trouble.length > 0) console.error(`The sample import had problems: ${trouble.join('; ')}`)
}

// The preview reads like any frontend: published perspective and no token, so drafts never show.
const webPort = values['web-port'] ?? process.env.WEB_PORT
const web = await startWebServer(
  createQueryClient({
    projectId: LOCAL_PROJECT_ID,
    dataset: settings.dataset,
    apiHost: server.url,
    useProjectHostname: false,
  }),
  {
    port: webPort ? Number(webPort) : DEFAULT_WEB_PORT,
    host: settings.host,
    log: (line: string) => console.error(line),
  },
)

console.log(`
Medical Q&A archive is running.
  Content Lake API  ${server.url}   (project "${LOCAL_PROJECT_ID}", dataset "${settings.dataset}")
  data folder       ${settings.dataDir}
  API token         ${process.env.LAKE_TOKEN ? 'from LAKE_TOKEN' : `in ${settings.dataDir}/token`}
  Studio            ${server.studioUrl}   (self-signed certificate: accept the warning once)
  Preview site      ${web.url}/   (JSON API under ${web.url}/api/)

Sign in to the Studio by opening this link once (it works once; \`npm run lake -- signin\` makes
another):
  ${server.signInUrl()}

Press Ctrl-C to stop.`)

// Edits made in the Studio, imports and scripts keep precomputed similar-thread lists fresh: the
// worker follows the lake's listener through the client, as it would a hosted project's (where a
// Sanity Function can play this role), and catches up on start with what changed while it was
// stopped (its checkpoint is in the data folder).
const watcher = watchSimilar({
  client,
  checkpoint: fileCheckpoint(checkpointPath(settings.dataDir, LOCAL_PROJECT_ID, settings.dataset)),
  onError: (error) => console.error(`similar threads: ${errorMessage(error)}`),
})
// Closed before the lake, so the listener does not report the lake going away.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void watcher.stop())

// Stored reply counts (the Studio's lists show them) follow every commit, and writes made while
// nothing was watching (a standalone import or migration) are corrected now, in the background.
const onCountError = (error: unknown) => console.error(`reply counts: ${errorMessage(error)}`)
keepReplyCountsRight({
  storage: await server.lake.storage(settings.dataset),
  client,
  onError: onCountError,
})
syncReplyCounts(client)
  .then(({corrected}) => {
    if (corrected > 0) console.log(`Reply counts: ${corrected} stored counts corrected.`)
  })
  .catch(onCountError)

closeOnSignals(server)
