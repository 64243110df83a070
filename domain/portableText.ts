import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'

// Portable Text as plain text, one rule for Studio validation, the importer's quality checks, the
// similar-thread engine and the preview site (no Node APIs, so the Studio bundle can use it).

/**
 * Plain text of a Portable Text value as stored (non-block items ignored); tolerant of the loosely
 * typed values Studio hands to rules.
 */
export function plainText(value: unknown): string {
  if (!Array.isArray(value)) return ''
  const blocks = value.filter(
    (item): item is PortableTextBlock =>
      typeof item === 'object' && item !== null && '_type' in item && item._type === 'block',
  )
  return toPlainText(blocks)
}

export function isBlank(value: unknown): boolean {
  return plainText(value).trim().length === 0
}
