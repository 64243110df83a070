import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {actionsToMutations} from './actions.ts'
import {History} from './history.ts'
import type {Dataset, ViewName} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {badRequest, notFound} from './errors.ts'
import {isPrivateId, isValidId} from './ids.ts'
import {type MutateOptions, planTransaction} from './mutations.ts'
import {runQuery} from './query.ts'
import {DatasetStorage, type StorageOptions} from './storage.ts'
import {TOOLS_ID} from './users.ts'

const DATASET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

export interface LakeOptions extends StorageOptions {
  /** Directory holding one sub-directory per dataset. */
  dataDir: string
  /** Describes this process in lock files ("npm run lake -- serve"). */
  command: string
}

export interface MutateRequest extends MutateOptions {
  dryRun?: boolean
  returnDocuments?: boolean
  /** Who commits (lake/users.ts); the command-line tools when not said. */
  author?: string
}

export interface MutateResponse {
  transactionId: string
  results: {id: string; operation: string; document?: LakeDocument | null}[]
}

/** The embedded Content Lake: datasets on disk, opened on first use. */
export class Lake {
  readonly options: LakeOptions
  /** Set by the HTTP server so lock files tell other processes where to reach this lake. */
  serverUrl: string | undefined
  private readonly open = new Map<string, Promise<DatasetStorage>>()

  constructor(options: LakeOptions) {
    this.options = options
  }

  storage(name: string): Promise<DatasetStorage> {
    if (!DATASET_NAME.test(name))
      throw notFound(
        `Dataset "${name}" not found: dataset names are lowercase letters, digits, "_" and "-"`,
      )
    let storage = this.open.get(name)
    if (!storage) {
      storage = DatasetStorage.open(
        join(this.options.dataDir, name),
        name,
        this.options.command,
        this.options,
      ).then((opened) => {
        if (this.serverUrl) opened.setServerUrl(this.serverUrl)
        return opened
      })
      this.open.set(name, storage)
      storage.catch(() => this.open.delete(name))
    }
    return storage
  }

  async query(
    name: string,
    query: string,
    params: Record<string, unknown>,
    perspective: ViewName,
    timeoutMs?: number,
  ) {
    const storage = await this.storage(name)
    return runQuery(storage.dataset, query, {
      params,
      perspective,
      ...(timeoutMs === undefined ? {} : {timeoutMs}),
    })
  }

  /** Whether the dataset is open or has data on disk (its transaction log or snapshot). */
  exists(name: string): boolean {
    if (!DATASET_NAME.test(name)) return false
    if (this.open.has(name)) return true
    const dir = join(this.options.dataDir, name)
    return existsSync(join(dir, 'transactions.log')) || existsSync(join(dir, 'snapshot.ndjson'))
  }

  /** Documents by id in request order; ids the caller may not read are reported as omitted. */
  async getDocuments(name: string, ids: string[], publicOnly: boolean) {
    const storage = await this.storage(name)
    const documents: LakeDocument[] = []
    const omitted: {id: string; reason: 'existence' | 'permission'}[] = []
    for (const id of ids) {
      if (!isValidId(id)) throw badRequest(`Invalid document id "${id}"`)
      if (publicOnly && isPrivateId(id)) {
        omitted.push({id, reason: 'permission'})
        continue
      }
      const document = storage.dataset.get(id)
      if (document) documents.push(document)
      else omitted.push({id, reason: 'existence'})
    }
    return {documents, omitted}
  }

  /** Commits Actions API actions (Studio's create/edit/publish/…) as one transaction. */
  act(name: string, actions: unknown, request: MutateRequest = {}): Promise<MutateResponse> {
    return this.commit(name, (dataset) => actionsToMutations(dataset, actions), request)
  }

  mutate(name: string, mutations: unknown, request: MutateRequest = {}): Promise<MutateResponse> {
    return this.commit(name, () => mutations, request)
  }

  /** Commits the mutations `resolve` derives from the state at commit time, all or nothing. */
  private async commit(
    name: string,
    resolve: (dataset: Dataset) => unknown,
    request: MutateRequest,
  ): Promise<MutateResponse> {
    const storage = await this.storage(name)
    const respond = (
      transactionId: string,
      results: {id: string; operation: string}[],
      find: (id: string) => LakeDocument | null,
    ) => ({
      transactionId,
      results: results.map((result) =>
        request.returnDocuments ? {...result, document: find(result.id)} : result,
      ),
    })
    if (request.dryRun) {
      const planned = await planTransaction(storage.dataset, resolve(storage.dataset), request)
      const after = new Map(planned.changes.map((change) => [change.id, change.after]))
      return respond(planned.id, planned.results, (id) => after.get(id) ?? null)
    }
    const {transaction, result} = await storage.commit(async (dataset) => {
      const mutations = resolve(dataset)
      const planned = await planTransaction(dataset, mutations, request)
      return {
        transaction: {
          id: planned.id,
          timestamp: planned.timestamp,
          author: request.author ?? TOOLS_ID,
          mutations: Array.isArray(mutations) ? mutations : [],
          changes: planned.changes,
        },
        result: planned.results,
      }
    })
    return respond(transaction.id, result, (id) => storage.dataset.get(id) ?? null)
  }

  /** All documents of a dataset, drafts included, in a stable order (for export). */
  async *exportDocuments(name: string): AsyncGenerator<LakeDocument> {
    const storage = await this.storage(name)
    yield* storage.dataset.raw.documents()
  }

  /** The dataset's history, read from disk (empty when the lake keeps none). */
  async history(name: string): Promise<History> {
    const storage = await this.storage(name)
    return new History(storage.history, storage.dataset)
  }

  /** Datasets open now or present on disk. */
  datasets(): string[] {
    let onDisk: string[] = []
    try {
      onDisk = readdirSync(this.options.dataDir, {withFileTypes: true})
        .filter((entry) => entry.isDirectory() && this.exists(entry.name))
        .map((entry) => entry.name)
    } catch {
      onDisk = []
    }
    return [...new Set([...this.open.keys(), ...onDisk])].sort()
  }

  async close() {
    const storages = await Promise.allSettled(this.open.values())
    for (const storage of storages) if (storage.status === 'fulfilled') await storage.value.close()
    this.open.clear()
  }
}
