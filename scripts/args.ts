import {parseArgs, type ParseArgsConfig} from 'node:util'

/** The error codes parseArgs throws for what a user typed (not for a wrong config). */
const USER_ERRORS = new Set([
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
])

/**
 * parseArgs for a command, with `--help` / `-h` (the usage on stdout, exit 0): a mistyped option
 * ends the command with the mistake and the usage on stderr and exit code 2, not a stack trace.
 * Node's message goes on to explain `--` for positionals that start with a dash, which under
 * `npm run x -- …` only confuses: it is cut.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string) {
  try {
    const parsed = parseArgs({
      ...config,
      options: {...config.options, help: {type: 'boolean', short: 'h'}},
    })
    if ((parsed.values as Record<string, unknown>).help === true) {
      console.log(usage)
      process.exit(0)
    }
    return parseArgs(config)
  } catch (error) {
    const code = (error as {code?: unknown}).code
    if (typeof code !== 'string' || !USER_ERRORS.has(code)) throw error
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.')
    console.error(`${message}\n\n${usage}`)
    process.exit(2)
  }
}
