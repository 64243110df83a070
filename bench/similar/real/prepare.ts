// Prepares evaluation sets of real, human-labelled similar questions for the similar-thread
// ranker, from public repositories fetched as mirrors (git directories, read with `git cat-file`).
// Other people's text is never committed: this script writes it into the git-ignored data folder.
//
//   node bench/similar/real/prepare.ts [--mirrors /work/.mirror] [--out bench/similar/real/data]
//                                      [--max-queries 5000] [--only quora,comqa,semeval]
//
// Each set becomes <out>/<set>/corpus.jsonl ({"id", "title", "body"?}), dev.jsonl and test.jsonl
// ({"query", "relevant"}) and meta.json. See README.md beside this file for sources and sizes.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {basename, extname, join, resolve} from 'node:path'
import {pairsFormat, readPairs} from './pairs.ts'
import {addRelevant, type RawSet} from './raw.ts'
import type {RealQuery, RealQuestion, RealSetMeta} from './sets.ts'
import {DEFAULT_DATA_DIR} from './sets.ts'
import {parseCommandLine} from '../../../scripts/args.ts'

const USAGE = `Usage: npm run similar:data -- [--mirrors DIR] [--out DIR] [--max-queries N] [--only quora,comqa,semeval]
       npm run similar:data -- --pairs FILE [--name NAME] [--out DIR] [--max-queries N]
  --pairs FILE  a labelled question-pair file instead of the mirrors: CSV, TSV (.tsv) or JSON
                lines (.jsonl) with two question columns and a label (1/0, true/false, yes/no);
                written as the set NAME (default: the file's name)`

/** A file at a pinned commit of a mirrored repository. */
interface Pinned {
  repo: string
  commit: string
  path: string
}

interface SetSpec {
  name: string
  description: string
  licence: string
  files: Pinned[]
  read: (files: string[]) => RawSet
  /**
   * Share of the dev side's groups set apart as `train` (for learned signals such as the term
   * translation table); the rest of the dev side stays `dev` for tuning. Test is never touched.
   */
  trainShare: number
}

const QUORA_REPO = 'arvind385801/paraphraseGen'
const QUORA_COMMIT = 'd94c19885df1b5e9eb3d53a2441420adc7f5888e'
const COMQA_REPO = 'aorogat/CBench'
// The ComQA files were deleted from the branch later: this is the last commit that has them.
const COMQA_COMMIT = 'e473c69bea1dfb9fec2ad9dc943a7cfaee17fe0d'
const COMQA_DIR = 'data/Freebase/No_SPARQL/ComQA'
const SEMEVAL_REPO = 'whiskeyromeo/CommunityQuestionAnswering'
const SEMEVAL_COMMIT = '6408cbaacd24212a6998ccd85c1e23199b005c56'
const SEMEVAL_GOLD_REPO = 'bnsriram/NLPCommunityQuestionAnswering'
const SEMEVAL_GOLD_COMMIT = '8e89aea3ad9f3157088acdbfc4955413d30ebb9d'

