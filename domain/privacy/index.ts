// Privacy rules for the archive: one home for what counts as personal data in a thread and how
// it is masked. Used by the importer, the scrub-asker-pii migration and Studio validation.

export {privateLinkTarget, scrubBlocks} from './blocks.ts'
export {NO_CONTEXT, privacyContext, type PrivacyContext} from './context.ts'
export {findPersonalData} from './detect.ts'
export {initialOnly, looksLikeFullName, NAME_CONTEXTS} from './names.ts'
export type {PrivacyCategory} from './scan.ts'
export {findContactDetails, scrubStrings, scrubText, type Mask} from './scrub.ts'
