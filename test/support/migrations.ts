import type {SanityClient, SanityDocument} from '@sanity/client'
import {
  collectMigrationMutations,
  type Migration,
  type Mutation,
  type Transaction,
} from 'sanity/migrate'
import {migrationContext} from '../../migrator/context.ts'
import {migrationDocuments} from '../../migrator/documents.ts'
import {encodeMutations} from '../../migrator/run.ts'

// Migration tests: fixture documents go into an embedded lake, the migration's mutations are
// collected with `collectMigrationMutations` (as `sanity migration run` collects them), applied
// through @sanity/client, and the documents read back.

/** What one step of the migration yielded: mutations for one document, or a transaction. */
export type Yielded = (Mutation | Transaction)[]

export async function seed(
  client: SanityClient,
  documents: {_id: string; _type: string; [field: string]: unknown}[],
) {
  const transaction = client.transaction()
  for (const document of documents) transaction.createOrReplace(document)
  await transaction.commit({visibility: 'sync'})
}

/** Every yield of the migration over the dataset's current documents (a dry run). */
export async function collect(client: SanityClient, migration: Migration): Promise<Yielded[]> {
  const yielded: Yielded[] = []
  const documents = migrationDocuments(client, migration)
  const context = migrationContext(client, migration, {dryRun: true})
  for await (const step of collectMigrationMutations(migration, documents, context)) {
    yielded.push([step].flat())
  }
  return yielded
}

/** The transactions the steps make: one per yielded transaction, one per other step. */
export function transactionsOf(steps: Yielded[]): Mutation[][] {
  return steps.flatMap((step) => {
    const loose = step.flatMap((item) => (item.type === 'transaction' ? [] : [item]))
    const grouped = step.flatMap((item) => (item.type === 'transaction' ? [item.mutations] : []))
    return [...(loose.length > 0 ? [loose] : []), ...grouped]
  })
}

/** Commits the steps' mutations, each transaction as one. */
export async function apply(client: SanityClient, steps: Yielded[]) {
  for (const mutations of transactionsOf(steps)) {
    await client.mutate(encodeMutations(mutations), {visibility: 'sync', returnDocuments: false})
  }
}

/** Collects and applies the migration once; returns what it yielded. */
export async function migrate(client: SanityClient, migration: Migration): Promise<Yielded[]> {
  const steps = await collect(client, migration)
  await apply(client, steps)
  return steps
}

/** Documents by id (drafts too), in id order; ids that do not exist are left out. */
export function read(client: SanityClient, ids: string[]): Promise<SanityDocument[]> {
  return client.fetch('*[_id in $ids] | order(_id asc)', {ids}, {perspective: 'raw'})
}

export async function readOne(client: SanityClient, id: string): Promise<SanityDocument> {
  const [document] = await read(client, [id])
  if (!document) throw new Error(`Expected document ${id} to exist`)
  return document
}
