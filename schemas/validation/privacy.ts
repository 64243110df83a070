// Privacy heuristics shared by schema validation (warnings for editors) and the importer (masking).
// They err towards flagging: a false warning costs an editor a glance, a missed phone number costs more.

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu
// A run of digits with phone-style separators; checked further in isPhoneNumber.
const PHONE_CANDIDATE = /\+?\(?\d[\d ().-]{6,}\d/g
const DATE_LIKE = /^\d{4}[-.]\d{1,2}[-.]\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/
const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam'])

export interface ContactDetails {
  emails: string[]
  phones: string[]
}

function isPhoneNumber(candidate: string): boolean {
  const trimmed = candidate.trim()
  const digits = trimmed.replace(/\D/g, '').length
  return digits >= 8 && digits <= 15 && !DATE_LIKE.test(trimmed)
}

export function findContactDetails(text: string): ContactDetails {
  const emails = text.match(EMAIL) ?? []
  const withoutEmails = text.replace(EMAIL, ' ')
  const phones = (withoutEmails.match(PHONE_CANDIDATE) ?? [])
    .map((p) => p.trim())
    .filter(isPhoneNumber)
  return {emails, phones}
}

export interface MaskResult extends ContactDetails {
  text: string
}

/** Replaces e-mail addresses and phone numbers with placeholders, reporting what it replaced. */
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

function nameTokens(name: string): string[] {
  return name
    .split(/[\s,]+/)
    .map((token) => token.replace(/\.$/, ''))
    .filter((token) => token.length > 0 && !HONORIFICS.has(token.toLowerCase()))
}

const CJK = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]+$/u

/**
 * True when a display name looks like a person's full name rather than an initial or a single
 * surname ("C.", "CHEN", "Mr. Chen" pass; "Chen Mei-ling", "陳美玲" do not).
 */
export function looksLikeFullName(name: string): boolean {
  const tokens = nameTokens(name.trim())
  const nameLike = tokens.filter((t) => /^\p{L}[\p{L}'-]+$/u.test(t))
  if (nameLike.length >= 2) return true
  // Han/Hangul names are written without spaces: a surname plus a given name is 2+ characters.
  return tokens.some((t) => CJK.test(t) && [...t].length >= 2)
}

/** The asker's name reduced to what the archive keeps by default: an initial. */
export function initialOnly(name: string): string {
  const first = nameTokens(name.trim())[0]
  if (!first) return ''
  const letter = [...first][0] ?? ''
  return CJK.test(letter) ? letter : `${letter.toUpperCase()}.`
}
