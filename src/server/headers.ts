// Values the sidecar echoes into response headers come from outside: bundle
// revisions from whoever publishes a bundle, the subject from a token. Node
// refuses (throws on) header values with control characters or code points
// above U+00FF, which turned such a value into a 500 on every decision, and a
// CR/LF would split the header if it ever got through. Both helpers below
// produce printable ASCII only, in a form the reader can decode exactly.

/** JSON with every character outside printable ASCII as `\uXXXX`: the same value, safe in a header. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Text for a header value: `%` and every character outside printable ASCII
 * percent-encoded as UTF-8 (as in a URI component), so `decodeURIComponent`
 * gives the original back; printable ASCII without `%` passes unchanged.
 */
export function headerText(text: string): string {
  // encodeURIComponent throws on a lone surrogate; such a character becomes U+FFFD.
  const wellFormed = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
  return wellFormed.replace(/[^\x20-\x24\x26-\x7e]+/g, (s) => encodeURIComponent(s))
}
