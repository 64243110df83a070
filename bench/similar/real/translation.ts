// Learns the term translation table (similar/translation-table.ts) from duplicate questions:
// IBM Model 1 over the words two duplicates do NOT share (what one asker wrote where the other
// wrote something else), trained on the `train` fold of the Quora and ComQA sets only, a part of
// their dev side kept apart from the dev queries; test queries are never read.
//
//   node bench/similar/real/translation.ts [--dir DIR] [--out similar/translation-table.ts]
//
// The same pairs give each word's retention: how often a duplicate keeps it, over the mean
// (TERM_RETENTION, for words seen in at least 2 × MIN_WORD_PAIRS pairs).
//
// The output is tables of index terms with weights, no sentences: a pair is kept only when at
// least MIN_GROUPS different duplicate groups support it, and a word only when it was seen in
// MIN_WORD_PAIRS training pairs. Provenance and licences are written into the file's header.
import {createHash} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {DEFAULT_RANKER} from '../../../similar/config.ts'
import {analysisOptions} from '../../../similar/ranker.ts'
import {analysisKey} from '../../../similar/relations.ts'
import {analyze, type AnalyzeOptions} from '../../../similar/text.ts'
import {loadRealSets, type RealSet} from './sets.ts'
import {parseCommandLine} from '../../../scripts/args.ts'

const USAGE =
  'Usage: npm run similar:translation -- [--dir DIR] [--out similar/translation-table.ts]'

const SETS = ['quora', 'comqa']
const PAIRS_PER_GROUP = 12
const MAX_SIDE = 12
const ITERATIONS = 8
const MIN_WORD_PAIRS = 5
const MIN_GROUPS = 2
const MIN_PROBABILITY = 0.04
const PER_WORD = 6
/** Pseudo-pairs at the mean retention a word's own count is smoothed with. */
const RETENTION_PRIOR = 10
const NULL = -1

interface Pair {
  group: string
  from: number[]
  to: number[]
}

/** How often a word of one duplicate is in the other too: [pairs seen, pairs kept]. */
type Retention = Map<string, [number, number]>

function countRetention(retention: Retention, from: Set<string>, to: Set<string>) {
  for (const term of from) {
    const count = retention.get(term) ?? [0, 0]
    count[0]++
    if (to.has(term)) count[1]++
    retention.set(term, count)
  }
}

/** Duplicate pairs of each train group, both ways, as the terms each side does not share. */
function trainingPairs(
  sets: readonly RealSet[],
  options: AnalyzeOptions,
  ids: Map<string, number>,
  retention: Retention,
) {
  const pairs: Pair[] = []
  const termId = (term: string) => {
    let id = ids.get(term)
    if (id === undefined) ids.set(term, (id = ids.size))
    return id
  }
  for (const set of sets) {
    const text = new Map(set.corpus.map((q) => [q.id, `${q.title}\n${q.body ?? ''}`]))
    const seen = new Set<string>()
    for (const {query, relevant} of set.train) {
      const members = [query, ...relevant].sort()
      const group = `${set.name}:${members[0]}`
      if (seen.has(group)) continue
      seen.add(group)
      const all = members.flatMap((a, i) => members.slice(i + 1).map((b) => [a, b] as const))
      const hash = (pair: readonly [string, string]) =>
        createHash('sha1').update(pair.join('|')).digest('hex')
      const chosen = all.sort((x, y) => hash(x).localeCompare(hash(y))).slice(0, PAIRS_PER_GROUP)
      for (const [a, b] of chosen) {
        const x = new Set(analyze(text.get(a) ?? '', options))
        const y = new Set(analyze(text.get(b) ?? '', options))
        countRetention(retention, x, y)
        countRetention(retention, y, x)
        const onlyX = [...x].filter((term) => !y.has(term)).map(termId)
        const onlyY = [...y].filter((term) => !x.has(term)).map(termId)
        if (onlyX.length === 0 || onlyY.length === 0) continue
        if (onlyX.length > MAX_SIDE || onlyY.length > MAX_SIDE) continue
        pairs.push({group, from: onlyX, to: onlyY}, {group, from: onlyY, to: onlyX})
      }
    }
  }
  return pairs
}

const key = (from: number, to: number) => `${from} ${to}`

/** IBM Model 1 EM: t(to | from), `from` including the empty word. */
function trainModel1(pairs: readonly Pair[]): Map<string, number> {
  let t = new Map<string, number>()
  for (const {from, to} of pairs)
    for (const b of to) for (const a of [NULL, ...from]) t.set(key(a, b), 1)
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const counts = new Map<string, number>()
    const totals = new Map<number, number>()
    for (const {from, to} of pairs) {
      const sources = [NULL, ...from]
      for (const b of to) {
        const norm = sources.reduce((sum, a) => sum + (t.get(key(a, b)) ?? 0), 0)
        if (norm <= 0) continue
        for (const a of sources) {
          const share = (t.get(key(a, b)) ?? 0) / norm
          counts.set(key(a, b), (counts.get(key(a, b)) ?? 0) + share)
          totals.set(a, (totals.get(a) ?? 0) + share)
        }
      }
    }
    const next = new Map<string, number>()
    for (const [pair, count] of counts) {
      const a = Number(pair.split(' ')[0])
      next.set(pair, count / (totals.get(a) ?? 1))
    }
    t = next
  }
  return t
}

