// npm run lake -- serve | signin | import <file.ndjson> [--replace|--missing] | export <file.ndjson>
// | repair
import {sanityImport} from '@sanity/import'
import {createReadStream, createWriteStream} from 'node:fs'
import {get, type IncomingMessage} from 'node:http'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {LOCAL_PROJECT_ID} from '../domain/project.ts'
import {guardOptions, lakeSettings, lakeToken} from '../lake/config.ts'
import {withLakeClient} from '../lake/connect.ts'
import {DatasetLockedError, liveLockHolder} from '../lake/lock.ts'
import {closeOnSignals, keepServingOnStrayRejections, startLakeServer} from '../lake/server.ts'
import {DatasetStorage} from '../lake/storage.ts'
import {errorMessage} from '../domain/errors.ts'
import {parseCommandLine} from './args.ts'

const USAGE = `Usage: npm run lake -- <command> [options]

Commands:
  serve                    start the embedded Content Lake HTTP API
  signin [--name "<name>"] print a new one-time Studio sign-in link (the lake must be running);
                           with --name the browser signs in as that editor, whose name history
                           shows on their changes
  import <file.ndjson|->   import documents (the format of "sanity dataset export")
  export <file.ndjson|->   export every document of the dataset as NDJSON
  repair                   when the dataset refuses to open because a file is damaged: keep every
                           intact transaction and document, move the damaged lines aside

Options:
  --dataset <name>   dataset (default: $SANITY_DATASET or "production")
  --data-dir <dir>   data directory (default: $LAKE_DATA_DIR or ".data")
  --port <n>         port for serve (default: $LAKE_PORT or 3400)
  --replace          import: replace documents that already exist
  --missing          import: skip documents that already exist
  --quiet            serve: do not log requests`

const {values, positionals} = parseCommandLine(
  {
    allowPositionals: true,
    options: {
      dataset: {type: 'string'},
      'data-dir': {type: 'string'},
      port: {type: 'string'},
      replace: {type: 'boolean', default: false},
      missing: {type: 'boolean', default: false},
      quiet: {type: 'boolean', default: false},
      name: {type: 'string'},
    },
  },
  USAGE,
)

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`)
  process.exit(2)
}

const [command, file] = positionals
if (!command) {
  console.log(USAGE)
  process.exit(2)
}
if (values.port !== undefined && !/^\d+$/.test(values.port))
  fail(`--port must be a number, not "${values.port}"`)
const settings = lakeSettings({
  ...(values['data-dir'] ? {dataDir: values['data-dir']} : {}),
  ...(values.port ? {port: Number(values.port)} : {}),
  ...(values.dataset ? {dataset: values.dataset} : {}),
})
const invocation = `npm run lake -- ${process.argv.slice(2).join(' ')}`

async function serve() {
  const token = lakeToken(settings.dataDir)
  const server = await startLakeServer({
    dataDir: settings.dataDir,
    command: invocation,
    token,
    port: settings.port,
    host: settings.host,
    datasets: [settings.dataset],
    ...guardOptions(settings),
    ...(values.quiet ? {} : {log: (line: string) => console.log(line)}),
  })
  keepServingOnStrayRejections()
  console.log(`Embedded Content Lake
  API       ${server.url}   (project "${LOCAL_PROJECT_ID}", dataset "${settings.dataset}")
  data      ${settings.dataDir}
  token     ${process.env.LAKE_TOKEN ? 'from LAKE_TOKEN' : `in ${settings.dataDir}/token`}
Press Ctrl-C to stop.`)
  closeOnSignals(server)
}

/** Asks the running lake for a sign-in code (with the API token) and prints the link. */
async function signIn() {
  const holder = liveLockHolder(join(settings.dataDir, settings.dataset))
  if (!holder?.url) {
    throw new Error(
      `No lake is serving ${settings.dataDir} (dataset "${settings.dataset}"): run npm start first`,
    )
  }
  const response = await fetch(`${holder.url}/v1/auth/codes`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${lakeToken(settings.dataDir)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(values.name === undefined ? {} : {name: values.name}),
  })
  const body = (await response.json()) as {
    code?: string
    url?: string
    error?: {description?: string}
  }
  if (!response.ok || !body.code) {
    const reason = body.error?.description ? `: ${body.error.description}` : ''
    throw new Error(`The lake refused a sign-in code (HTTP ${response.status}${reason})`)
  }
  console.log(body.url ?? `The lake serves no Studio; sign-in code: ${body.code}`)
}

async function importFile(path: string) {
  if (values.replace && values.missing) fail('Use either --replace or --missing, not both')
  const operation = values.replace
    ? 'createOrReplace'
    : values.missing
      ? 'createIfNotExists'
      : 'create'
  const input = path === '-' ? process.stdin : createReadStream(path)
  const result = await withLakeClient(settings, invocation, (client) =>
    sanityImport(input, {
      client,
      operation,
      onProgress: ({step, current, total}) => {
        if (process.stderr.isTTY && total)
          process.stderr.write(`\r${step}: ${current ?? 0}/${total}   `)
      },
    }),
  )
  if (process.stderr.isTTY) process.stderr.write('\n')
  for (const warning of result.warnings) console.warn(`warning: ${warning.message}`)
  console.log(`Imported ${result.numDocs} documents into "${settings.dataset}" (${operation}).`)
}

async function exportFile(path: string) {
  const output = path === '-' ? process.stdout : createWriteStream(path)
  const count = await withLakeClient(settings, invocation, async (client) => {
    const {token, apiHost, apiVersion, dataset} = client.config()
    const url = `${apiHost}/v${apiVersion}/data/export/${dataset}`
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      get(url, {headers: {authorization: `Bearer ${token}`}}, resolve).on('error', reject),
    )
    if (response.statusCode !== 200) throw new Error(`Export failed: HTTP ${response.statusCode}`)
    let lines = 0
    await pipeline(
      response,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          for (const byte of chunk) if (byte === 10) lines++
          yield chunk
        }
      },
      output,
    )
    return lines
  })
  if (path !== '-')
    console.error(`Exported ${count} documents from "${settings.dataset}" to ${path}.`)
}

async function repair() {
  const dir = join(settings.dataDir, settings.dataset)
  try {
    const report = await DatasetStorage.repair(dir, settings.dataset, invocation)
    for (const note of report.notes) console.log(note)
  } catch (error) {
    if (!(error instanceof DatasetLockedError)) throw error
    const {pid, hostname, command: holder, url} = error.holder
    throw new Error(
      `Cannot repair: process ${pid} on ${hostname} ("${holder}"${url ? `, serving ${url}` : ''}) ` +
        `has dataset "${settings.dataset}" open. Stop it first, then run repair again.`,
    )
  }
}

try {
  if (command === 'serve') await serve()
  else if (command === 'signin') await signIn()
  else if (command === 'import')
    await importFile(file ?? fail('import needs a file (or - for stdin)'))
  else if (command === 'export')
    await exportFile(file ?? fail('export needs a file (or - for stdout)'))
  else if (command === 'repair') await repair()
  else fail(`Unknown command "${command}"`)
} catch (error) {
  console.error(errorMessage(error))
  process.exit(1)
}
