// npm run similar -- <id-or-slug>… | --ids-from <file|-> | --all [--limit N] [--json] [--recompute]
//                    | --watch [--checkpoint <file>]
import type {SanityClient} from '@sanity/client'
import {once} from 'node:events'
import {readFile} from 'node:fs/promises'
import {text} from 'node:stream/consumers'
import {lakeSettings} from '../lake/config.ts'
import {withArchiveClient} from '../lake/connect.ts'
import {type SimilarThreadLink, similarThreadsForMany} from '../queries/similar.ts'
import {type RankedThread, rankBeyondServed} from '../similar/extend.ts'
import type {SimilarResolveQueryResult} from '../sanity.types.ts'
import {
  checkpointPath,
  computeSimilar,
  DEFAULT_COMPUTED_LIMIT,
  fileCheckpoint,
  loadSimilarIndex,
  recomputeAffected,
  type SimilarIndex,
  watchSimilar,
} from '../similar/index.ts'
import {allQuestions, parseKeyList, resolveQuestions} from '../similar/resolve.ts'
import {errorMessage} from '../domain/errors.ts'
import {parseCommandLine} from './args.ts'
import {exitWhenFlushed} from './exit.ts'

const USAGE = `Usage: npm run similar -- <id-or-slug>… [--limit N] [--json] [--recompute]
       npm run similar -- --ids-from <file|-> [options]   ids or slugs from a file or stdin
       npm run similar -- --all [options]                 every question
       npm run similar -- --watch [--checkpoint <file>]   keep every list fresh until Ctrl-C

Prints the similar threads of questions (by document id or slug) as the site serves them:
curated entries first, then the precomputed list, or a live query when the list is missing or
stale. The archive is the embedded lake, or a real project when SANITY_PROJECT_ID is set.

Options:
  --limit N     threads per question (default ${DEFAULT_COMPUTED_LIMIT}, what each question stores; more
                are ranked live by the same engine after the stored ones, "ranked" below)
  --json        one JSON line per question: {"_id", "title", "similar": [{"_id", "title", "score"}]}
  --ids-from F  read ids or slugs from file F ("-": stdin), one per line or separated by spaces
                or commas; # starts a comment (thousands of ids do not fit on a command line)
  --all         every published question
  --recompute   recompute first: the given questions and the lists they affect, or, with no
                question given (or --all), every list in the archive
  --watch       follow the dataset's changes and recompute the lists they affect; on start,
                and after a dropped connection, first recompute what changed since the
                checkpoint (so nothing changed while it was stopped is missed)
  --checkpoint F  where --watch keeps its checkpoint (default: similar-watch.<project>.<dataset>.json
                in the lake's data folder, LAKE_DATA_DIR or .data)`

const {values, positionals} = parseCommandLine(
  {
    allowPositionals: true,
    options: {
      limit: {type: 'string'},
      json: {type: 'boolean', default: false},
      recompute: {type: 'boolean', default: false},
      'ids-from': {type: 'string'},
      all: {type: 'boolean', default: false},
      watch: {type: 'boolean', default: false},
      checkpoint: {type: 'string'},
    },
  },
  USAGE,
)

/** Questions served and ranked at a time (a few queries per page, not per question). */
const PAGE = 100
const limit = values.limit === undefined ? DEFAULT_COMPUTED_LIMIT : Number(values.limit)
if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
  console.error(`--limit takes a whole number from 1 to 100.\n\n${USAGE}`)
  process.exit(2)
}
const idsFrom = values['ids-from']
if (values.watch && (positionals.length > 0 || idsFrom !== undefined || values.all)) {
  console.error(`--watch follows every question: give no ids with it.\n\n${USAGE}`)
  process.exit(2)
}
if (values.all && (positionals.length > 0 || idsFrom !== undefined)) {
  console.error(`--all lists every question: give no ids with it.\n\n${USAGE}`)
  process.exit(2)
}
const keys = [
  ...positionals,
  ...(idsFrom === undefined
    ? []
    : parseKeyList(idsFrom === '-' ? await text(process.stdin) : await readFile(idsFrom, 'utf8'))),
]
if (keys.length === 0 && !values.all && !values.recompute && !values.watch) {
  const why =
    idsFrom === undefined ? 'Give at least one question id or slug' : `${idsFrom} lists no ids`
  console.error(`${why}.\n\n${USAGE}`)
  process.exit(2)
}

