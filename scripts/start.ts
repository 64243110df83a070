// npm start: the embedded lake, with a small sample archive imported on first run.
import {join} from 'node:path'
import {parseArgs} from 'node:util'
import {lakeSettings, lakeToken, LOCAL_PROJECT_ID} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {closeOnSignals, startLakeServer} from '../lake/server.ts'
import {readInputs} from '../importer/inputs.ts'
import {runImport} from '../importer/run.ts'
import {clientTarget} from '../importer/target.ts'

const SAMPLE = join(import.meta.dirname, '..', 'sample', 'archive')

const {values} = parseArgs({
  options: {
    port: {type: 'string'},
    'no-sample': {type: 'boolean', default: false},
    quiet: {type: 'boolean', default: false},
  },
})
const settings = lakeSettings(values.port ? {port: Number(values.port)} : {})
const token = lakeToken(settings.dataDir)
const server = await startLakeServer({
  dataDir: settings.dataDir,
  command: 'npm start',
  token,
  port: settings.port,
  host: settings.host,
  datasets: [settings.dataset],
  ...(values.quiet ? {} : {log: (line: string) => console.log(line)}),
})
const client = lakeClient(server.url, settings.dataset, token)

if (!values['no-sample'] && (await client.fetch('count(*[_type == "question"])')) === 0) {
  const report = await runImport(readInputs([SAMPLE]), clientTarget(client, {dryRun: false}))
  console.log(
    `First run: imported the sample archive (${report.summary.created} threads from sample/archive).`,
  )
}

console.log(`
Medical Q&A archive is running.
  Content Lake API  ${server.url}   (project "${LOCAL_PROJECT_ID}", dataset "${settings.dataset}")
  data folder       ${settings.dataDir}
  API token         ${process.env.LAKE_TOKEN ? 'from LAKE_TOKEN' : `in ${settings.dataDir}/token`}
Press Ctrl-C to stop.`)

closeOnSignals(server)
