import {excerpt} from './text.ts'
import type {Finding, QuestionSummary, ThreadText} from './types.ts'

// The same asker asking the same question twice (a double post, or one thread scraped under two
// URLs). Of the questions that repeat each other, the first asked (then the lowest id) is the
// original and the others are flagged, whichever order an import meets them in.

function precedes(a: QuestionSummary, b: QuestionSummary): boolean {
  const [dateA, dateB] = [a.askedAt ?? '', b.askedAt ?? '']
  return dateA === dateB ? a.id < b.id : dateA < dateB
}

/** This question repeats an earlier one of `thread.sameQuestion`. */
export function duplicateQuestion(
  thread: Pick<ThreadText, 'questionId' | 'askedAt' | 'sameQuestion'>,
): Finding[] {
  const {questionId} = thread
  if (!questionId || !thread.sameQuestion) return []
  const self: QuestionSummary = {
    id: questionId,
    ...(thread.askedAt ? {askedAt: thread.askedAt} : {}),
  }
  const original = thread.sameQuestion
    .filter((other) => other.id !== questionId)
    .reduce<QuestionSummary>((first, other) => (precedes(other, first) ? other : first), self)
  if (original === self) return []
  const title = original.title ? excerpt(original.title) : original.id
  return [
    {
      code: 'duplicateQuestion',
      on: 'question',
      message:
        `The same asker asked the same question in ${title}` +
        `${original.askedAt ? ` (${original.askedAt})` : ''}. Keep one thread: archive this one, ` +
        'or dismiss the flag if both belong in the archive.',
      detail: {duplicateOf: original.id},
    },
  ]
}
