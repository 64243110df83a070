import type {Precompute, ThreadCpu} from './precompute.ts'
import type {BenchResults, ColdStartResult} from './run.ts'

// The human-readable report: a few summary lines and one table of query latencies.

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits})
const mib = (bytes: number) => `${number(bytes / 2 ** 20)} MiB`
const ms = (value: number) => (value >= 100 ? number(value) : number(value, value >= 10 ? 1 : 2))

/** " (ranking workers 250.1, main thread 70.3, V8 helpers 20.2, other 0.4)", or nothing. */
const threadSplit = (threads: ThreadCpu | undefined) =>
  threads
    ? ` (ranking workers ${number(threads.workers, 1)}, main thread ${number(threads.main, 1)}, V8 helpers ${number(threads.v8, 1)}, other ${number(threads.other, 1)})`
    : ''

/** Columns aligned; the first is left-aligned, the others right-aligned unless in `left`. */
function table(header: string[], rows: string[][], left: number[] = [0]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        left.includes(column)
          ? cell.padEnd(widths[column] ?? 0)
          : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)]
}

/** What was measured, on what machine, and whether it was busy. */
function headerLines(results: BenchResults): string[] {
  const {archive, machine, options} = results
  return [
    `Lake benchmark: ${number(options.threads)} threads, seed ${options.seed}, ${number(archive.documents)} documents (${Object.entries(
      archive.byType,
    )
      .map(([type, count]) => `${number(count)} ${type}`)
      .join(', ')})`,
    `  ${number(archive.jsonBytes / 1e6, 1)} MB of JSON; title ${archive.avgTitleChars} chars, question body ${number(archive.avgQuestionBodyChars)} chars, reply body ${number(archive.avgReplyBodyChars)} chars on average`,
    `  node ${machine.node} · ${machine.platform} ${machine.arch} · ${machine.cpus} × ${machine.cpuModel} · ${mib(machine.totalMemoryBytes)} RAM · load ${number(machine.loadAverage.start, 1)}→${number(machine.loadAverage.end, 1)} · ${results.date}`,
    ...(results.source
      ? [
          `  lake at ${results.source.commit}${results.source.changedLakeFiles.length > 0 ? ` + uncommitted changes to ${results.source.changedLakeFiles.join(', ')}` : ''}`,
        ]
      : []),
    ...(Math.max(machine.loadAverage.start, machine.loadAverage.end) > machine.cpus * 0.5
      ? [
          `  Note: the machine was busy with other work (load average vs ${machine.cpus} CPUs); latencies are noisy.`,
        ]
      : []),
  ]
}

/** Reopening in a fresh process: first answers, parsing, indexes built in the background. */
function coldStartRows(coldStart: ColdStartResult, historyBytes: number | undefined): string[][] {
  return [
    [
      'Cold start (open + first page lookup by id)',
      `${number(coldStart.ms)} ms`,
      `fresh process: ${coldStart.probes
        .slice(1)
        .map((probe) => `then ${probe.name} at ${number(probe.ms)} ms; `)
        .join(
          '',
        )}RSS ${mib(coldStart.rssBytes)} (${mib(coldStart.rssBeforeBytes)} before opening); ${number(coldStart.benchProcessMs)} ms in the benchmark process`,
    ],
    [
      'History index read on opening',
      `${ms(coldStart.history.openMs)} ms`,
      `${number(coldStart.history.records)} document versions (${number((coldStart.history.records * 64) / 1e6, 1)} MB of records in memory); history files ${number((historyBytes ?? 0) / 1e6, 1)} MB (the compacted logs, not copies)`,
    ],
    [
      'All documents parsed (background)',
      `${number(coldStart.parsedMs)} ms`,
      `RSS ${mib(coldStart.rssParsedBytes)}, after GC ${mib(coldStart.rssAfterGcBytes)}; heap after GC ${mib(coldStart.heapUsedAfterGcBytes)}`,
    ],
    [
      'Text indexes built (background)',
      `${number(coldStart.textIndexesMs)} ms`,
      `RSS after GC ${mib(coldStart.rssWithTextIndexesBytes)}, heap ${mib(coldStart.heapWithTextIndexesBytes)}; ${Object.entries(
        coldStart.textIndexes,
      )
        .map(
          ([source, size]) =>
            `${source} ${number(size.keys)} words, ${number(size.postings)} postings, ${mib(size.bytes)}`,
        )
        .join('; ')}`,
    ],
  ]
}

/** Writing, closing, reopening. */
function stepLines(results: BenchResults): string[] {
  const {write, close, coldStart, options} = results
  const disk = Object.values(close.diskBytes).reduce((sum, size) => sum + size, 0)
  return table(
    ['Step', 'Time', 'Result'],
    [
      [
        `Write (HTTP, ${options.batchSize}/txn, ${options.concurrency} in flight)`,
        `${number(write.ms / 1000, 2)} s`,
        `${number(write.documentsPerSecond)} docs/s · ${number(write.threadsPerSecond)} threads/s · ${number(write.megabytesPerSecond, 1)} MB/s · txn p50 ${ms(write.transactionLatency.p50)} ms, p95 ${ms(write.transactionLatency.p95)} ms`,
      ],
      [
        'Close (compaction to snapshot)',
        `${number(close.ms)} ms`,
        `${number(disk / 1e6, 1)} MB on disk`,
      ],
      ...(coldStart ? coldStartRows(coldStart, close.diskBytes.history) : []),
    ],
    [0, 2],
  )
}