const SETS: SetSpec[] = [
  {
    name: 'quora',
    description:
      'Quora Question Pairs: pairs marked duplicate by Quora (question lines only, no body), ' +
      'as the 50,000 + 4,000 duplicate pairs of a paraphrase-generation split',
    licence: 'Quora dataset release, subject to Quora Terms of Service (non-commercial use)',
    files: [
      {repo: QUORA_REPO, commit: QUORA_COMMIT, path: 'data/train.txt'},
      {repo: QUORA_REPO, commit: QUORA_COMMIT, path: 'data/super/train_2.txt'},
      {repo: QUORA_REPO, commit: QUORA_COMMIT, path: 'data/test.txt'},
      {repo: QUORA_REPO, commit: QUORA_COMMIT, path: 'data/super/test_2.txt'},
    ],
    read: readQuora,
    // 0.7: the dev fold (about 10,500 queries) still fills the 5,000 dev queries.
    trainShare: 0.7,
  },
  {
    name: 'comqa',
    description:
      'ComQA: WikiAnswers user questions grouped into paraphrase clusters by crowd workers ' +
      '(question lines only, lowercased by the source); test-split questions have no clusters ' +
      'and serve as distractors only',
    licence: 'CC BY 4.0 (ComQA release, Max Planck Institute for Informatics)',
    files: ['train', 'dev', 'test'].map((split) => ({
      repo: COMQA_REPO,
      commit: COMQA_COMMIT,
      path: `${COMQA_DIR}/comqa_${split}.json`,
    })),
    read: readComQA,
    trainShare: 0.5,
  },
  {
    name: 'semeval',
    description:
      'SemEval-2016 Task 3 subtask B (Qatar Living forum): new questions with subject and body, ' +
      'each with 10 forum questions judged PerfectMatch / Relevant / Irrelevant; the first two ' +
      'count as relevant (as in the official scorer). Train part 2, dev and test; train part 1 ' +
      'is over the mirror size limit',
    licence: 'SemEval-2016 Task 3 data: free for general research use, cite Nakov et al. 2016',
    files: [
      {
        repo: SEMEVAL_REPO,
        commit: SEMEVAL_COMMIT,
        path: 'Data/train/SemEval2016-Task3-CQA-QL-train-part2.xml',
      },
      {
        repo: SEMEVAL_REPO,
        commit: SEMEVAL_COMMIT,
        path: 'Data/dev/SemEval2016-Task3-CQA-QL-dev.xml',
      },
      {
        repo: SEMEVAL_REPO,
        commit: SEMEVAL_COMMIT,
        path: 'SemEval2016_task3_test_input/English/SemEval2016-Task3-CQA-QL-test-input.xml',
      },
      {
        repo: SEMEVAL_GOLD_REPO,
        commit: SEMEVAL_GOLD_COMMIT,
        path: 'SemEval2016_task3_submissions_and_scores/_gold/SemEval2016-Task3-CQA-QL-test.xml.subtaskB.relevancy',
      },
    ],
    read: readSemEval,
    trainShare: 0,
  },
]

// --- Sources -------------------------------------------------------------------------------

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '')
}

/** Line i of a file and line i of its partner are a duplicate pair; each side is a query. */
function readQuora([train, trainPairs, test, testPairs]: string[]): RawSet {
  const questions: RealQuestion[] = []
  const relevant = new Map<string, Set<string>>()
  const pairs: [string, string, string][] = [
    ['train', train ?? '', trainPairs ?? ''],
    ['test', test ?? '', testPairs ?? ''],
  ]
  for (const [split, left, right] of pairs) {
    const a = left.split('\n')
    const b = right.split('\n')
    if (a.length !== b.length) throw new Error(`quora ${split}: ${a.length} ≠ ${b.length} lines`)
    a.forEach((title, i) => {
      const other = b[i] ?? ''
      if (!title.trim() || !other.trim()) return
      const idA = `quora:${split}-${i + 1}a`
      const idB = `quora:${split}-${i + 1}b`
      questions.push({id: idA, title}, {id: idB, title: other})
      addRelevant(relevant, idA, idB)
      addRelevant(relevant, idB, idA)
    })
  }
  return {questions, relevant, transitive: true}
}

interface ComQACluster {
  cluster_id: string
  questions: string[]
}

interface ComQASingle {
  id: number
  question: string
}

/** Questions of one cluster are relevant to each other; test questions come unclustered. */
function readComQA([train, dev, test]: string[]): RawSet {
  const questions: RealQuestion[] = []
  const relevant = new Map<string, Set<string>>()
  // Cluster ids are numbered per split: the split keeps them apart.
  for (const [split, text] of [
    ['train', train],
    ['dev', dev],
  ] as const) {
    for (const cluster of JSON.parse(text ?? '[]') as ComQACluster[]) {
      const ids = cluster.questions.map((title, i) => {
        const id = `comqa:${split}-${cluster.cluster_id}-${i}`
        questions.push({id, title})
        return id
      })
      for (const id of ids)
        for (const other of ids) if (other !== id) addRelevant(relevant, id, other)
    }
  }
  for (const single of JSON.parse(test ?? '[]') as ComQASingle[]) {
    questions.push({id: `comqa:test-${single.id}`, title: single.question})
  }
  return {questions, relevant, transitive: true}
}

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1))
      return Number.isFinite(code) ? String.fromCodePoint(code) : entity
    }
    return ENTITIES[name.toLowerCase()] ?? entity
  })
}

