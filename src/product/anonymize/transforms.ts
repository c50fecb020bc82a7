// The per-field transforms a policy may ask for, as JSON objects
// (`{"action":"mask","show_last":4}`), checked and normalized here, and their
// strictness order, which decides which layer's transform a field gets.
//
// Strictness, weakest to strongest, with the tie-breaks within a tier:
//   keep < mask < noise < generalize < tokenize < hash < redact < drop
// The tiers are drop > redact > hash/tokenize > generalize/noise >
// mask > keep. Inside a tier we pick one deterministically: generalize over
// noise (it never discloses a precise-looking value and applies to every
// type), hash over tokenize (full-length HMAC). Two transforms of the same
// action keep whichever discloses less (see `stricterSameAction`).

import { MeshgateError } from '../../errors/index.js'

export type Transform =
  | { action: 'keep' }
  | { action: 'mask'; show_first: number; show_last: number; char: string }
  | { action: 'hash' }
  | { action: 'tokenize' }
  | { action: 'redact' }
  | { action: 'drop' }
  | { action: 'generalize'; to?: 'year' | 'month'; width?: number; prefix?: number }
  | { action: 'noise'; epsilon: number; sensitivity: number }

export type Action = Transform['action']

export const STRICTNESS: Record<Action, number> = {
  keep: 0,
  mask: 1,
  noise: 2,
  generalize: 3,
  tokenize: 4,
  hash: 5,
  redact: 6,
  drop: 7,
}

/** Checks a transform as a policy wrote it; a bare string is shorthand for `{action}`. */
export function parseTransform(raw: unknown, where: string): Transform {
  const t = (typeof raw === 'string' ? { action: raw } : raw) as Record<string, unknown> | null
  if (typeof t !== 'object' || t === null || Array.isArray(t) || typeof t.action !== 'string') {
    throw bad(`${where}: a transform must be an object with an \`action\``, raw)
  }
  const nonNegInt = (k: string): number => {
    const v = t[k] ?? 0
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`${where}: \`${k}\` must be a non-negative integer`, raw)
    return v
  }
  switch (t.action) {
    case 'keep':
    case 'hash':
    case 'tokenize':
    case 'redact':
    case 'drop':
      return { action: t.action }
    case 'mask': {
      const char = t.char ?? '*'
      if (typeof char !== 'string' || [...char].length !== 1) throw bad(`${where}: \`char\` must be one character`, raw)
      return { action: 'mask', show_first: nonNegInt('show_first'), show_last: nonNegInt('show_last'), char }
    }
    case 'generalize': {
      const out: Transform = { action: 'generalize' }
      if (t.to !== undefined) {
        if (t.to !== 'year' && t.to !== 'month') throw bad(`${where}: \`to\` must be \`year\` or \`month\``, raw)
        out.to = t.to
      }
      if (t.width !== undefined) {
        if (typeof t.width !== 'number' || !(t.width > 0) || !Number.isFinite(t.width)) throw bad(`${where}: \`width\` must be a positive number`, raw)
        out.width = t.width
      }
      if (t.prefix !== undefined) out.prefix = nonNegInt('prefix')
      if (out.to === undefined && out.width === undefined && out.prefix === undefined) {
        throw bad(`${where}: generalize needs \`to\`, \`width\` or \`prefix\``, raw)
      }
      return out
    }
    case 'noise': {
      const epsilon = t.epsilon,
        sensitivity = t.sensitivity ?? 1
      if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw bad(`${where}: noise needs a positive \`epsilon\``, raw)
      if (typeof sensitivity !== 'number' || !(sensitivity > 0) || !Number.isFinite(sensitivity))
        throw bad(`${where}: \`sensitivity\` must be a positive number`, raw)
      return { action: 'noise', epsilon, sensitivity }
    }
    default:
      throw bad(`${where}: unknown action \`${t.action}\``, raw)
  }
}

function bad(message: string, raw: unknown): MeshgateError {
  return new MeshgateError('anonymize_rule_error', message, undefined, {
    transform: raw,
    hint: 'actions: keep, mask, hash, tokenize, redact, drop, generalize, noise (docs/policy-contract.md)',
  })
}

/** The stricter of two transforms (the first on a tie, so the result is stable). */
export function stricter(a: Transform, b: Transform): Transform {
  const ra = STRICTNESS[a.action],
    rb = STRICTNESS[b.action]
  if (ra !== rb) return ra > rb ? a : b
  return stricterSameAction(a, b)
}

function stricterSameAction(a: Transform, b: Transform): Transform {
  if (a.action === 'mask' && b.action === 'mask') {
    // Reveals fewer characters; merging would be stricter still, so do that.
    return { action: 'mask', show_first: Math.min(a.show_first, b.show_first), show_last: Math.min(a.show_last, b.show_last), char: a.char }
  }
  if (a.action === 'generalize' && b.action === 'generalize') return stricterGeneralize(a, b)
  if (a.action === 'noise' && b.action === 'noise') {
    // Larger Laplace scale b = sensitivity / epsilon is more noise.
    return b.sensitivity / b.epsilon > a.sensitivity / a.epsilon ? b : a
  }
  return a
}

type Generalize = Extract<Transform, { action: 'generalize' }>

/**
 * Two generalizations merged into one that discloses no more than either.
 * A dimension is what one type of value keeps (`to`: date strings, `width`:
 * numbers, `prefix`: other strings); a rule without it sends that type as
 * null, which is stricter than any setting. So a dimension survives only when
 * both rules have it, at the coarser setting. `to` turns a date into its
 * first 4 (year) or 7 (month) characters, so when only one rule has `to` the
 * date falls to the merged `prefix`, capped at that length. With no dimension
 * left nothing is kept: the merge is `redact`.
 */
function stricterGeneralize(a: Generalize, b: Generalize): Transform {
  const out: Generalize = { action: 'generalize' }
  if (a.to && b.to) out.to = a.to === 'year' || b.to === 'year' ? 'year' : 'month'
  if (a.width !== undefined && b.width !== undefined) out.width = Math.max(a.width, b.width)
  if (a.prefix !== undefined && b.prefix !== undefined) {
    let prefix = Math.min(a.prefix, b.prefix)
    const lone = out.to === undefined ? (a.to ?? b.to) : undefined
    if (lone) prefix = Math.min(prefix, lone === 'year' ? 4 : 7)
    out.prefix = prefix
  }
  if (out.to === undefined && out.width === undefined && out.prefix === undefined) return { action: 'redact' }
  return out
}
