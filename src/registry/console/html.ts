// HTML for the governance console: one escaping function and one tagged
// template that applies it to every value a page interpolates. Decision
// events and sidecar labels are attacker-controlled text (the input of a
// denied request is whatever the attacker sent), so nothing reaches a page
// unescaped: `html` escapes every `${…}` unless it is already `Html` made by
// `html` itself, and there is no other way to make `Html` (no "raw"). Every
// attribute in the templates is double-quoted, so the same escaping is right
// in text and in attribute values; URLs are only ever built by the console
// (`href`), never taken from an event, and their parameters are
// percent-encoded first (`url`).

/** Markup made by `html`: safe to put into a page as is. */
export class Html {
  /** @internal Only `html` makes one. */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text as HTML text or a quoted attribute value: `& < > " '` become entities. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[]

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return ''
  if (v instanceof Html) return v.text
  if (Array.isArray(v)) return (v as readonly Part[]).map(render).join('')
  return escapeHtml(v)
}

/** A template whose every interpolation is escaped (arrays are joined; null, undefined and false render as nothing). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new Html(out)
}

/**
 * A console URL: a fixed path under /console plus query parameters, each
 * percent-encoded (empty and undefined ones left out). The result is still
 * escaped where it is interpolated, as every value is.
 */
export function url(path: string, params: Record<string, string | number | undefined> = {}): string {
  if (!path.startsWith('/console')) throw new Error(`console links stay under /console, not \`${path}\``)
  const q = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
  return q.length ? `${path}?${q.join('&')}` : path
}
