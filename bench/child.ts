import {spawn} from 'node:child_process'

// Measurements that must not share the benchmark's process (its memory, its event loop) run as a
// script in a child process of the same Node binary: the input as JSON in argv, one JSON line out.

export function runInChild<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    // With this process's Node flags (package.json gives the lake's processes a smaller young
    // generation): the child measures what `npm run` runs.
    const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with code ${code}`))
      else resolve(JSON.parse(output) as T)
    })
  })
}
