import type {BlueprintDocumentFunctionResource, BlueprintResource} from '@sanity/blueprints'
import type {FunctionContext, ResourcesApi} from '@sanity/functions'
import {evaluate, parse} from 'groq-js'
import blueprint from '../../sanity.blueprint.ts'

// Sanity Functions offline: the blueprint's own resources, events made from committed changes
// the way the platform makes them (its filter decides whether the function runs, its projection
// is `event.data`; both delta GROQ, applied as `sanity functions test` applies them), and a
// context like the one a deployed function receives, pointed at an embedded lake.

const resources = blueprint().resources ?? []

function isDocumentFunction(
  resource: BlueprintResource,
): resource is BlueprintDocumentFunctionResource {
  return resource.type === 'sanity.function.document' && 'event' in resource
}

/** The document function `name` of sanity.blueprint.ts. */
export function blueprintFunction(name: string): BlueprintDocumentFunctionResource {
  const found = resources.find((resource) => resource.name === name)
  if (!found || !isDocumentFunction(found)) throw new Error(`No document function "${name}"`)
  return found
}

/** The rule the platform evaluates for a change: `*[filter]projection`, in delta mode. */
export function eventRule(resource: BlueprintDocumentFunctionResource): string {
  return `*[${resource.event.filter ?? ''}]${resource.event.projection ?? ''}`
}

/**
 * `event.data` for a committed change of one document (null before: created; null after:
 * deleted), or undefined when the function's filter passes the change over.
 */
export async function deliver(
  resource: BlueprintDocumentFunctionResource,
  before: object | null,
  after: object | null,
): Promise<unknown> {
  const document = after ?? before
  const result = await evaluate(parse(eventRule(resource), {mode: 'delta'}), {
    dataset: document ? [document] : [],
    before,
    after,
  })
  const matched: unknown = await result.get()
  return Array.isArray(matched) ? matched[0] : undefined
}

interface DescribedResource {
  id: string
  name: string
  type: string
}

function isFunction(
  resource: DescribedResource,
): resource is DescribedResource & {type: `sanity.function.${string}`} {
  return resource.type.startsWith('sanity.function.')
}

function resourcesApi(): ResourcesApi {
  const described: DescribedResource[] = resources.map((resource) => ({
    id: `offline-${resource.name}`,
    name: resource.name,
    type: resource.type,
  }))
  const byName = (name: string, prefix = '') =>
    described.find((resource) => resource.name === name && resource.type.startsWith(prefix))
  return Object.assign((name: string) => byName(name), {
    all: () => [...described],
    [Symbol.iterator]: () => described[Symbol.iterator](),
    cors: (name: string) => byName(name, 'sanity.project.cors'),
    dataset: (name: string) => byName(name, 'sanity.project.dataset'),
    function: (name: string) => described.filter(isFunction).find((r) => r.name === name),
    project: (name: string) => byName(name, 'sanity.project'),
    role: (name: string) => byName(name, 'sanity.access.role'),
    webhook: (name: string) => byName(name, 'sanity.project.webhook'),
  })
}

/** The context a deployed document function receives, for a dataset of a lake at `apiHost`. */
export function functionContext(options: {
  apiHost: string
  projectId: string
  dataset: string
  token: string
  functionName: string
}): FunctionContext {
  return {
    eventResourceType: 'dataset',
    eventResourceId: `${options.projectId}.${options.dataset}`,
    functionResourceType: 'function',
    functionResourceId: `offline-${options.functionName}`,
    clientOptions: {
      apiHost: options.apiHost,
      projectId: options.projectId,
      dataset: options.dataset,
      token: options.token,
    },
    resources: resourcesApi(),
  }
}
