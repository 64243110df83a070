import {doctorKey} from '../names.ts'
import {comparable, excerpt, replyName, sentence} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// Replies are often signed ("… as soon as possible. Dr. Lan Sheng-hsing"), and the signature may
// spell the name differently from the page's header ("Dr. Lan Shengxing reply"). Spellings that
// share a name ("Lan") are one doctor written two ways: the importer keeps the signature as an
// alias. A signature with no name in common may be another doctor: the editor decides.

// The signature closes the reply: read only its last characters.
const TAIL = 200
// Case-sensitive on purpose: a name starts with a capital ("Dr. Wang recommends rest." is a
// sentence about a doctor, not a signature).
const SIGNATURE =
  /(?:^|[.!?。]\s+|\n\s*)(?:[-–—~]+\s*)?(?:(?:[Bb]est regards|[Kk]ind regards|[Rr]egards|[Ss]incerely|[Yy]ours sincerely|[Yy]ours truly|[Rr]espectfully)[,.]?\s+)?(?:D[Rr]\.?|Doctor)\s*(\p{Lu}[\p{L}'-]*(?:[ \t]+\p{Lu}[\p{L}'-]*){0,3})\s*(?:[,(][^\n]*)?\.?\s*$/u
// Words after a name that belong to a title: "Dr. Lan Sheng-hsing Neurology Department".
const NOT_A_NAME =
  /^(?:\p{L}*(?:ology|iatry|iatrics|ics|ery)|medicine|department|dept|hospital|clinic|center|centre|attending|physician|director|chief|division|section|md|ent|specialist|resident)$/iu

/** The name a reply is signed with, if it ends with a signature. */
export function signatureName(body: string): string | undefined {
  const tail = comparable(body.slice(-TAIL * 2))
    .trimEnd()
    .slice(-TAIL)
  const match = SIGNATURE.exec(tail)
  if (!match?.[1]) return undefined
  const words = match[1].split(/[ \t]+/)
  const end = words.findIndex((word) => NOT_A_NAME.test(word))
  const name = (end === -1 ? words : words.slice(0, end)).join(' ')
  return name || undefined
}

const nameParts = (name: string) =>
  name
    .split(/[\s-]+/)
    .map(doctorKey)
    .filter(Boolean)

/** A signature that only shortens the header's name ("Dr. Lan" for "Lan Shengxing") agrees. */
function agrees(signature: string, header: string): boolean {
  const signed = doctorKey(signature)
  const named = doctorKey(header)
  if (signed === named || named.includes(signed)) return true
  const parts = new Set(nameParts(header))
  return nameParts(signature).every((part) => parts.has(part))
}

function sharesAName(signature: string, header: string): boolean {
  const parts = new Set(nameParts(header))
  return nameParts(signature).some((part) => parts.has(part))
}

/** The reply's signature names the doctor differently from its header. */
export function doctorSignatureDiffers(thread: ThreadText): Finding[] {
  return thread.replies.flatMap((reply, index): Finding[] => {
    const header = reply.doctor
    const signed = header ? signatureName(reply.body) : undefined
    if (!header || !signed || agrees(signed, header)) return []
    const quotedName = excerpt(`Dr. ${signed}`)
    const spelling = sharesAName(signed, header)
    return [
      {
        code: 'doctorSignatureDiffers',
        on: index,
        message: spelling
          ? `${sentence(replyName(header))} is signed ${quotedName}, spelt differently from ` +
            `the header. The spelling was kept as an alias of Dr. ${header}; check it is the ` +
            'same doctor.'
          : `${sentence(replyName(header))} is signed ${quotedName}, another name than the ` +
            "header's. Check who wrote the reply and choose that doctor.",
        detail: {excerpt: quotedName},
        ...(spelling ? {alias: signed} : {}),
      },
    ]
  })
}
