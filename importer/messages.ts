import {printable} from '../domain/printable.ts'

// What the importer says about its input, in the report and on the terminal. Input is quoted
// short and escaped: a message never carries a long run of a file, and nothing read from an
// archive (a title, a URL, a file name) reaches a terminal as control characters.

const QUOTE_LENGTH = 40

/** Input text as messages quote it: in double quotes, cut to `QUOTE_LENGTH` characters, escaped. */
export function quote(text: string): string {
  const start = Array.from(text.slice(0, QUOTE_LENGTH * 2))
    .slice(0, QUOTE_LENGTH)
    .join('')
  const cut = start.length < text.length ? `${start}…` : text
  return printable(JSON.stringify(cut))
}

/** The message for a date that is not on the calendar, the same in every format. */
export function notADate(subject: string, text: string, expected: string): string {
  return `${subject} is not a date: ${quote(text)} (expected ${expected})`
}
