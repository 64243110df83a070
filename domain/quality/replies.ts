import {excerpt, replyName, sentence} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// Replies that say nothing: empty, or one word ("Ok.", "Yes", "謝謝") where the source page
// lost the doctor's answer or the doctor only acknowledged the question.

// Scripts written without spaces: one "word" of them may be a whole sentence.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u
// Up to this many characters, a run of an unspaced script is one word ("好", "謝謝", "沒問題").
const UNSPACED_WORD = 3

function oneWord(body: string): string | undefined {
  const text = body.trim()
  if (!text || /\s/.test(text)) return undefined
  const letters = text.replace(/[^\p{L}\p{N}]/gu, '')
  if (!letters) return undefined
  return UNSPACED.test(letters) && [...letters].length > UNSPACED_WORD ? undefined : text
}

/** A reply without any text. */
export function emptyReply(thread: ThreadText): Finding[] {
  return thread.replies.flatMap((reply, index) =>
    reply.body.trim()
      ? []
      : [
          {
            code: 'emptyReply' as const,
            on: index,
            message:
              `${sentence(replyName(reply.doctor))} is empty. Copy the doctor's answer from the ` +
              'source page, or delete the reply.',
          },
        ],
  )
}

/** A reply of a single word. */
export function oneWordReply(thread: ThreadText): Finding[] {
  return thread.replies.flatMap((reply, index) => {
    const word = oneWord(reply.body)
    if (word === undefined) return []
    const quotedWord = excerpt(word)
    return [
      {
        code: 'oneWordReply' as const,
        on: index,
        message:
          `${sentence(replyName(reply.doctor))} is the single word ${quotedWord} Check the ` +
          "source page for the doctor's full answer, or archive the reply if there is none.",
        detail: {excerpt: quotedWord},
      },
    ]
  })
}
