import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

// Where the embedded lake keeps its data and how it is reached. Flags win over environment
// variables, which win over defaults; everything is documented in the README.

export const DEFAULT_PORT = 3400
export const DEFAULT_DATASET = 'production'
export const LOCAL_PROJECT_ID = 'local'

export interface LakeSettings {
  dataDir: string
  port: number
  host: string
  dataset: string
}

export function lakeSettings(
  flags: {dataDir?: string; port?: number; dataset?: string} = {},
  env = process.env,
): LakeSettings {
  return {
    dataDir: resolve(flags.dataDir ?? env.LAKE_DATA_DIR ?? '.data'),
    port: flags.port ?? (env.LAKE_PORT ? Number(env.LAKE_PORT) : DEFAULT_PORT),
    host: env.LAKE_HOST ?? '127.0.0.1',
    dataset: flags.dataset ?? env.SANITY_DATASET ?? DEFAULT_DATASET,
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
    mkdirSync(dataDir, {recursive: true})
    const token = `lake${randomBytes(24).toString('base64url')}`
    writeFileSync(path, `${token}\n`, {mode: 0o600, flag: 'wx'})
    return token
  }
}
