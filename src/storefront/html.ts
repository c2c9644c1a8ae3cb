/**
 * HTML escaping by construction: every value interpolated into an `html`
 * template is escaped unless it is itself SafeHtml (the result of another
 * `html` template, or of `trusted()` for markup this code wrote). A product
 * named `<img src=x onerror=alert(1)>` renders as text.
 *
 * Attribute values must be quoted in templates (`href="${url}"`): escaping
 * quotes then keeps a value inside its attribute.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[]

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!)
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new SafeHtml(out)
}

/** Markup written by this code base (never user or API data) that must not be escaped. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup)
}

/** A query string from the set values only, for links: `?q=boots&sort=price_asc`. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v))
  const s = search.toString()
  return s ? `?${s}` : ''
}
