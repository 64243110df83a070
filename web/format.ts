// Small text helpers for the pages: dates as the archive shows them, the asker line, and paths.

/** "2015-07-14" → "2015/07/14"; other values as given. */
export function displayDate(date: string | null | undefined): string {
  if (!date) return ''
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date)
  return match ? `${match[1]}/${match[2]}/${match[3]}` : date
}

export interface AskerLine {
  asker: {displayName: string | null; ageRange: string | null; gender: string | null} | null
  askedAt: string | null
}

/** "C., 20~29 year old female. Ask Date: 2015/07/14", leaving out whatever is not known. */
export function askerLine({asker, askedAt}: AskerLine): string {
  const gender = asker?.gender && asker.gender !== 'unknown' ? asker.gender : undefined
  const age = asker?.ageRange ? `${asker.ageRange} year old` : undefined
  const who = [age, gender].filter(Boolean).join(' ')
  const parts = [asker?.displayName, who].filter(Boolean).join(', ')
  const date = askedAt ? `Ask Date: ${displayDate(askedAt)}` : ''
  return [parts ? `${parts}.` : '', date].filter(Boolean).join(' ')
}

const path = (prefix: string) => (slug: string) => `/${prefix}/${encodeURIComponent(slug)}`

export const threadPath = path('threads')
export const specialtyPath = path('specialties')
export const tagPath = path('tags')
export const doctorPath = path('doctors')

/** Links to the first and next page of the list at `url`, keeping its `limit`. */
export function pageLinks(url: URL, nextCursor: string | null) {
  const limit = url.searchParams.get('limit')
  const withParams = (params: Record<string, string>) => {
    const query = new URLSearchParams(limit === null ? params : {limit, ...params}).toString()
    return query ? `${url.pathname}?${query}` : url.pathname
  }
  return {
    first: withParams({}),
    next: nextCursor === null ? null : withParams({cursor: nextCursor}),
    isFirst: !url.searchParams.has('cursor'),
  }
}
