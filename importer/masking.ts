import {maskContactDetails, type MaskResult} from '../schemas/validation/privacy.ts'

// The shared privacy rule (schemas/validation/privacy.ts) is the one home of what counts as an
// e-mail address or a phone number, but its patterns backtrack: the e-mail pattern retries every
// start inside a word (a 200,000-character word took ~30 s, a 10 MB one would take hours), and
// a phone number padded with long runs of spaces is quadratic too. Imported text can be any
// size, so the rule sees it in pieces whose words and space runs are short, cut where no match
// can cross: e-mail addresses never span a character outside WORD, and a phone number is never
// written with MAX_SPACE spaces in a row. Longer words are handled here, without the patterns.

/** The characters an e-mail address (as the rule matches it) is made of. */
const RUN = /[\p{L}\p{N}._%+@-]+|\s+/gu
/** Longest word handed to the rule; its cost grows with the square of this. */
const MAX_WORD = 128
const MAX_SPACE = 64
/** Digits and separators of a phone number written inside a word ("tel0912-345-678"). */
const PHONE_PART = /[\d.+-]+/g
const MAX_PHONE_PART = 64
const EMAIL_MASK = maskContactDetails('someone@example.com').text

function isPhoneChar(char: string | undefined): boolean {
  return (
    char !== undefined &&
    ((char >= '0' && char <= '9') || char === '.' || char === '+' || char === '-')
  )
}

/** Length of the run of phone characters at the start (or end) of a word, when it is short. */
function phoneEdge(word: string, fromEnd: boolean): number {
  let length = 0
  while (length <= MAX_PHONE_PART && length < word.length) {
    if (!isPhoneChar(word[fromEnd ? word.length - 1 - length : length])) return length
    length++
  }
  return length > MAX_PHONE_PART ? 0 : length
}

/**
 * Masks contact details like `maskContactDetails`, in time linear in the text. Words too long
 * for the rule: one holding "@" is masked whole as an e-mail address (erring towards privacy);
 * in others, only runs of phone characters can be contact details, and they go to the rule.
 */
export function maskContactDetailsInPieces(text: string): MaskResult {
  const result: MaskResult = {text: '', emails: [], phones: []}
  const add = (masked: MaskResult) => {
    result.text += masked.text
    result.emails.push(...masked.emails)
    result.phones.push(...masked.phones)
  }
  let done = 0
  for (const {0: run, index} of text.matchAll(RUN)) {
    if (/^\s/.test(run)) {
      if (run.length < MAX_SPACE) continue
      add(maskContactDetails(text.slice(done, index)))
      result.text += run
      done = index + run.length
      continue
    }
    if (run.length <= MAX_WORD) continue
    // Phone characters at the word's edges may belong to a number written around it.
    const head = phoneEdge(run, false)
    const tail = phoneEdge(run, true)
    add(maskContactDetails(text.slice(done, index + head)))
    const word = run.slice(head, run.length - tail)
    if (word.includes('@')) add({text: EMAIL_MASK, emails: [word], phones: []})
    else
      result.text += word.replace(PHONE_PART, (part) => {
        if (part.length > MAX_PHONE_PART) return part
        const masked = maskContactDetails(part)
        result.phones.push(...masked.phones)
        return masked.text
      })
    done = index + run.length - tail
  }
  add(maskContactDetails(text.slice(done)))
  return result
}
