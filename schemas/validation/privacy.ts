// Studio's privacy warnings use the archive's one set of privacy rules, domain/privacy. The
// names below are what importer/ and migrations/ import from here until they call it directly.

export {
  findContactDetails,
  initialOnly,
  looksLikeFullName,
  type ContactDetails,
} from '../../domain/privacy/index.ts'

/**
 * @deprecated The masking domain/privacy replaced, unchanged so the importer and the
 * scrub-asker-pii migration behave as their tests pin until they switch to `scrubText`.
 */
export {maskContactDetails, type MaskResult} from '../../domain/privacy/legacy.ts'
