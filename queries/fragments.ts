// Projection fragments shared by the query modules. Plain strings (not queries): typegen inlines
// them where a `defineQuery` template uses them.

/**
 * Questions and replies the public site shows: everything published except what editors
 * archived (a filter, not a projection).
 */
export const listedFilter = /* groq */ `status != "archived"`

/** A specialty or FAQ tag as a link: its name and slug. */
export const linkFields = /* groq */ `name, "slug": slug.current`

/** A reply readers see: published (no draft or release version) and not archived. */
export const listedReplyFilter = /* groq */ `
  _type == "reply" && ${listedFilter} &&
  !(_id in path("drafts.**")) && !(_id in path("versions.**"))
`

/**
 * How many replies a question (`^`) shows readers. Derived on every read, so no edit path can
 * leave it stale; the lake answers `question._ref == ^._id` from its value index, one lookup per
 * question. The Studio's lists read a stored copy (counts/).
 */
export const listedReplyCount = /* groq */ `count(*[${listedReplyFilter} && question._ref == ^._id])`

/** A question in a list: enough for a title link, an excerpt and a meta line. */
export const questionListFields = /* groq */ `
  _id,
  title,
  "slug": slug.current,
  shortTitle,
  askedAt,
  "replyCount": ${listedReplyCount},
  "excerpt": pt::text(body),
  "specialty": specialty->{${linkFields}}
`

/**
 * Keyset filter (not a projection) for question lists in
 * `order(coalesce(askedAt, "") desc, _id desc)`: everything after the cursor (`$lastDate`,
 * `$lastId`), or everything when `$lastId` is null. Undated questions sort last, under "", instead
 * of dropping out of the comparison.
 */
export const questionAfterCursorFilter = /* groq */ `(
  !defined($lastId) ||
  coalesce(askedAt, "") < $lastDate ||
  (coalesce(askedAt, "") == $lastDate && _id < $lastId)
)`
