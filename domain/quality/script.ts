import {SCAN_LIMIT, excerpt, listOf, questionFields, replyName, sentence} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// Characters of other writing systems left in an English thread: untranslated Chinese ("持續"),
// full-width punctuation ("，"), Korean, Cyrillic… Greek letters and symbols are medical English
// ("β-blocker", "5 μg", "37°C") and pass.

const FOREIGN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Thai}\p{Script=Devanagari}\u3000-\u303f\uff01-\uff60]+/gu

const SCRIPT_NAMES: [RegExp, string][] = [
  [/[\p{Script=Han}\p{Script=Bopomofo}]/u, 'Chinese characters'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'Japanese characters'],
  [/\p{Script=Hangul}/u, 'Korean characters'],
  [/\p{Script=Cyrillic}/u, 'Cyrillic letters'],
  [/[\u3000-\u303f\uff01-\uff60]/u, 'full-width punctuation'],
]

interface Foreign {
  count: number
  first: RegExpExecArray
  text: string
  /** Some of the characters found, to name their scripts. */
  sample: string
}

function foreignRuns(raw: string): Foreign | undefined {
  // Not `comparable`: NFKC would turn full-width punctuation into ASCII.
  const text = raw.slice(0, SCAN_LIMIT)
  const runs = [...text.matchAll(FOREIGN)]
  const first = runs[0]
  const sample = runs
    .slice(0, 50)
    .map((run) => run[0].slice(0, 10))
    .join('')
  return first ? {count: runs.length, first, text, sample} : undefined
}

function describe(found: Foreign[]): string {
  const all = found.map((item) => item.sample).join('')
  const names = SCRIPT_NAMES.filter(([pattern]) => pattern.test(all)).map(([, name]) => name)
  return names.length > 0 ? names.join(' and ') : 'non-Latin characters'
}

function finding(on: Finding['on'], places: string, found: Foreign[]): Finding | undefined {
  const first = found[0]
  if (!first) return undefined
  const count = found.reduce((sum, item) => sum + item.count, 0)
  const quotedText = excerpt(first.text, first.first.index, first.first[0].length)
  return {
    code: 'nonLatinInEnglish',
    on,
    message:
      `${sentence(describe(found))} in ${places}, though the thread is English` +
      `${count > 1 ? ` (${count} places)` : ''}: ${quotedText}. Translate or remove them.`,
    detail: {excerpt: quotedText},
  }
}

/** Non-Latin characters in a thread whose language is English. */
export function nonLatinInEnglish(thread: ThreadText): Finding[] {
  if ((thread.language ?? 'en') !== 'en') return []
  const fields = questionFields(thread).flatMap((field) => {
    const found = foreignRuns(field.text)
    return found ? [{name: field.name, found}] : []
  })
  const question = finding(
    'question',
    listOf(fields.map((field) => field.name)),
    fields.map((field) => field.found),
  )
  const replies = thread.replies.map((reply, index) => {
    const found = foreignRuns(reply.body)
    return found ? finding(index, replyName(reply.doctor), [found]) : undefined
  })
  return [question, ...replies].filter((item) => item !== undefined)
}