function queryLines(results: BenchResults): string[] {
  const {options} = results
  return [
    `Query latency in ms: lake over HTTP through @sanity/client (up to ${options.iterations} runs after ${options.warmup} warm-up, at most ${number(options.budgetMs / 1000)} s per query), lake in-process (runQuery, up to ${Math.min(options.inProcessIterations, options.iterations)} runs), plain groq-js (${options.plainIterations} runs)`,
    ...table(
      [
        'Query',
        'runs',
        'lake p50',
        'lake p95',
        'in-proc p50',
        'plain p50',
        'plain p95',
        'plain/lake',
        'rows',
        'equal',
      ],
      results.queries.map((query) => [
        query.name,
        number(query.runs),
        ms(query.lake.p50),
        ms(query.lake.p95),
        ms(query.lakeInProcess.p50),
        ms(query.plain.p50),
        ms(query.plain.p95),
        `${number(query.ratio, 1)}×`,
        number(query.avgRows, 1),
        `${
          query.mismatches > 0
            ? `${query.mismatches}/${query.checked} MISMATCH`
            : `${query.checked}/${query.checked}`
        }${query.failures > 0 ? `, ${query.failures} failed` : ''}`,
      ]),
    ),
  ]
}

function underLoadLines(results: BenchResults): string[] {
  return [
    'While a pathological query runs (sent without a token; the lake stops it at its time limit), in ms:',
    ...table(
      [
        'Pathological query',
        'answer',
        'after',
        'ping p50',
        'ping p99',
        'ping max',
        'by id p50',
        'by id p99',
        'runs',
      ],
      results.underLoad.map((row) => [
        row.name,
        String(row.status),
        ms(row.queryMs),
        ms(row.ping.p50),
        ms(row.ping.p99),
        ms(row.ping.max),
        ms(row.byId.p50),
        ms(row.byId.p99),
        number(row.ping.iterations),
      ]),
    ),
  ]
}

function historyLines({history}: BenchResults): string[] {
  if (!history) return []
  return [
    `History (Studio's requests over HTTP, ${history.requests[0]?.latency.iterations ?? 0} runs each) after ${history.editedDocuments} questions were edited ${history.editsPerDocument} times and published (${number(history.editMs)} ms, one transaction each), in ms:`,
    ...table(
      ['Request', 'p50', 'p95', 'max'],
      history.requests.map((row) => [
        row.name,
        ms(row.latency.p50),
        ms(row.latency.p95),
        ms(row.latency.max),
      ]),
    ),
  ]
}

function mismatchLines(results: BenchResults): string[] {
  if (results.mismatches.length === 0) return ['All lake results equal plain groq-js results.', '']
  const show = (value: unknown) => {
    const text = JSON.stringify(value) ?? 'undefined'
    return text.length > 300 ? `${text.slice(0, 300)}…` : text
  }
  return results.mismatches.flatMap((mismatch) => [
    `MISMATCH ${mismatch.query} params=${show(mismatch.params)}`,
    `  lake:  ${show(mismatch.lake)}`,
    `  plain: ${show(mismatch.plain)}`,
  ])
}

function similarTable(similar: Precompute): string[] {
  const edits = similar.edits
  const slowest = edits.reduce((max, edit) => Math.max(max, edit.seconds), 0)
  return [
    '',
    `Similar-thread precompute in a fresh process (lake and engine together; ${number(similar.questions)} questions; load ${number(similar.loadAverage.start, 1)}→${number(similar.loadAverage.end, 1)}; CPU: every thread's):`,
    ...table(
      ['Step', 'Time', 'Result'],
      [
        [
          'Full precompute (index + every list)',
          `${number(similar.full.seconds, 1)} s`,
          `CPU ${number(similar.full.cpuSeconds, 1)} s${threadSplit(similar.full.threads)}; index ${number(similar.full.indexSeconds, 1)} s (CPU ${number(similar.full.indexCpuSeconds, 1)} s); ${number(similar.full.patched)} lists written; ${similar.full.conflicts} conflicts`,
        ],
        [
          'Again, nothing changed',
          `${number(similar.second.seconds, 1)} s`,
          `CPU ${number(similar.second.cpuSeconds, 1)} s; ${number(similar.second.ranked)} ranked, ${number(similar.second.patched)} written`,
        ],
        [
          `Single-edit recompute (${edits.length} edits, slowest)`,
          `${number(slowest, 2)} s`,
          edits
            .map(
              (edit) =>
                `${number(edit.seconds, 2)} s: ${edit.affected} affected, ${edit.patched} written`,
            )
            .join('; '),
        ],
        [
          'Peak memory (RSS)',
          mib(similar.peakRssBytes),
          `${mib(similar.rssLakeBytes)} with the dataset parsed, before the precompute (${similar.peakMethod})`,
        ],
      ],
      [0, 2],
    ),
  ]
}

export function formatReport(results: BenchResults): string {
  return [
    '',
    ...headerLines(results),
    '',
    ...stepLines(results),
    '',
    ...(results.queries.length > 0 ? [...queryLines(results), ''] : []),
    ...(results.underLoad.length > 0 ? [...underLoadLines(results), ''] : []),
    ...(results.history ? [...historyLines(results), ''] : []),
    ...(results.similar ? similarTable(results.similar) : []),
    '',
    ...mismatchLines(results),
  ].join('\n')
}
