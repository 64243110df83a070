// `sanity schema validate` exits 0 on warnings; the project accepts neither errors nor warnings.
import {runSanity} from './sanityCli.ts'

interface SchemaProblemGroup {
  path: {kind: string; name?: string}[]
  problems: {severity: 'error' | 'warning'; message: string}[]
}

const groups: SchemaProblemGroup[] = JSON.parse(
  runSanity(['schema', 'validate', '--format', 'json', '--level', 'warning']),
)
const problems = groups.flatMap((group) =>
  group.problems.map((problem) => ({
    ...problem,
    at: group.path.map((p) => p.name ?? p.kind).join('.'),
  })),
)
for (const problem of problems)
  console.error(`${problem.severity}: ${problem.at}: ${problem.message}`)
if (problems.length > 0) {
  console.error(`Schema validation: ${problems.length} problem(s). Fix them; warnings count too.`)
  process.exit(1)
}
console.log('Schema validation: 0 errors, 0 warnings')