/** The kept pairs, strongest first per word: "from to weight" lines. */
function keptPairs(pairs: readonly Pair[], t: Map<string, number>, names: string[]): string[] {
  const wordPairs = new Map<number, number>()
  const groups = new Map<string, Set<string>>()
  for (const {group, from, to} of pairs) {
    for (const a of from) {
      wordPairs.set(a, (wordPairs.get(a) ?? 0) + 1)
      for (const b of to) {
        const support = groups.get(key(a, b)) ?? new Set<string>()
        support.add(group)
        groups.set(key(a, b), support)
      }
    }
  }
  const byWord = new Map<number, [number, number][]>()
  for (const [pair, probability] of t) {
    const [a, b] = pair.split(' ').map(Number) as [number, number]
    if (a === NULL || probability < MIN_PROBABILITY) continue
    if ((wordPairs.get(a) ?? 0) < MIN_WORD_PAIRS) continue
    if ((groups.get(pair)?.size ?? 0) < MIN_GROUPS) continue
    const list = byWord.get(a) ?? []
    list.push([b, probability])
    byWord.set(a, list)
  }
  const lines: string[] = []
  const words = [...byWord.keys()].sort((a, b) => ((names[a] ?? '') < (names[b] ?? '') ? -1 : 1))
  for (const a of words) {
    const best = (byWord.get(a) ?? []).sort((x, y) => y[1] - x[1]).slice(0, PER_WORD)
    for (const [b, probability] of best)
      lines.push(`${names[a]} ${names[b]} ${probability.toFixed(3)}`)
  }
  return lines
}

/**
 * Each word's retention (share of duplicate pairs whose other side has it too, smoothed towards
 * the mean) over the mean: under 1 for words askers swap or drop ("best", "way", "really"), over
 * 1 for words a duplicate keeps (names, topics).
 */
function retentionLines(retention: Retention): string[] {
  let seen = 0
  let kept = 0
  for (const [n, k] of retention.values()) {
    seen += n
    kept += k
  }
  const mean = kept / Math.max(seen, 1)
  return [...retention]
    .filter(([, [n]]) => n >= MIN_WORD_PAIRS * 2)
    .map(([term, [n, k]]) => {
      const smoothed = (k + RETENTION_PRIOR * mean) / (n + RETENTION_PRIOR)
      return [term, smoothed / mean] as const
    })
    .filter(([, ratio]) => Math.abs(ratio - 1) >= 0.05)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([term, ratio]) => `${term} ${ratio.toFixed(2)}`)
}

function header(sets: readonly RealSet[], options: AnalyzeOptions, pairs: number): string {
  const sources = sets.map((set) => {
    const commits = [...new Set(set.meta.sources.map((s) => `${s.repo}@${s.commit.slice(0, 7)}`))]
    return `//   ${set.name} (${commits.join(', ')}): ${set.meta.licence}`
  })
  return [
    '// Generated by bench/similar/real/translation.ts (npm run similar:translation): do not edit.',
    '// Term translation table for the similar-thread ranker: "from to weight", weight = IBM',
    '// Model 1 t(to | from) learned from the words duplicate questions do not share. Index terms',
    '// only (analysed, stemmed), no sentences; each pair seen in several duplicate groups.',
    `// Trained on ${pairs} pairs of the train fold of (dev side only, never test):`,
    ...sources,
    '// The pairs are a statistical summary of those sets; cite ComQA (Abujabal et al. 2019) and',
    "// the Quora Question Pairs release; Quora's terms restrict commercial use of its data.",
    `// Analysis: ${analysisKey(options)}`,
  ].join('\n')
}

async function main() {
  const here = dirname(fileURLToPath(import.meta.url))
  const {values} = parseCommandLine(
    {
      options: {
        dir: {type: 'string'},
        out: {type: 'string', default: join(here, '../../../similar/translation-table.ts')},
      },
    },
    USAGE,
  )
  const sets = await loadRealSets(values.dir, SETS)
  if (sets.length < SETS.length || sets.some((set) => set.train.length === 0)) {
    console.error('Need the quora and comqa sets with their train fold: npm run similar:data')
    process.exit(1)
  }
  const options = analysisOptions(DEFAULT_RANKER)
  const ids = new Map<string, number>()
  const retention: Retention = new Map()
  const pairs = trainingPairs(sets, options, ids, retention)
  const names: string[] = []
  for (const [term, id] of ids) names[id] = term
  const t = trainModel1(pairs)
  const lines = keptPairs(pairs, t, names)
  const table = [`# analysis ${analysisKey(options)}`, ...lines].join('\n')
  const kept = retentionLines(retention)
  const text =
    `${header(sets, options, pairs.length / 2)}\n` +
    `export const TRANSLATION_TABLE = \`${table}\n\`\n\n` +
    "// Word retention over the mean (see retentionLines): a query word's weight is multiplied\n" +
    '// by it to the power RankerConfig.retentionWeight.\n' +
    `export const TERM_RETENTION = \`# analysis ${analysisKey(options)}\n${kept.join('\n')}\n\`\n`
  await writeFile(values.out, text)
  console.log(`${lines.length} pairs of ${new Set(lines.map((l) => l.split(' ')[0])).size} words`)
  console.log(`${kept.length} word retentions`)
}

if (import.meta.main) await main()
