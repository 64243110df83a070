// One way to make HTML: the `html` tagged template. Every interpolated value is escaped unless it
// is already `Html` (another template's output, or `trustedHtml` for the Portable Text
// renderer's output, which escapes on its own). Arrays are joined; null, undefined and false
// render nothing.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character)
}

export class Html {
  readonly markup: string
  constructor(markup: string) {
    this.markup = markup
  }
  toString(): string {
    return this.markup
  }
}

export type Interpolation = Html | string | number | null | undefined | false | Interpolation[]

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.markup
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let markup = strings[0] ?? ''
  values.forEach((value, index) => {
    markup += render(value) + (strings[index + 1] ?? '')
  })
  return new Html(markup)
}

/** Marks markup as safe without escaping: only for `renderPortableText` output. */
export function trustedHtml(markup: string): Html {
  return new Html(markup)
}
