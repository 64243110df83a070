// The typed query layer: one client factory, fetch functions that each take a client, the
// Portable Text renderer and the cursor helpers. Queries themselves live in their modules.

export {createQueryClient, PUBLISHED_ONLY, type QueryClientConfig} from './client.ts'
export {
  type Cursor,
  CursorError,
  decodeCursor,
  encodeCursor,
  type Page,
  type PageOptions,
} from './cursor.ts'
export {type DoctorPage, fetchDoctorPage} from './doctors.ts'
export {safeHref} from '../domain/links.ts'
export {excerptOf, renderPortableText} from './portableText.ts'
export {MAX_SEARCH_TERMS, searchQuestions, type SearchResult, searchTerms} from './search.ts'
export {
  fetchSpecialties,
  fetchSpecialtyPage,
  type SpecialtyIndex,
  type SpecialtyPage,
} from './specialties.ts'
export {fetchTagPage, type TagPage} from './tags.ts'
export {DEFAULT_SIMILAR_LIMIT, fetchSimilarThreads, fetchThread, type Thread} from './threads.ts'