/** --watch: recomputes as the archive changes until SIGINT or SIGTERM. */
async function watch(client: SanityClient): Promise<number> {
  const {projectId = 'local', dataset = 'production'} = client.config()
  const path = values.checkpoint ?? checkpointPath(lakeSettings().dataDir, projectId, dataset)
  const watcher = watchSimilar({
    client,
    checkpoint: fileCheckpoint(path),
    onCatchUp: (report) =>
      console.error(
        `Caught up since ${report.since ?? 'the first run'}: ${report.questions} questions read, ` +
          `${report.stale} stale, ${report.updated} changed since, ${report.deleted} deleted ` +
          `(${report.seconds}s).`,
      ),
    onRecompute: ({affected, own}) =>
      console.error(
        `${new Date().toISOString()} recomputed ${affected.questions + (own?.questions ?? 0)} ` +
          `lists for ${affected.changed.length + (own?.questions ?? 0)} changed questions: ` +
          `${affected.patched.length + (own?.patched.length ?? 0)} written.`,
      ),
    onError: (error) => console.error(`similar threads: ${errorMessage(error)}`),
  })
  console.error(`Watching ${projectId}/${dataset} (checkpoint ${path}); Ctrl-C stops.`)
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')])
  await watcher.stop()
  return 0
}

try {
  const code = await withArchiveClient('npm run similar', async (client) => {
    if (values.watch) return watch(client)
    const {found, missing} = values.all
      ? {found: await allQuestions(client), missing: []}
      : await resolveQuestions(client, keys)
    for (const key of missing) console.error(`No question with id or slug "${key}".`)
    if (values.recompute) {
      const report =
        keys.length === 0
          ? await computeSimilar(client)
          : await recomputeAffected(
              client,
              found.map((question) => question._id),
            )
      console.error(
        `Recomputed ${report.questions} lists: ${report.patched.length} written, ` +
          `${report.unchanged} unchanged (${report.seconds}s, index ${report.indexSeconds}s).`,
      )
    }
    let index: SimilarIndex | undefined
    for (let start = 0; start < found.length; start += PAGE) {
      const page = found.slice(start, start + PAGE)
      if (process.stderr.isTTY && found.length > 20)
        process.stderr.write(`\r${start + page.length}/${found.length} questions`)
      const served = await similarThreadsForMany(
        client,
        page.map((question) => question._id),
        limit,
      )
      const servedOf = (id: string) => served.get(id) ?? []
      // Past the stored list: the same ranker, live (the index is read once, on first need).
      if (limit > DEFAULT_COMPUTED_LIMIT && page.some(({_id}) => servedOf(_id).length < limit))
        index ??= await loadIndex(client)
      const beyond = index
        ? await rankBeyondServed(
            client,
            index,
            page.map(({_id}) => ({questionId: _id, servedIds: servedOf(_id).map((t) => t._id)})),
            limit,
          )
        : new Map<string, RankedThread[]>()
      for (const question of page)
        print(question, [
          ...servedOf(question._id),
          ...(beyond.get(question._id) ?? []).map((thread) => ({
            ...thread,
            provenance: 'ranked' as const,
          })),
        ])
    }
    if (process.stderr.isTTY && found.length > 20) process.stderr.write('\n')
    return missing.length > 0 ? 1 : 0
  })
  await exitWhenFlushed(code)
} catch (error) {
  console.error(`similar failed: ${errorMessage(error)}`)
  await exitWhenFlushed(1)
}

type Listed = SimilarThreadLink | (RankedThread & {provenance: 'ranked'})

/** One question's list on stdout: a JSON line with --json, else readable lines. */
function print(question: SimilarResolveQueryResult[number], similar: Listed[]) {
  if (values.json) {
    console.log(
      JSON.stringify({
        _id: question._id,
        title: question.title,
        similar: similar.map(({_id, title, score}) => ({_id, title, score})),
      }),
    )
    return
  }
  console.log(`${question.title ?? 'Untitled question'} (${question._id})`)
  if (similar.length === 0) console.log('  no similar threads')
  similar.forEach((thread, i) => {
    const score = thread.score === null ? '' : ` ${thread.score.toFixed(3)}`
    console.log(`  ${i + 1}. ${thread.title}  [${thread.provenance}${score}]`)
  })
}

async function loadIndex(client: Parameters<typeof loadSimilarIndex>[0]): Promise<SimilarIndex> {
  const started = performance.now()
  const index = await loadSimilarIndex(client)
  console.error(
    `Ranking past the stored lists: read the archive in ${((performance.now() - started) / 1000).toFixed(1)}s.`,
  )
  return index
}
