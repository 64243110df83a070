// Privacy rules for the archive: one home for what counts as personal data in a thread and how
// it is masked. Used by the importer, the scrub-asker-pii migration and Studio validation.

export {privateLinkTarget, scrubBlocks} from './blocks.ts'
export {
  nameKey,
  NO_CONTEXT,
  privacyContext,
  type NameToken,
  type PrivacyContext,
  type PrivacyContextInput,
} from './context.ts'
export {DETECTORS, findPersonalData, type PersonalData} from './detect.ts'
export {EMAIL_REMOVED} from './email.ts'
export {CONTACT_REMOVED} from './messenger.ts'
export {initialOf, initialOnly, looksLikeFullName, NAME_CONTEXTS} from './names.ts'
export {PHONE_EVIDENCE, PHONE_GUARDS, PHONE_REMOVED} from './phone.ts'
export type {PrivacyCategory} from './scan.ts'
export {
  findContactDetails,
  scrubStrings,
  scrubText,
  type ContactDetails,
  type Mask,
  type Scrubbed,
} from './scrub.ts'
export {LINK_REMOVED} from './url.ts'
