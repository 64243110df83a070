import {evaluate, parse} from 'groq-js'

/** Ids of the documents a GROQ filter selects, evaluated by groq-js over `documents`. */
export async function idsMatching(
  documents: readonly object[],
  filter: string,
  params: Record<string, unknown> = {},
): Promise<string[]> {
  const value = await evaluate(parse(`*[${filter}]._id`), {dataset: documents, params})
  const ids: unknown = await value.get()
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string').sort() : []
}
