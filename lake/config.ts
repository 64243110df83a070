import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {parseOrigins} from './guard.ts'
import {DEFAULT_QUERY_TIMEOUT_MS} from './query.ts'
import {DEFAULT_CACHE_MB, DEFAULT_HISTORY_DAYS} from './storage.ts'

// Where the embedded lake keeps its data and how it is reached. Flags win over environment
// variables, which win over defaults; everything is documented in the README.

const DEFAULT_PORT = 3400
const DEFAULT_DATASET = 'production'

export interface LakeSettings {
  dataDir: string
  port: number
  host: string
  dataset: string
  /** Time limit of one query, in milliseconds. */
  queryTimeoutMs: number
  /** Browser origins allowed to call the API besides the lake's own Studio. */
  corsOrigins: string[]
  /** Host names answered besides loopback ones (for a lake reached by another name). */
  allowedHosts: string[]
  /** Days history keeps a compacted transaction log after its last write; 0 keeps none. */
  historyDays: number
  /** Megabytes of document JSON kept parsed in memory; the rest is read from disk when needed. */
  cacheMegabytes: number
  /** The name a sign-in link without `--name` signs in under (changes in history show it). */
  editorName?: string
}

function positiveNumber(name: string, value: string): number {
  const number = Number(value)
  if (!Number.isFinite(number) || number <= 0) throw new Error(`${name} must be a positive number`)
  return number
}

function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new Error(`${name} must be a whole number of days`)
  return Number(value)
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

export function lakeSettings(
  flags: {dataDir?: string; port?: number; dataset?: string; queryTimeoutMs?: number} = {},
  env = process.env,
): LakeSettings {
  return {
    dataDir: resolve(flags.dataDir ?? env.LAKE_DATA_DIR ?? '.data'),
    port: flags.port ?? (env.LAKE_PORT ? Number(env.LAKE_PORT) : DEFAULT_PORT),
    host: env.LAKE_HOST ?? '127.0.0.1',
    dataset: flags.dataset ?? env.SANITY_DATASET ?? DEFAULT_DATASET,
    queryTimeoutMs:
      flags.queryTimeoutMs ??
      (env.LAKE_QUERY_TIMEOUT_MS
        ? positiveNumber('LAKE_QUERY_TIMEOUT_MS', env.LAKE_QUERY_TIMEOUT_MS)
        : DEFAULT_QUERY_TIMEOUT_MS),
    corsOrigins: parseOrigins(env.LAKE_CORS_ORIGINS),
    allowedHosts: list(env.LAKE_ALLOWED_HOSTS),
    historyDays: env.LAKE_HISTORY_DAYS
      ? wholeNumber('LAKE_HISTORY_DAYS', env.LAKE_HISTORY_DAYS)
      : DEFAULT_HISTORY_DAYS,
    cacheMegabytes: env.LAKE_CACHE_MB
      ? positiveNumber('LAKE_CACHE_MB', env.LAKE_CACHE_MB)
      : DEFAULT_CACHE_MB,
    ...(env.LAKE_EDITOR_NAME?.trim() ? {editorName: env.LAKE_EDITOR_NAME.trim()} : {}),
  }
}

/** The server options a settings object decides besides where to listen. */
export function guardOptions(settings: LakeSettings) {
  return {
    queryTimeoutMs: settings.queryTimeoutMs,
    corsOrigins: settings.corsOrigins,
    allowedHosts: settings.allowedHosts,
    historyDays: settings.historyDays,
    cacheMegabytes: settings.cacheMegabytes,
    ...(settings.editorName ? {editorName: settings.editorName} : {}),
  }
}

/**
 * The lake's API token: `LAKE_TOKEN` if set, otherwise one generated on first use and kept in
 * `<dataDir>/token` (readable by the owner only), so local tools find it without configuration.
 */
export function lakeToken(dataDir: string, env = process.env): string {
  if (env.LAKE_TOKEN) return env.LAKE_TOKEN
  const path = join(dataDir, 'token')
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    mkdirSync(dataDir, {recursive: true, mode: 0o700})
    const token = `lake${randomBytes(24).toString('base64url')}`
    writeFileSync(path, `${token}\n`, {mode: 0o600, flag: 'wx'})
    return token
  }
}
