import {openFlagCount} from '../../domain/quality/flags.ts'

/** Open import flags deserve a look before publishing: a warning, never a block. */
export function noOpenFlags(value: unknown) {
  const count = openFlagCount(value)
  if (count === 0) return true
  const flags = count === 1 ? 'One import flag is' : `${count} import flags are`
  return `${flags} open (top of the form). Fix the text, or dismiss a flag that is wrong.`
}
