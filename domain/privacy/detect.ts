import {NO_CONTEXT, type PrivacyContext} from './context.ts'
import {findEmails} from './email.ts'
import {findMessengerIds} from './messenger.ts'
import {findNames, mentionsAsker} from './names.ts'
import {findPhones} from './phone.ts'
import {
  scanText,
  type Finding,
  type PersonalFinding,
  type PrivacyCategory,
  type Scan,
} from './scan.ts'
import {findLinks} from './url.ts'

// Every detector reads the same scan of the text; where their findings overlap, the more
// specific one wins: a link over the address in it, an address over the name in it, a
// messenger id over the phone number it is.

/** A detector adds what it finds to `found`. */
type Detector = (scan: Scan, context: PrivacyContext, found: Finding[]) => void

const DETECTORS: Record<string, Detector> = {
  links: (scan, context, found) => findLinks(scan, (link) => mentionsAsker(link, context), found),
  emails: (scan, _context, found) => findEmails(scan, found),
  messengers: (scan, _context, found) => findMessengerIds(scan, found),
  phones: (scan, _context, found) => findPhones(scan, found),
  names: findNames,
}

const PRIORITY: Record<Finding['category'], number> = {
  protected: 0,
  url: 1,
  email: 2,
  messenger: 3,
  phone: 4,
  askerName: 5,
}

/** Personal data in a text, in the text's own offsets. */
export interface PersonalData {
  category: PrivacyCategory
  start: number
  end: number
  text: string
  replacement: string
  rule: string
}

const outranks = (a: Finding, b: Finding) =>
  PRIORITY[a.category] < PRIORITY[b.category] ||
  (PRIORITY[a.category] === PRIORITY[b.category] && a.end - a.start > b.end - b.start)

/**
 * Findings that do not overlap, the higher-ranked kept, protected spans dropped; by start.
 * Each detector adds its findings in order, so the sort merges a few sorted runs.
 */
function resolveOverlaps(findings: Finding[]): PersonalFinding[] {
  findings.sort(
    (a, b) => a.start - b.start || PRIORITY[a.category] - PRIORITY[b.category] || b.end - a.end,
  )
  const kept: Finding[] = []
  for (const finding of findings) {
    const last = kept.at(-1)
    if (!last || finding.start >= last.end) kept.push(finding)
    else if (outranks(finding, last)) kept[kept.length - 1] = finding
  }
  return kept.filter((finding): finding is PersonalFinding => finding.category !== 'protected')
}

const DETECTOR_LIST = Object.values(DETECTORS)

/** The text's scan and what the detectors found in it, overlaps resolved (folded offsets). */
export function detect(
  text: string,
  context: PrivacyContext,
): {scan: Scan; findings: PersonalFinding[]} {
  const scan = scanText(text)
  const findings: Finding[] = []
  for (const detector of DETECTOR_LIST) detector(scan, context, findings)
  return {scan, findings: resolveOverlaps(findings)}
}

/** Every e-mail address, phone number, messenger id, personal link and asker's name in `text`. */
export function findPersonalData(
  text: string,
  context: PrivacyContext = NO_CONTEXT,
): PersonalData[] {
  const {scan, findings} = detect(text, context)
  return findings.map(({category, replacement, rule, ...span}) => {
    const start = scan.folded.start(span.start)
    const end = scan.folded.end(span.end)
    return {
      category: category as PrivacyCategory,
      start,
      end,
      text: text.slice(start, end),
      replacement,
      rule,
    }
  })
}
