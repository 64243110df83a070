// The rules domain/privacy replaced (schemas/validation/privacy.ts before it), kept verbatim:
// the baseline the corpus test and the real-text report measure the new rules against, and,
// deprecated, what importer/ and the scrub-asker-pii migration still call (through
// schemas/validation/privacy.ts) until they switch to `scrubText`. Their patterns backtrack and
// they mask doses and ranges as phone numbers: use nothing here in new code.

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu
const PHONE_CANDIDATE = /\+?\(?\d[\d ().-]{6,}\d/g
const DATE_LIKE = /^\d{4}[-.]\d{1,2}[-.]\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/

function isPhoneNumber(candidate: string): boolean {
  const trimmed = candidate.trim()
  const digits = trimmed.replace(/\D/g, '').length
  return digits >= 8 && digits <= 15 && !DATE_LIKE.test(trimmed)
}

export interface MaskResult {
  text: string
  emails: string[]
  phones: string[]
}

/** @deprecated The old masking, verbatim; use `scrubText`. */
export function maskContactDetails(text: string): MaskResult {
  const emails: string[] = []
  const phones: string[] = []
  const masked = text
    .replace(EMAIL, (email) => {
      emails.push(email)
      return '[email removed]'
    })
    .replace(PHONE_CANDIDATE, (candidate) => {
      if (!isPhoneNumber(candidate)) return candidate
      phones.push(candidate.trim())
      const lead = candidate.match(/^\s*/)?.[0] ?? ''
      const trail = candidate.match(/\s*$/)?.[0] ?? ''
      return `${lead}[phone removed]${trail}`
    })
  return {text: masked, emails, phones}
}

export interface BaselineMask {
  category: 'email' | 'phone'
  start: number
  end: number
}

/**
 * What the old `maskContactDetails` replaced, as spans of the input: e-mail addresses first,
 * then phone candidates in the text with the addresses blanked out (as the old code did by
 * replacing them with "[email removed]", which no phone candidate can cross).
 */
export function baselineMasks(text: string): BaselineMask[] {
  const masks: BaselineMask[] = []
  for (const match of text.matchAll(EMAIL)) {
    masks.push({category: 'email', start: match.index, end: match.index + match[0].length})
  }
  let blanked = text
  for (const mask of masks) {
    blanked =
      blanked.slice(0, mask.start) + 'x'.repeat(mask.end - mask.start) + blanked.slice(mask.end)
  }
  for (const match of blanked.matchAll(PHONE_CANDIDATE)) {
    if (!isPhoneNumber(match[0])) continue
    const lead = match[0].length - match[0].trimStart().length
    const trail = match[0].length - match[0].trimEnd().length
    masks.push({
      category: 'phone',
      start: match.index + lead,
      end: match.index + match[0].length - trail,
    })
  }
  return masks.sort((a, b) => a.start - b.start)
}
