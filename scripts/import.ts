// npm run import -- <inputs…> [--dry-run] [--out file.ndjson] [--report report.json] [--keep-asker-names]
import type {SanityClient} from '@sanity/client'
import {writeFileSync} from 'node:fs'
import {describeCounts} from '../domain/quality/index.ts'
import {withArchiveClient} from '../lake/connect.ts'
import {readInputs} from '../importer/inputs.ts'
import {errorMessage} from '../domain/errors.ts'
import {printable} from '../domain/printable.ts'
import {
  type ImportProgress,
  type ImportReport,
  runImport,
  summarize,
  type ThreadReport,
} from '../importer/run.ts'
import {clientTarget, type ImportTarget, ndjsonTarget} from '../importer/target.ts'
import {recomputeAffected} from '../similar/index.ts'
import {syncReplyCounts} from '../counts/replyCounts.ts'
import {noPrivacyCounts, type PrivacyCounts} from '../importer/privacy.ts'
import {parseCommandLine} from './args.ts'
import {exitWhenFlushed} from './exit.ts'

const USAGE = `Usage: npm run import -- <file|directory|->… [options]

Imports scraped Q&A threads (page text .txt, saved HTML .html, JSONL .jsonl) into the archive:
the embedded lake by default, a real Sanity project when SANITY_PROJECT_ID is set.

Options:
  --dry-run            compare with the dataset and report, write nothing
  --out <file>         write NDJSON for "sanity dataset import" instead of writing to a dataset
  --report <file>      write a JSON report of every input thread
  --keep-asker-names   store askers' names as scraped (default: initial only)
  --no-similar         skip recomputing similar-thread lists for the imported questions`

