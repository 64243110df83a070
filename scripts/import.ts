// npm run import -- <inputs…> [--dry-run] [--out file.ndjson] [--report report.json] [--keep-asker-names]
import {writeFile} from 'node:fs/promises'
import {parseArgs} from 'node:util'
import {withArchiveClient} from '../lake/connect.ts'
import {readInputs} from '../importer/inputs.ts'
import {printable} from '../importer/messages.ts'
import {type ImportProgress, type ImportReport, runImport} from '../importer/run.ts'
import {clientTarget, type ImportTarget, ndjsonTarget} from '../importer/target.ts'
import {recomputeAffected} from '../queries/similar/index.ts'

const USAGE = `Usage: npm run import -- <file|directory|->… [options]

Imports scraped Q&A threads (page text .txt, saved HTML .html, JSONL .jsonl) into the archive:
the embedded lake by default, a real Sanity project when SANITY_PROJECT_ID is set.

Options:
  --dry-run            compare with the dataset and report, write nothing
  --out <file>         write NDJSON for "sanity dataset import" instead of writing to a dataset
  --report <file>      write a JSON report of every input thread
  --keep-asker-names   store askers' names as scraped (default: initial only)
  --no-similar         skip recomputing similar-thread lists for the imported questions`

const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    'dry-run': {type: 'boolean', default: false},
    out: {type: 'string'},
    report: {type: 'string'},
    'keep-asker-names': {type: 'boolean', default: false},
    'no-similar': {type: 'boolean', default: false},
    help: {type: 'boolean', short: 'h', default: false},
  },
})

if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
if (positionals.length === 0) {
  console.error(`Give at least one input file or directory.\n\n${USAGE}`)
  process.exit(2)
}
if (values.out && values['dry-run']) {
  console.error('--out already writes nothing to a dataset; drop --dry-run.')
  process.exit(2)
}

const interactive = process.stderr.isTTY
const started = Date.now()
function showProgress({read, written, failed}: ImportProgress) {
  if (!interactive) return
  const seconds = Math.max((Date.now() - started) / 1000, 0.001)
  const width = 30
  const filled = read === 0 ? 0 : Math.round((written / read) * width)
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`
  process.stderr.write(
    `\r[${bar}] read ${read} · written ${written} · failed ${failed} · ${Math.round(read / seconds)}/s  `,
  )
}

const controller = new AbortController()
process.once('SIGINT', () => {
  console.error(
    '\nInterrupted: finishing transactions in flight, then stopping (Ctrl-C again to abort).',
  )
  controller.abort()
  process.once('SIGINT', () => process.exit(130))
})

async function importInto(target: ImportTarget): Promise<ImportReport> {
  try {
    return await runImport(readInputs(positionals), target, {
      keepAskerNames: values['keep-asker-names'],
      onProgress: showProgress,
      signal: controller.signal,
    })
  } finally {
    await target.close()
  }
}

try {
  const report = values.out
    ? await importInto(ndjsonTarget(values.out))
    : await withArchiveClient('npm run import', async (client) => {
        const imported = await importInto(clientTarget(client, {dryRun: values['dry-run']}))
        // Precomputed similar lists for the questions this run wrote and the ones they affect.
        const changed = imported.threads
          .filter((thread) => thread.outcome === 'created' || thread.outcome === 'updated')
          .flatMap((thread) => thread.ids.slice(0, 1))
        if (!values['dry-run'] && !values['no-similar'] && changed.length > 0) {
          const similar = await recomputeAffected(client, changed)
          console.log(
            `Similar threads: ${similar.patched.length} lists written, ${similar.unchanged} unchanged (${similar.seconds}s).`,
          )
        }
        return imported
      })
  if (interactive) process.stderr.write('\n')
  const {summary} = report
  for (const thread of report.threads) {
    if (['failed', 'collision', 'skipped'].includes(thread.outcome))
      console.error(printable(`${thread.outcome}: ${thread.source}: ${thread.reason}`))
  }
  console.log(
    `${values['dry-run'] ? 'Dry run: would have ' : ''}read ${summary.read} threads: ` +
      `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
      `${summary.kept} kept (edited since import), ${summary.failed} failed, ` +
      `${summary.collisions} collisions (same document as another thread, not imported), ` +
      `${summary.skipped} inputs skipped (links out of the input folder, special files); ` +
      `privacy: ${summary.privacy.names} names reduced to initials, ${summary.privacy.emails} e-mails and ` +
      `${summary.privacy.phones} phone numbers masked; ${summary.resolvedSimilar} similar links resolved; ` +
      `${summary.seconds}s (${summary.threadsPerSecond} threads/s)` +
      (values.out ? `; NDJSON written to ${values.out}` : ''),
  )
  if (values.report) await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`)
  process.exit(summary.failed + summary.collisions > 0 || controller.signal.aborted ? 1 : 0)
} catch (error) {
  if (interactive) process.stderr.write('\n')
  console.error(`Import failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
