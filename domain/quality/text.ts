import {printable} from '../printable.ts'
import type {ThreadText} from './types.ts'

// Text helpers the detectors share. Archives are hostile: every pattern here runs in time linear
// in its input, and a detector reads at most SCAN_LIMIT characters of a field.

/** Characters of one field a detector reads: real questions and replies are far shorter. */
export const SCAN_LIMIT = 100_000

/** A field's text as detectors compare it: bounded, NFKC, curly apostrophes and quotes straight. */
export function comparable(text: string): string {
  return text
    .slice(0, SCAN_LIMIT)
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
}

/** Runs of whitespace as one space, trimmed. */
export function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

const EXCERPT_LENGTH = 40

/**
 * At most EXCERPT_LENGTH characters of `text` around the `length` characters at `index`, with
 * "…" where cut, in quotes and with invisible characters escaped: what a flag quotes.
 */
export function excerpt(text: string, index = 0, length = 0): string {
  const lead = Math.max(0, Math.min(12, EXCERPT_LENGTH - length))
  const from = Math.max(0, index - lead)
  // Start at the beginning of the word when it is near.
  const near = text.slice(Math.max(0, from - 8), from)
  const word = /\S*$/.exec(near)?.[0].length ?? 0
  const start = word < near.length || word === from ? from - word : from
  const end = Math.min(text.length, start + EXCERPT_LENGTH)
  const cut = `${start > 0 ? '…' : ''}${squeeze(text.slice(start, end))}${end < text.length ? '…' : ''}`
  return `"${printable(cut)}"`
}

/** The question's own fields, named as an editor sees them in the form. */
export function questionFields(thread: ThreadText): {name: string; text: string}[] {
  return [
    {name: 'title', text: thread.title},
    {name: 'short title', text: thread.shortTitle ?? ''},
    {name: 'question', text: thread.question},
    {name: 'More Info', text: thread.moreInfo ?? ''},
  ].filter((field) => field.text.trim().length > 0)
}

/** "the title", "the title and the question", "the title, the question and More Info". */
export function listOf(names: readonly string[]): string {
  const items = names.map((name) => (name === 'More Info' ? name : `the ${name}`))
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`
}

/** "Dr. Lan Shengxing's reply", or "the reply" when the doctor is not known. */
export function replyName(doctor: string | undefined): string {
  return doctor ? `Dr. ${doctor}'s reply` : 'the reply'
}

/** Capitalises the first letter of a sentence. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
