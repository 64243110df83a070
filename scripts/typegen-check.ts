// Regenerates schema.json and sanity.types.ts and fails if either changed: the committed types
// must match the schema and the queries. The regenerated files are left in place to commit.
import {readFileSync} from 'node:fs'
import {runSanity} from './sanityCli.ts'

const GENERATED = ['schema.json', 'sanity.types.ts']

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

const before = GENERATED.map(read)
runSanity(['schema', 'extract', '--path', 'schema.json', '--force'])
runSanity(['typegen', 'generate'])
const stale = GENERATED.filter((path, index) => read(path) !== before[index])
if (stale.length > 0) {
  console.error(
    `Out of date: ${stale.join(', ')}. They have been regenerated; review and commit them.`,
  )
  process.exit(1)
}
console.log(`Generated types are up to date (${GENERATED.join(', ')}).`)
