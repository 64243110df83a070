import {NO_CONTEXT, type PrivacyContext} from './context.ts'
import {detect, findPersonalData, type PersonalData} from './detect.ts'
import type {PrivacyCategory} from './scan.ts'

// Masking: what the detectors found is replaced in place; everything around it (punctuation,
// spaces, line breaks) stays exactly as it was. Plain strings, Portable Text spans and link
// targets all go through the same detection.

export interface Mask {
  category: PrivacyCategory
  before: string
  after: string
}

export interface Scrubbed {
  text: string
  masks: Mask[]
}

/** The replacement as written: a name's initial drops its dot before the text's own ("C."). */
export function replacementAt(
  text: string,
  {replacement, end}: {replacement: string; end: number},
) {
  return replacement.endsWith('.') && text[end] === '.' ? replacement.slice(0, -1) : replacement
}

export function maskOf(text: string, found: PersonalData): Mask {
  return {category: found.category, before: found.text, after: replacementAt(text, found)}
}

/** `text` with every piece of personal data replaced, and what was replaced. */
export function scrubText(text: string, context: PrivacyContext = NO_CONTEXT): Scrubbed {
  const {scan, findings} = detect(text, context)
  if (findings.length === 0) return {text, masks: []}
  const masks: Mask[] = []
  let output = ''
  let done = 0
  for (const finding of findings) {
    const start = scan.folded.start(finding.start)
    const end = scan.folded.end(finding.end)
    const after = replacementAt(text, {replacement: finding.replacement, end})
    output += text.slice(done, start) + after
    masks.push({
      category: finding.category as PrivacyCategory,
      before: text.slice(start, end),
      after,
    })
    done = end
  }
  return {text: output + text.slice(done), masks}
}

/** Plain string fields (titles, short titles, similar titles, tag names), scrubbed alike. */
export function scrubStrings(
  values: readonly string[],
  context: PrivacyContext = NO_CONTEXT,
): {values: string[]; masks: Mask[]} {
  const scrubbed = values.map((value) => scrubText(value, context))
  return {values: scrubbed.map((item) => item.text), masks: scrubbed.flatMap((item) => item.masks)}
}

export interface ContactDetails {
  emails: string[]
  phones: string[]
  messengers: string[]
}

/** Contact details in a text, for editors' warnings; names need a thread's context. */
export function findContactDetails(text: string): ContactDetails {
  const found = findPersonalData(text)
  const of = (...categories: PrivacyCategory[]) =>
    found.filter((item) => categories.includes(item.category)).map((item) => item.text)
  return {emails: of('email'), phones: of('phone'), messengers: of('messenger', 'url')}
}
