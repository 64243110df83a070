import type {PortableTextBlock, PortableTextSpan} from '@portabletext/types'

// Plain scraped text → Portable Text. The scraper prints one sentence per line (it even splits
// "Dear Mr." from "Chen, ..."), so consecutive non-blank lines are one paragraph and a blank line
// ends it. A list marker always starts a new block; in article mode so does a heading.
// Reading blocks back as text: use `toPlainText` from `@portabletext/toolkit`.

export interface TextToPortableTextOptions {
  /** Detect headings (title-like lines that introduce content), as in More Info articles. */
  articleMode?: boolean
}

interface Draft {
  style: 'normal' | 'h2'
  listItem?: 'bullet' | 'number'
  lines: string[]
}

// "1. x" needs the space so "1.5 mg daily" stays text; CJK enumerations ("1、x") need none.
const NUMBERED = /^\d{1,3}(?:[.)]\s+|[、．）]\s*)(?=\S)/
const BULLET = /^(?:[-*–]\s+|[•·・●▪]\s*)(?=\S)/
const TERMINAL_PUNCTUATION = /[.,:;!?…。，、：；！？"'”’」』]$/u
// Scripts written without spaces between words: lines are joined without one.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u
const HEADING_MAX_LENGTH = 80

/**
 * Plain text → Portable Text blocks (styles `normal`/`h2`, lists `bullet`/`number` at level 1).
 * Keys are `<keyPrefix>-<index>` (spans `<keyPrefix>-<index>-0`): stable across re-imports.
 */
export function textToPortableText(
  text: string,
  keyPrefix: string,
  options: TextToPortableTextOptions = {},
): PortableTextBlock[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
  const lastContent = lines.findLastIndex(Boolean)
  const drafts: Draft[] = []
  // The block the next line continues; a blank line, heading or list marker closes it.
  let open: Draft | undefined
  lines.forEach((line, index) => {
    if (!line) {
      open = undefined
      return
    }
    const numbered = NUMBERED.exec(line)
    const bullet = numbered ? null : BULLET.exec(line)
    const marker = numbered ?? bullet
    if (marker) {
      open = {style: 'normal', listItem: numbered ? 'number' : 'bullet', lines: []}
      const rest = line.slice(marker[0].length)
      open.lines.push(rest)
      drafts.push(open)
    } else if (open) {
      open.lines.push(line)
    } else if (options.articleMode && index < lastContent && isHeading(line)) {
      drafts.push({style: 'h2', lines: [line]})
    } else {
      open = {style: 'normal', lines: [line]}
      drafts.push(open)
    }
  })
  return drafts.map((draft, index) => {
    const key = `${keyPrefix}-${index}`
    const span: PortableTextSpan = {
      _type: 'span',
      _key: `${key}-0`,
      text: joinLines(draft.lines),
      marks: [],
    }
    const block: PortableTextBlock = {
      _type: 'block',
      _key: key,
      style: draft.style,
      markDefs: [],
      children: [span],
    }
    if (draft.listItem) {
      block.listItem = draft.listItem
      block.level = 1
    }
    return block
  })
}

/** A short line that starts with a letter and does not end like a sentence, e.g. "Diagnosis". */
function isHeading(line: string): boolean {
  return (
    line.length < HEADING_MAX_LENGTH && /^\p{L}/u.test(line) && !TERMINAL_PUNCTUATION.test(line)
  )
}

/** Joins a paragraph's lines: with a space, except between characters of unspaced scripts. */
export function joinLines(lines: readonly string[]): string {
  const parts: string[] = []
  // The last character written, kept aside: reading it back from a growing string flattens the
  // string every time (quadratic in a paragraph's lines).
  let previous: string | undefined
  for (const line of lines) {
    const spaced =
      previous !== undefined && !UNSPACED.test(previous) && !UNSPACED.test(line[0] ?? '')
    parts.push(spaced ? ` ${line}` : line)
    previous = line.at(-1) ?? previous
  }
  return parts.join('')
}
