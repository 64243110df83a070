// Text read from archives or documents (titles, URLs, file names) reaches terminals, reports and
// editors' flag messages; control and invisible formatting characters are shown, never obeyed.

const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu

function escapeChar(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`
}

/** Text with control and invisible formatting characters written as `\uXXXX` escapes. */
export function printable(text: string): string {
  return text.replace(INVISIBLE, escapeChar)
}