function element(xml: string, tag: string): string {
  const match = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml)
  return decodeXml(match?.[1] ?? '').trim()
}

function attribute(tag: string, name: string): string {
  return new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1] ?? ''
}

const RELEVANT_LABELS = new Set(['PerfectMatch', 'Relevant'])

/**
 * Original questions are the queries, their judged related questions the candidates. Labels
 * come from the XML (train, dev) or, for the test input, from the official gold file.
 */
function readSemEval([train, dev, test, testGold]: string[]): RawSet {
  const questions: RealQuestion[] = []
  const seen = new Set<string>()
  const relevant = new Map<string, Set<string>>()
  const gold = new Map<string, boolean>()
  for (const line of lines(testGold ?? '')) {
    const [orgq, relq, , , label] = line.split('\t')
    if (orgq && relq) gold.set(`${orgq}/${relq}`, label?.trim() === 'true')
  }
  const add = (id: string, title: string, body: string) => {
    if (seen.has(id)) return
    seen.add(id)
    questions.push(body ? {id, title, body} : {id, title})
  }
  for (const xml of [train, dev, test]) {
    for (const match of (xml ?? '').matchAll(
      /<OrgQuestion ORGQ_ID="([^"]+)">([\s\S]*?)<\/OrgQuestion>/g,
    )) {
      const orgq = match[1] ?? ''
      const block = match[2] ?? ''
      const queryId = `semeval:${orgq}`
      add(queryId, element(block, 'OrgQSubject'), element(block, 'OrgQBody'))
      const relTag = /<RelQuestion\s[^>]*>/.exec(block)?.[0] ?? ''
      const relq = attribute(relTag, 'RELQ_ID')
      if (!relq) continue
      const id = `semeval:${relq}`
      add(id, element(block, 'RelQSubject'), element(block, 'RelQBody'))
      const label = attribute(relTag, 'RELQ_RELEVANCE2ORGQ')
      const isRelevant = gold.get(`${orgq}/${relq}`) ?? RELEVANT_LABELS.has(label)
      if (isRelevant) addRelevant(relevant, queryId, id)
      else if (!relevant.has(queryId)) relevant.set(queryId, new Set())
    }
  }
  return {questions, relevant, transitive: false}
}

// --- Shared steps --------------------------------------------------------------------------

