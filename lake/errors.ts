// Errors carry the HTTP status and the JSON body Sanity's API would send, so the HTTP layer only
// serialises them and @sanity/client surfaces the same messages as against the hosted lake.

export class LakeError extends Error {
  readonly status: number
  readonly body: unknown

  constructor(status: number, body: unknown, message: string) {
    super(message)
    this.status = status
    this.body = body
  }
}

export interface MutationErrorItem {
  index: number
  id?: string
  type: string
  description: string
}

export function mutationError(items: MutationErrorItem[], status = 409): LakeError {
  const description = `The mutation(s) failed: ${items.map((item) => item.description).join('; ')}`
  return new LakeError(
    status,
    {
      error: {
        type: 'mutationError',
        description,
        items: items.map(({index, id, type, description: itemDescription}) => ({
          index,
          error: {type, description: itemDescription, ...(id ? {id} : {})},
        })),
      },
    },
    description,
  )
}

export function badRequest(description: string, type = 'validationError'): LakeError {
  return new LakeError(400, {error: {type, description}}, description)
}

export function queryParseError(query: string, description: string, start?: number, end?: number) {
  return new LakeError(
    400,
    {
      error: {
        type: 'queryParseError',
        description,
        query,
        ...(start === undefined ? {} : {start, end: end ?? start}),
      },
    },
    description,
  )
}

export function unauthorized(message: string): LakeError {
  return new LakeError(401, {statusCode: 401, error: 'Unauthorized', message}, message)
}

export function forbidden(message: string): LakeError {
  return new LakeError(403, {statusCode: 403, error: 'Forbidden', message}, message)
}

export function notFound(message: string): LakeError {
  return new LakeError(404, {statusCode: 404, error: 'Not Found', message}, message)
}
