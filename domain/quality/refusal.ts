import {comparable, excerpt, listOf, questionFields, replyName, sentence, squeeze} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// A machine-translation tool that answered instead of translating leaves its own words in the
// archive: a refusal ("I'm sorry, but I can't assist with that.") or a request for input
// ("Please provide the text you would like translated"). Patients apologise too ("I'm sorry, but
// I can't sleep"), so each pattern needs the tool's object: "with that", "request", "translat…".

const REFUSALS = [
  /\bi(?:'m| am) sorry,? (?:but )?i (?:can't|cannot|can not|am unable to|am not able to|won't be able to) (?:assist|help|comply)(?: you)? with (?:that|this|your request|the request|that request|this request)\b/i,
  /\bi (?:can't|cannot|am unable to|am not able to) (?:assist|help) with (?:that|this|your) request\b/i,
  /\bi (?:can't|cannot|am unable to) (?:fulfil|fulfill|complete|process) (?:that|this|your) request\b/i,
  /\bi (?:can't|cannot|am unable to) (?:provide|produce|give you) (?:a |the |that |this )?translation\b/i,
  /\bas an ai(?: language model| assistant)?\b/i,
  /抱歉[，,]?\s*(?:但)?我(?:無法|无法|不能)(?:協助|协助|幫助|帮助|提供)/u,
]

const PROMPTS = [
  /\bplease (?:provide|share|paste|send|enter|give me) (?:the|your) (?:text|content|passage|sentence|message|paragraph)s?\b[^.?!\n]{0,40}\btranslat/i,
  /\b(?:could|can|would) you (?:please )?(?:provide|share|paste|send) (?:the|your|some) (?:text|content|passage)\b[^.?!\n]{0,40}\btranslat/i,
  /\bit (?:seems|looks) like (?:you (?:haven't|have not|didn't|did not) (?:provided|included|pasted|entered|provide|include|paste|enter)|your (?:message|text) (?:is|was|got) (?:incomplete|empty|cut off))\b/i,
  /\bthere (?:is|was) no (?:text|content) (?:to translate|provided)\b/i,
  /\bi'd be (?:happy|glad) to help (?:you )?(?:with )?(?:the |your |a )?translat/i,
  /^(?:sure|certainly|of course)[!,.]? (?:here(?:'s| is) (?:the|your) translat|please (?:provide|share|paste))/i,
  /^here(?:'s| is) the translat(?:ion|ed text)\b/i,
  /請?提供[^。！？\n]{0,12}(?:翻譯|翻译)/u,
]

// A tool's words open or close a field; the middle of a long text is the asker's.
const EDGE = 2_000

function leftOver(text: string): RegExpExecArray | undefined {
  const plain = squeeze(comparable(text))
  const edges = plain.length > EDGE * 2 ? [plain.slice(0, EDGE), plain.slice(-EDGE)] : [plain]
  for (const edge of edges)
    for (const pattern of [...REFUSALS, ...PROMPTS]) {
      const match = pattern.exec(edge)
      if (match) return match
    }
  return undefined
}

function findingOn(
  on: Finding['on'],
  places: string,
  found: RegExpExecArray,
  replacement: string,
): Finding {
  const quotedText = excerpt(found.input, found.index, found[0].length)
  return {
    code: 'machineTranslationRefusal',
    on,
    message:
      `${sentence(places)} holds a translation tool's answer instead of a translation: ` +
      `${quotedText}. Replace it with ${replacement} from the source page.`,
    detail: {excerpt: quotedText},
  }
}

/** Refusals and requests for input a translation tool left in the title, question or replies. */
export function machineTranslationRefusal(thread: ThreadText): Finding[] {
  const findings: Finding[] = []
  const hits = questionFields(thread).flatMap((field) => {
    const found = leftOver(field.text)
    return found ? [{name: field.name, found}] : []
  })
  const first = hits[0]
  if (first) {
    const places = listOf(hits.map((hit) => hit.name))
    findings.push(findingOn('question', places, first.found, 'the text'))
  }
  thread.replies.forEach((reply, index) => {
    const found = leftOver(reply.body)
    if (found)
      findings.push(findingOn(index, replyName(reply.doctor), found, "the doctor's answer"))
  })
  return findings
}