/** Texts equal up to case, spacing and punctuation count as one question. */
function textKey(question: RealQuestion): string {
  const text = `${question.title}\n${question.body ?? ''}`
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

interface Prepared {
  corpus: RealQuestion[]
  dev: RealQuery[]
  test: RealQuery[]
  train: RealQuery[]
  stats: RealSetMeta['stats']
}

/** Union-find over ids: linked questions share a root. */
class Groups {
  private readonly parent = new Map<string, string>()
  find(id: string): string {
    let root = id
    for (let next = this.parent.get(root); next !== undefined && next !== root;) {
      root = next
      next = this.parent.get(root)
    }
    this.parent.set(id, root)
    return root
  }
  union(a: string, b: string) {
    const ra = this.find(a)
    const rb = this.find(b)
    // The smaller id is the root, so the grouping does not depend on link order.
    if (ra < rb) this.parent.set(rb, ra)
    else if (rb < ra) this.parent.set(ra, rb)
  }
}

/** Exact duplicates merged into the first of them: the corpus, and every id's canonical id. */
function mergeDuplicates(raw: RawSet) {
  const canonical = new Map<string, string>()
  const byKey = new Map<string, string>()
  const corpus: RealQuestion[] = []
  let duplicates = 0
  for (const question of raw.questions) {
    if (canonical.has(question.id)) throw new Error(`question ${question.id} is listed twice`)
    const cleaned: RealQuestion = {id: question.id, title: clean(question.title)}
    const body = clean(question.body ?? '')
    if (body) cleaned.body = body
    const key = textKey(cleaned)
    if (!key) continue
    const first = byKey.get(key)
    if (first !== undefined) {
      canonical.set(question.id, first)
      duplicates++
      continue
    }
    byKey.set(key, question.id)
    canonical.set(question.id, question.id)
    corpus.push(cleaned)
  }
  return {corpus, canonical, duplicates}
}

/** Each query's labelled questions (canonical ids), and the groups the labels link. */
function labelQueries(raw: RawSet, canonical: ReadonlyMap<string, string>) {
  const labelled = new Map<string, Set<string>>()
  const groups = new Groups()
  for (const [query, ids] of raw.relevant) {
    const q = canonical.get(query)
    if (q === undefined) continue
    const merged = labelled.get(q) ?? new Set<string>()
    for (const id of ids) {
      const c = canonical.get(id)
      if (c === undefined) continue
      merged.add(c)
      groups.union(q, c)
    }
    labelled.set(q, merged)
  }
  return {labelled, groups}
}

/**
 * The queries with their relevant questions (closed over linked questions when the labels are
 * transitive); queries with none labelled, or only themselves, are counted and dropped.
 */
function relevantQuestions(
  raw: RawSet,
  labelled: ReadonlyMap<string, Set<string>>,
  groups: Groups,
) {
  const members = new Map<string, string[]>()
  if (raw.transitive) {
    for (const [query, ids] of labelled) {
      for (const id of [query, ...ids]) {
        const root = groups.find(id)
        const list = members.get(root) ?? []
        members.set(root, list)
        if (!list.includes(id)) list.push(id)
      }
    }
  }
  let noneLabelled = 0
  let trivial = 0
  const queries: {query: string; relevant: string[]}[] = []
  for (const [query, ids] of labelled) {
    if (ids.size === 0) {
      noneLabelled++
      continue
    }
    const closed = raw.transitive ? (members.get(groups.find(query)) ?? []) : [...ids]
    const relevant = closed.filter((id) => id !== query).sort()
    if (relevant.length === 0) trivial++
    else queries.push({query, relevant})
  }
  return {queries, noneLabelled, trivial}
}

/** Dev, test and train by a hash of each query's group, capped and sorted as `finish` says. */
function splitQueries(
  queries: readonly RealQuery[],
  groups: Groups,
  maxQueries: number,
  trainShare: number,
) {
  const dev: RealQuery[] = []
  const test: RealQuery[] = []
  const train: RealQuery[] = []
  const ordered = queries
    .map((q) => ({...q, order: sha(`order:${q.query}`)}))
    .sort((a, b) => a.order.localeCompare(b.order))
  const share = (salt: string, group: string) =>
    parseInt(sha(`${salt}:${group}`).slice(0, 8), 16) / 0x1_0000_0000
  for (const {query, relevant} of ordered) {
    const group = groups.find(query)
    const isTest = parseInt(sha(`split:${group}`).slice(0, 8), 16) % 2 !== 0
    // The dev side's groups are divided again: train (uncapped) and dev (tuning).
    const split = isTest ? test : share('fold', group) < trainShare ? train : dev
    if (split === train || maxQueries === 0 || split.length < maxQueries)
      split.push({query, relevant})
  }
  const byQuery = (a: RealQuery, b: RealQuery) => a.query.localeCompare(b.query)
  dev.sort(byQuery)
  test.sort(byQuery)
  train.sort(byQuery)
  return {dev, test, train}
}

/**
 * Merges exact duplicates (keeping the first id), closes "same question" labels over linked
 * questions, drops queries left without a relevant question (none labelled, or the only match
 * was a copy of their own text), and splits queries into dev and test by a hash of their group
 * (linked queries stay in one split, so a pair never shows up as A→B in dev and B→A in test). At
 * most `maxQueries` per split (0: all), taken in hash order so the choice is stable.
 */
function finish(raw: RawSet, maxQueries: number, trainShare: number): Prepared {
  const {corpus, canonical, duplicates} = mergeDuplicates(raw)
  const {labelled, groups} = labelQueries(raw, canonical)
  const {queries, noneLabelled, trivial} = relevantQuestions(raw, labelled, groups)
  const {dev, test, train} = splitQueries(queries, groups, maxQueries, trainShare)
  const meanRelevant = (split: RealQuery[]) =>
    split.reduce((sum, q) => sum + q.relevant.length, 0) / Math.max(split.length, 1)
  return {
    corpus,
    dev,
    test,
    train,
    stats: {
      sourceQuestions: raw.questions.length,
      exactDuplicatesMerged: duplicates,
      corpus: corpus.length,
      candidateQueries: labelled.size,
      noRelevantLabelled: noneLabelled,
      trivialQueriesDropped: trivial,
      usableQueries: queries.length,
      dev: dev.length,
      test: test.length,
      train: train.length,
      meanRelevant: {dev: meanRelevant(dev), test: meanRelevant(test)},
    },
  }
}

// --- Mirrors and output --------------------------------------------------------------------

function mirrorDir(mirrors: string, repo: string): string {
  return join(mirrors, repo.replace('/', '+'), 'repo')
}

/** The file's text, or why it cannot be read. */
function readPinned(mirrors: string, file: Pinned): {text: string} | {missing: string} {
  const dir = mirrorDir(mirrors, file.repo)
  if (!existsSync(dir)) return {missing: `no mirror at ${dir}`}
  try {
    const text = execFileSync(
      'git',
      ['-C', dir, 'cat-file', 'blob', `${file.commit}:${file.path}`],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    return {text}
  } catch {
    return {missing: `${file.repo}@${file.commit.slice(0, 7)} has no ${file.path}`}
  }
}

function jsonl(records: unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n'
}

/** The set's pinned files' texts, or why some cannot be read (their repos go to `missing`). */
function readSetFiles(mirrors: string, spec: SetSpec, missingRepos: Set<string>) {
  const texts: string[] = []
  const problems = new Set<string>()
  for (const file of spec.files) {
    const result = readPinned(mirrors, file)
    if ('text' in result) texts.push(result.text)
    else {
      problems.add(result.missing)
      missingRepos.add(file.repo)
    }
  }
  return {texts, problems}
}

/** Writes the corpus, the splits and the set's description into `dir`. */
async function writeSet(
  dir: string,
  spec: Pick<SetSpec, 'name' | 'description' | 'licence' | 'files'>,
  prepared: Prepared,
  maxQueries: number,
) {
  const meta: RealSetMeta = {
    name: spec.name,
    description: spec.description,
    licence: spec.licence,
    sources: spec.files.map(({repo, commit, path}) => ({repo, commit, path})),
    hasBody: prepared.corpus.some((q) => q.body !== undefined),
    maxQueriesPerSplit: maxQueries,
    stats: prepared.stats,
  }
  await mkdir(dir, {recursive: true})
  await writeFile(join(dir, 'corpus.jsonl'), jsonl(prepared.corpus))
  await writeFile(join(dir, 'dev.jsonl'), jsonl(prepared.dev))
  await writeFile(join(dir, 'test.jsonl'), jsonl(prepared.test))
  await writeFile(join(dir, 'train.jsonl'), jsonl(prepared.train))
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n')
}

/** Rows of a pairs file listed one by one before the rest are only counted. */
const SKIPPED_SHOWN = 10

/**
 * A labelled pair file (pairs.ts) prepared as the set `name`, split as the mirrored sets are.
 * Rows that cannot be read are listed and the exit code is 1; the set is written without them.
 */
async function preparePairs(
  file: string,
  name: string | undefined,
  out: string,
  maxQueries: number,
) {
  const path = resolve(file)
  const setName = name ?? basename(path, extname(path)).replace(/[^\w.-]+/g, '-')
  if (!/^[\w.-]+$/.test(setName) || SETS.some((spec) => spec.name === setName)) {
    console.error(
      `--name must be letters, digits, ".", "_" or "-" and not a built-in set: "${setName}"`,
    )
    process.exit(2)
  }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    console.error(`Cannot read ${path}: ${(error as Error).message}`)
    process.exit(1)
  }
  let set: ReturnType<typeof readPairs>
  try {
    set = readPairs(text, pairsFormat(path), setName)
  } catch (error) {
    console.error(`${path}: ${(error as Error).message}`)
    process.exit(1)
  }
  const prepared = finish(set, maxQueries, 0)
  const description = `labelled question pairs from ${basename(path)} (${set.pairs.positive} positive, ${set.pairs.negative} negative)`
  const licence = "the file owner's terms (not recorded here)"
  const files = [{repo: 'local file', commit: sha(text), path}]
  await writeSet(
    join(out, setName),
    {name: setName, description, licence, files},
    prepared,
    maxQueries,
  )
  const s = prepared.stats
  console.log(
    `${setName}: ${set.pairs.positive} positive and ${set.pairs.negative} negative pairs; corpus ` +
      `${s.corpus} questions (${s.exactDuplicatesMerged} exact duplicates merged), queries dev ` +
      `${s.dev} / test ${s.test} (${s.trivialQueriesDropped} trivial dropped); written to ` +
      `${join(out, setName)}`,
  )
  if (set.skipped.length > 0) {
    for (const {line, reason} of set.skipped.slice(0, SKIPPED_SHOWN))
      console.error(`  line ${line}: skipped, ${reason}`)
    if (set.skipped.length > SKIPPED_SHOWN)
      console.error(`  … and ${set.skipped.length - SKIPPED_SHOWN} more rows skipped`)
    console.error(`${set.skipped.length} row(s) of ${basename(path)} skipped`)
    process.exitCode = 1
  }
}

async function main() {
  const {values} = parseCommandLine(
    {
      options: {
        mirrors: {type: 'string', default: process.env.SIMILAR_MIRRORS ?? '/work/.mirror'},
        out: {type: 'string', default: DEFAULT_DATA_DIR},
        'max-queries': {type: 'string', default: '5000'},
        only: {type: 'string'},
        pairs: {type: 'string'},
        name: {type: 'string'},
      },
    },
    USAGE,
  )
  const maxQueries = Number(values['max-queries'])
  if (!Number.isInteger(maxQueries) || maxQueries < 0) {
    console.error(`--max-queries must be a whole number ≥ 0, got "${values['max-queries']}"`)
    process.exit(2)
  }
  const only = values.only?.split(',').map((name) => name.trim())
  const out = resolve(values.out)
  if (values.pairs !== undefined) {
    await preparePairs(values.pairs, values.name, out, maxQueries)
    return
  }
  const started = performance.now()
  const missingRepos = new Set<string>()
  let skipped = 0
  let written = 0

  for (const spec of SETS) {
    if (only && !only.includes(spec.name)) continue
    const t0 = performance.now()
    const {texts, problems} = readSetFiles(values.mirrors, spec, missingRepos)
    if (problems.size > 0) {
      console.error(`${spec.name}: skipped (${[...problems].join('; ')})`)
      skipped++
      continue
    }
    const prepared = finish(spec.read(texts), maxQueries, spec.trainShare)
    await writeSet(join(out, spec.name), spec, prepared, maxQueries)
    written++
    const s = prepared.stats
    console.log(
      `${spec.name}: corpus ${s.corpus} questions (${s.exactDuplicatesMerged} exact duplicates ` +
        `merged), queries dev ${s.dev} / test ${s.test} / train ${s.train} of ` +
        `${s.usableQueries} usable ` +
        `(${s.trivialQueriesDropped} trivial, ${s.noRelevantLabelled} without relevant dropped), ` +
        `relevant per query ` +
        `${s.meanRelevant.dev.toFixed(2)} / ${s.meanRelevant.test.toFixed(2)}, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
  }
  console.log(
    `wrote ${written} set(s) to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
  if (missingRepos.size > 0) {
    console.error(
      `${skipped} set(s) skipped: fetch the missing mirrors (search tool), then run again:\n` +
        [...missingRepos].map((repo) => `  fetch github:${repo}`).join('\n'),
    )
    process.exit(1)
  }
}

await main()
