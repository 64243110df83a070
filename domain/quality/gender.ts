import {comparable, excerpt, replyName, squeeze} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// Legacy archives often state every asker as female. The text says otherwise when the doctor
// greets "Mr. Chen" or "sir", speaks of "your wife", or the asker writes "my wife" or "I am a
// man". Words inside quotation marks, and what follows "says", "told me"… in the sentence, are
// someone else's: "My husband says 'I am a man, I never cry'" tells us the asker is female.
// Evidence both ways ("Dear Mr. and Mrs. Chen") is no contradiction: the flag needs one side.

type Gender = 'male' | 'female'

interface Evidence {
  gender: Gender
  /** What an editor reads in the message: "Mr." (Dr. Lan's reply). */
  quote: string
}

// Titles are matched in their own case ("MS is a chronic disease" greets nobody) and must be
// followed by a name or punctuation ("Miss a dose?" neither).
const TITLE =
  "(Mr|Mister|Sir|sir|Mrs|Ms|Miss|Madam|madam|Madame|Ma'am|ma'am)\\b(?:\\.|(?=[,:;!]|\\s+[A-Z]|\\s*$))"
const GREETING =
  '(?:(?:[Dd]ear|[Hh]ello|[Hh]i|[Hh]ey|[Gg]reetings|[Gg]ood (?:morning|afternoon|evening))\\b[\\s,!:;-]*){0,2}'
const SALUTATION = new RegExp(`^${GREETING}${TITLE}`)
const TITLES = new RegExp(`\\b${TITLE}`, 'g')
const SALUTATION_GENDER: Record<string, Gender> = {
  mr: 'male',
  mister: 'male',
  sir: 'male',
  mrs: 'female',
  ms: 'female',
  miss: 'female',
  madam: 'female',
  madame: 'female',
  "ma'am": 'female',
}

// The partner's gender is the asker's opposite; "my ex-wife", "my late husband" count too.
const MY_PARTNER =
  /\bmy (?:(?:ex|late|future|current|new|former)[- ]?)?(husband|boyfriend|wife|girlfriend)\b/gi
const YOUR_PARTNER = /\byour (husband|boyfriend|wife|girlfriend)\b/gi
const PARTNER_GENDER: Record<string, Gender> = {
  husband: 'female',
  boyfriend: 'female',
  wife: 'male',
  girlfriend: 'male',
}

const SELF =
  /\bi(?:'m| am) (?:a |an |the )?(?:(?:\d{1,2}|[a-z]+(?:-[a-z]+)?)[- ](?:years?|yrs?)[- ]old )?(man|woman|male|female|guy|girl|boy|lady|gentleman|mother|father|mom|mum|dad|housewife)\b/gi
const PREGNANT = /\bi(?:'m| am) (?:currently |now )?(?:\d{1,2} (?:weeks?|months?) )?(pregnant)\b/gi
const SELF_GENDER: Record<string, Gender> = {
  man: 'male',
  male: 'male',
  guy: 'male',
  boy: 'male',
  gentleman: 'male',
  father: 'male',
  dad: 'male',
  woman: 'female',
  female: 'female',
  girl: 'female',
  lady: 'female',
  mother: 'female',
  mom: 'female',
  mum: 'female',
  housewife: 'female',
  pregnant: 'female',
}

const QUOTED = /"[^"\n]{0,400}"/g
const REPORTED =
  /\b(?:says?|said|tells? me|told me|thinks|thought|claims?|claimed|believes|insists|asked me|asks me)\b[^.!?\n]*/gi

/** The text with quoted and reported speech blanked out (same length, so indices still hold). */
function ownWords(text: string, reported: boolean): string {
  const blank = (part: string) => ' '.repeat(part.length)
  const unquoted = text.replace(QUOTED, blank)
  return reported ? unquoted.replace(REPORTED, blank) : unquoted
}

function collect(text: string, pattern: RegExp, genders: Record<string, Gender>, where: string) {
  return [...text.matchAll(pattern)].flatMap((match): Evidence[] => {
    const gender = genders[(match[1] ?? '').toLowerCase()]
    return gender ? [{gender, quote: `${excerpt(match[0])} (${where})`}] : []
  })
}

/** What the asker's own words say about the asker. */
function questionEvidence(thread: ThreadText): Evidence[] {
  const text = comparable([thread.shortTitle ?? '', thread.question].join('\n'))
  const partners = ownWords(text, false)
  const self = ownWords(text, true)
  return [
    ...collect(partners, MY_PARTNER, PARTNER_GENDER, 'question'),
    ...collect(self, SELF, SELF_GENDER, 'question'),
    ...collect(self, PREGNANT, SELF_GENDER, 'question'),
  ]
}

/** The doctor's greeting, every title in it: "Dear Mr. Chen", "Hello Mr. and Mrs. Lin". */
function greeting(text: string, where: string): Evidence[] {
  const head = squeeze(text.slice(0, 120))
  const match = SALUTATION.exec(head)
  if (!match) return []
  const rest = head.slice(match[0].length)
  const end = rest.search(/[,:;!?]/)
  const span = match[0] + (end === -1 ? rest : rest.slice(0, end))
  return [...span.matchAll(TITLES)].flatMap((title) => {
    const gender = SALUTATION_GENDER[(title[1] ?? '').toLowerCase()]
    return gender ? [{gender, quote: `${excerpt(match[0])} (${where})`}] : []
  })
}

/** How the doctors address the asker: the greeting, and "your wife". */
function replyEvidence(thread: ThreadText): Evidence[] {
  return thread.replies.flatMap((reply) => {
    const text = ownWords(comparable(reply.body), false)
    const where = replyName(reply.doctor)
    return [...greeting(text, where), ...collect(text, YOUR_PARTNER, PARTNER_GENDER, where)]
  })
}

/** The stated gender of the asker is male or female, and the text says only the other one. */
export function genderContradicted(thread: ThreadText): Finding[] {
  const stated = thread.gender
  if (stated !== 'male' && stated !== 'female') return []
  const evidence = [...questionEvidence(thread), ...replyEvidence(thread)]
  if (evidence.length === 0 || evidence.some((item) => item.gender === stated)) return []
  const quotes = [...new Set(evidence.map((item) => item.quote))].slice(0, 3)
  return [
    {
      code: 'genderContradicted',
      on: 'question',
      message:
        `The asker is stated as ${stated}, but the text says otherwise: ${quotes.join(', ')}. ` +
        'The gender was set to "Not stated"; set it if the text makes it clear.',
      detail: {excerpt: quotes[0] ?? '', statedGender: stated},
    },
  ]
}