const {values, positionals} = parseCommandLine(
  {
    allowPositionals: true,
    options: {
      'dry-run': {type: 'boolean', default: false},
      out: {type: 'string'},
      report: {type: 'string'},
      'keep-asker-names': {type: 'boolean', default: false},
      'no-similar': {type: 'boolean', default: false},
    },
  },
  USAGE,
)

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
let progress: ImportProgress = {read: 0, written: 0, failed: 0}
function showProgress(next: ImportProgress) {
  progress = next
  if (!interactive) return
  const {read, written, failed} = next
  const seconds = Math.max((Date.now() - started) / 1000, 0.001)
  const width = 30
  const filled = read === 0 ? 0 : Math.round((written / read) * width)
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`
  process.stderr.write(
    `\r[${bar}] read ${read} · written ${written} · failed ${failed} · ${Math.round(read / seconds)}/s  `,
  )
}

/** Every thread report made final so far: the report after a failure or a second Ctrl-C. */
const finished: ThreadReport[] = []

/** A report of what was done when the import could not finish and report itself. */
function reportSoFar(reason: string): ImportReport {
  const privacy = noPrivacyCounts()
  const seconds = (Date.now() - started) / 1000
  return {
    summary: summarize(finished, {read: progress.read, privacy, resolvedSimilar: 0, seconds}),
    threads: finished,
    stopped: {reason},
    problems: [],
  }
}

/** "3 asker names reduced to an initial, 2 e-mails, 1 phone number masked" (kinds found only). */
function describePrivacy(counts: PrivacyCounts): string {
  const masked = [
    [counts.email, 'e-mail', 'e-mails'],
    [counts.phone, 'phone number', 'phone numbers'],
    [counts.messenger, 'messenger id', 'messenger ids'],
    [counts.url, 'profile link', 'profile links'],
  ]
    .filter(([count]) => Number(count) > 0)
    .map(([count, one, many]) => `${count} ${count === 1 ? one : many}`)
  const names = `${counts.askerName} asker names reduced to an initial`
  return masked.length > 0
    ? `${names}, ${masked.join(', ')} masked`
    : `${names}, no contact details`
}

/** Prints the failures and the summary and writes the report, on every way out: the exit code. */
function finish(report: ImportReport, code?: number): number {
  if (interactive) process.stderr.write('\n')
  const {summary, stopped, problems} = report
  for (const thread of report.threads) {
    if (['failed', 'collision', 'skipped'].includes(thread.outcome))
      console.error(printable(`${thread.outcome}: ${thread.source}: ${thread.reason}`))
  }
  for (const problem of problems) console.error(printable(problem))
  if (stopped) {
    const after = stopped.lastRead ? `; nothing after ${stopped.lastRead} was read` : ''
    console.error(printable(`Stopped: ${stopped.reason}${after}.`))
  }
  console.log(
    `${values['dry-run'] ? 'Dry run: would have ' : ''}read ${summary.read} threads: ` +
      `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
      `${summary.kept} kept (edited since import), ${summary.failed} failed, ` +
      `${summary.collisions} collisions (same document as another thread, not imported), ` +
      `${summary.skipped} inputs skipped (links out of the input folder, special files); ` +
      `flags: ${describeCounts(summary.flags)}; ` +
      `privacy: ${describePrivacy(summary.privacy)}; ${summary.resolvedSimilar} similar links resolved; ` +
      `${summary.seconds}s (${summary.threadsPerSecond} threads/s)` +
      (values.out ? `; NDJSON written to ${values.out}` : '') +
      (stopped ? '; stopped early' : ''),
  )
  let failed = summary.failed + summary.collisions > 0 || !!stopped || problems.length > 0
  try {
    // Synchronous: this also runs from a signal handler, just before the process exits.
    if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`)
  } catch (error) {
    console.error(`Could not write the report: ${errorMessage(error)}`)
    failed = true
  }
  return code ?? (failed ? 1 : 0)
}

const controller = new AbortController()
process.once('SIGINT', () => {
  console.error(
    '\nInterrupted: finishing transactions in flight, then stopping (Ctrl-C again to abort).',
  )
  controller.abort()
  // At once: a second Ctrl-C must not wait for a reader that stopped reading.
  process.once('SIGINT', () =>
    process.exit(
      finish(reportSoFar('aborted: transactions in flight may or may not have been written'), 130),
    ),
  )
})

async function importInto(target: ImportTarget): Promise<ImportReport> {
  try {
    return await runImport(readInputs(positionals), target, {
      keepAskerNames: values['keep-asker-names'],
      onProgress: showProgress,
      onThread: (thread) => finished.push(thread),
      signal: controller.signal,
    })
  } finally {
    await target.close()
  }
}

/** Precomputed similar lists for the questions this run wrote and the ones they affect. */
async function recomputeSimilar(client: SanityClient, imported: ImportReport) {
  const changed = imported.threads
    .filter((thread) => thread.outcome === 'created' || thread.outcome === 'updated')
    .flatMap((thread) => thread.ids.slice(0, 1))
  if (values['dry-run'] || values['no-similar'] || changed.length === 0) return
  try {
    const similar = await recomputeAffected(client, changed)
    console.log(
      `Similar threads: ${similar.patched.length} lists written, ${similar.unchanged} unchanged (${similar.seconds}s).`,
    )
  } catch (error) {
    imported.problems.push(`similar-thread lists not recomputed: ${errorMessage(error)}`)
  }
}

/** The stored reply counts (Studio's lists) of the questions this run wrote. */
async function syncCounts(client: SanityClient, imported: ImportReport) {
  const questions = imported.threads
    .filter((thread) => thread.outcome === 'created' || thread.outcome === 'updated')
    .flatMap((thread) => thread.ids.slice(0, 1))
  if (values['dry-run'] || questions.length === 0) return
  try {
    await syncReplyCounts(client, questions)
  } catch (error) {
    imported.problems.push(`stored reply counts not brought up to date: ${errorMessage(error)}`)
  }
}

let code: number
try {
  code = finish(
    values.out
      ? await importInto(ndjsonTarget(values.out))
      : await withArchiveClient('npm run import', async (client) => {
          const imported = await importInto(clientTarget(client, {dryRun: values['dry-run']}))
          await recomputeSimilar(client, imported)
          await syncCounts(client, imported)
          return imported
        }),
  )
} catch (error) {
  code = finish(reportSoFar(`import failed: ${errorMessage(error)}`))
}
await exitWhenFlushed(code)
