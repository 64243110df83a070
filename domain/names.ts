// Name and title normalising shared by the importer, migrations and the Studio (no Node APIs, so
// the Studio bundle can use it): the same doctor spelled two ways is one doctor everywhere.

function foldDiacritics(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '')
}

/** Lowercase, accent-free words joined by "-"; letters of any script are kept. */
export function slugify(text: string, maxLength = 80): string {
  const slug = foldDiacritics(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
  return slug.slice(0, maxLength).replace(/-+$/, '')
}

/** Title key for matching "Similar Q&A" titles to questions: case, accents, punctuation ignored. */
export function titleKey(title: string): string {
  return foldDiacritics(title)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

// "Dr." may run into the name ("Dr.Lan"); without a dot a space must follow, so "Drake" stays.
const DOCTOR_PREFIX = /^\s*(?:dr|doctor|prof|professor)(?:\.\s*|\s+)/i

/** The doctor's name as shown without the "Dr." prefix, spacing tidied. */
export function doctorDisplayName(raw: string): string {
  return raw.replace(DOCTOR_PREFIX, '').replace(/\s+/g, ' ').trim()
}

/**
 * Identity of a doctor's name: prefix, case, accents, spacing, hyphens and apostrophes ignored,
 * so "Dr. Lan Shengxing", "LAN Sheng-xing" and "Lan Sheng Xing" are the same doctor.
 */
export function doctorKey(raw: string): string {
  return foldDiacritics(doctorDisplayName(raw))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '')
}
