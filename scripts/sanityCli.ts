import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Runs the project's Sanity CLI without telemetry; returns its stdout, exits on failure (printing its output). */
export function runSanity(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('sanity', args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: {...env, DO_NOT_TRACK: '1', SANITY_TELEMETRY_DISABLED: '1'},
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.error) throw result.error
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr)
    console.error(`sanity ${args.join(' ')} failed with exit code ${result.status}`)
    process.exit(result.status ?? 1)
  }
  return result.stdout
}
