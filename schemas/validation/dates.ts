// Dates are stored as ISO `YYYY-MM-DD` strings (Sanity `date` fields), so string order is date order.

/** Message when a reply is dated before the question it answers, otherwise undefined. */
export function replyDateProblem(replyDate: string | undefined, askDate: string | undefined) {
  if (!replyDate || !askDate) return undefined
  return replyDate < askDate
    ? `The reply date (${replyDate}) is before the question was asked (${askDate}). Check both dates.`
    : undefined
}

/** Message when a date lies after `today` (an ISO date), otherwise undefined. */
export function futureDateProblem(date: string | undefined, today: string) {
  if (!date) return undefined
  return date > today
    ? `The date ${date} is in the future. Enter the date it actually happened.`
    : undefined
}

export function todayIso(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10)
}
