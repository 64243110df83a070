import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'

/** Plain text of a Portable Text value; tolerant of the loosely typed values Studio hands to rules. */
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
