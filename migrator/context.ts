import {SanityClient} from '@sanity/client'
import {
  ALLOWED_PROPERTIES,
  type Migration,
  type MigrationContext,
  type RestrictedClient,
} from 'sanity/migrate'
import {selectedDocument, selectedDocuments} from './documents.ts'

// The context a migration receives, as `sanity migration run` builds it: a read-only client (the
// runner alone writes, so a dry run writes nothing) and the filtered documents by id.

const ALLOWED = new Set<string>(ALLOWED_PROPERTIES)

/**
 * The client with only Sanity's allowed migration methods; anything else throws when used.
 * @sanity/migrate types it with its own @sanity/client 8, whose class has private fields (so the
 * type is nominal); the project's client is 7.x with the same read API, hence one cast below.
 */
function restrict(client: SanityClient): SanityClient {
  return new Proxy(client, {
    get(target, property) {
      if (typeof property === 'symbol' || property === 'then') return Reflect.get(target, property)
      if (!ALLOWED.has(property)) {
        throw new Error(
          `Client method "${property}" can not be called during a migration. Only ${ALLOWED_PROPERTIES.join(', ')} are allowed.`,
        )
      }
      const value: unknown = Reflect.get(target, property)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args)
        return result instanceof SanityClient ? restrict(result) : result
      }
    },
  })
}

export function migrationContext(
  client: SanityClient,
  migration: Pick<Migration, 'documentTypes' | 'filter'>,
  {dryRun}: {dryRun: boolean},
): MigrationContext {
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  return {
    client: restrict(raw) as unknown as RestrictedClient,
    dryRun,
    filtered: {
      getDocuments: (ids) => selectedDocuments(raw, migration, ids),
      getDocument: (id) => selectedDocument(raw, migration, id),
    },
  }
}
