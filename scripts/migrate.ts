// npm run migrate -- [<id>] [--no-dry-run] [--quiet]
import {withArchiveClient} from '../lake/connect.ts'
import {formatReport, formatTransaction} from '../migrator/format.ts'
import {listMigrations, loadMigration, UnknownMigrationError} from '../migrator/load.ts'
import {type MigrationEvent, MigrationRunError, runMigration} from '../migrator/run.ts'
import {errorMessage} from '../domain/errors.ts'
import {parseCommandLine} from './args.ts'
import {exitWhenFlushed} from './exit.ts'

const USAGE = `Usage: npm run migrate -- <id> [--no-dry-run] [--quiet]

Runs a content migration from migrations/<id>/ (the format of "sanity migration run") on the
archive: the embedded lake by default, a real Sanity project when SANITY_PROJECT_ID is set.
Without an id, lists the migrations.

By default it is a dry run: it prints the mutations the migration would make and a count per
document type, and writes nothing.

Options:
  --no-dry-run   commit the mutations, in transactions of at most 100 mutations
  --quiet        print only the summary, not every mutation`

const {values, positionals} = parseCommandLine(
  {
    allowPositionals: true,
    allowNegative: true,
    options: {
      'dry-run': {type: 'boolean', default: true},
      quiet: {type: 'boolean', default: false},
    },
  },
  USAGE,
)

const [id, ...extra] = positionals
if (extra.length > 0) {
  console.error(`Give one migration id at a time.\n\n${USAGE}`)
  process.exit(2)
}
if (!id) {
  const migrations = await listMigrations()
  const width = Math.max(0, ...migrations.map((found) => found.id.length))
  console.log('Migrations (npm run migrate -- <id>):')
  for (const found of migrations)
    console.log(`  ${found.id.padEnd(width)}  ${found.migration.title}`)
  process.exit(0)
}

const dryRun = values['dry-run']
const interactive = process.stderr.isTTY
const controller = new AbortController()
process.once('SIGINT', () => {
  console.error('\nInterrupted: finishing the transaction in flight, then stopping.')
  controller.abort()
  process.once('SIGINT', () => process.exit(130))
})

let committed = 0
function show(event: MigrationEvent) {
  if (event.kind === 'transaction' && event.dryRun && !values.quiet) {
    for (const line of formatTransaction(event.transaction)) console.log(line)
  }
  if (event.kind === 'committed') {
    committed += event.transaction.mutations.length
    const line = `committed transaction ${event.transaction.index} (${committed} mutations so far)`
    if (interactive) process.stderr.write(`\r${line}  `)
    else console.error(line)
  }
}

try {
  const migration = await loadMigration(id)
  console.log(`${dryRun ? 'Dry run of' : 'Running'} ${id}: ${migration.title}`)
  const report = await withArchiveClient(`npm run migrate -- ${id}`, (client) =>
    runMigration(client, migration, {dryRun, signal: controller.signal, onEvent: show}),
  )
  if (interactive && committed > 0) process.stderr.write('\n')
  for (const line of formatReport(report)) console.log(line)
  await exitWhenFlushed(report.interrupted ? 1 : 0)
} catch (error) {
  if (interactive && committed > 0) process.stderr.write('\n')
  if (error instanceof UnknownMigrationError) {
    console.error(error.message)
    await exitWhenFlushed(2)
  }
  console.error(`Migration failed: ${errorMessage(error)}`)
  if (error instanceof MigrationRunError) {
    for (const line of formatReport(error.report)) console.error(line)
    console.error('Fix the cause and run the same command again: committed work is not repeated.')
  }
  await exitWhenFlushed(1)
}
