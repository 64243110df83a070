// npm run similar -- <id-or-slug>… [--limit N] [--json] [--recompute]
import {parseArgs} from 'node:util'
import {withArchiveClient} from '../lake/connect.ts'
import {similarThreadsFor} from '../queries/similar.ts'
import {computeSimilar, DEFAULT_COMPUTED_LIMIT, recomputeAffected} from '../similar/index.ts'
import {resolveQuestions} from '../similar/resolve.ts'

const USAGE = `Usage: npm run similar -- <id-or-slug>… [--limit N] [--json] [--recompute]

Prints the similar threads of questions (by document id or slug) as the site serves them:
curated entries first, then the precomputed list, or a live query when the list is missing or
stale. The archive is the embedded lake, or a real project when SANITY_PROJECT_ID is set.

Options:
  --limit N     threads per question (default ${DEFAULT_COMPUTED_LIMIT})
  --json        one JSON line per question: {"_id", "title", "similar": [{"_id", "title", "score"}]}
  --recompute   recompute first: the given questions and the lists they affect, or, with no
                question given, every list in the archive`

const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    limit: {type: 'string'},
    json: {type: 'boolean', default: false},
    recompute: {type: 'boolean', default: false},
    help: {type: 'boolean', short: 'h', default: false},
  },
})

if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const limit = values.limit === undefined ? DEFAULT_COMPUTED_LIMIT : Number(values.limit)
if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
  console.error(`--limit takes a whole number from 1 to 100.\n\n${USAGE}`)
  process.exit(2)
}
if (positionals.length === 0 && !values.recompute) {
  console.error(`Give at least one question id or slug.\n\n${USAGE}`)
  process.exit(2)
}

try {
  const code = await withArchiveClient('npm run similar', async (client) => {
    const {found, missing} = await resolveQuestions(client, positionals)
    for (const key of missing) console.error(`No question with id or slug "${key}".`)
    if (values.recompute) {
      const report =
        positionals.length === 0
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
    for (const question of found) {
      const similar = await similarThreadsFor(client, question._id, limit)
      if (values.json) {
        console.log(
          JSON.stringify({
            _id: question._id,
            title: question.title,
            similar: similar.map(({_id, title, score}) => ({_id, title, score})),
          }),
        )
        continue
      }
      console.log(`${question.title ?? 'Untitled question'} (${question._id})`)
      if (similar.length === 0) console.log('  no similar threads')
      similar.forEach((thread, i) => {
        const score = thread.score === null ? '' : ` ${thread.score.toFixed(3)}`
        console.log(`  ${i + 1}. ${thread.title}  [${thread.provenance}${score}]`)
      })
    }
    return missing.length > 0 ? 1 : 0
  })
  process.exit(code)
} catch (error) {
  console.error(`similar failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
