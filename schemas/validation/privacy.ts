// Studio's privacy warnings use the archive's one set of privacy rules, domain/privacy.

export {findContactDetails, initialOnly, looksLikeFullName} from '../../domain/privacy/index.ts'
