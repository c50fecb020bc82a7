#!/usr/bin/env node
// gen-unicode-tables.mjs — writes src/wasm/runtime/assembly/unicode-tables.ts,
// the tables the in-module regex engine (regex-parse.ts) reads for RE2's
// Unicode classes (\pL, \p{Greek}, \PN, \p{^Lu}) and for case folding under
// (?i): each class's code point ranges, and the simple case-folding orbits
// (k → K → K (Kelvin sign) → k), as Go's unicode.SimpleFold walks them.
// Everything is read from this Node's Unicode property escapes (\p{…} under
// the `u` flag, and `iu` matching for folding), so no Unicode data file is
// needed; the output is committed, so a build never depends on the local ICU,
// and test/wasm/runtime/regex-tables.test.ts checks that it is current.
//
//   node scripts/gen-unicode-tables.mjs

import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** General categories (two letters; the one-letter ones are their unions, as Go's tables are). */
const CATEGORIES = [
  'Cc',
  'Cf',
  'Cn',
  'Co',
  'Cs',
  'Ll',
  'Lm',
  'Lo',
  'Lt',
  'Lu',
  'Mc',
  'Me',
  'Mn',
  'Nd',
  'Nl',
  'No',
  'Pc',
  'Pd',
  'Pe',
  'Pf',
  'Pi',
  'Po',
  'Ps',
  'Sc',
  'Sk',
  'Sm',
  'So',
  'Zl',
  'Zp',
  'Zs',
]
const UNIONS = {
  C: ['Cc', 'Cf', 'Cn', 'Co', 'Cs'],
  L: ['Ll', 'Lm', 'Lo', 'Lt', 'Lu'],
  LC: ['Ll', 'Lt', 'Lu'],
  M: ['Mc', 'Me', 'Mn'],
  N: ['Nd', 'Nl', 'No'],
  P: ['Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps'],
  S: ['Sc', 'Sk', 'Sm', 'So'],
  Z: ['Zl', 'Zp', 'Zs'],
}

/** Binary properties the RE2 engine of meshgate's host implementation (re2js) accepts. */
const PROPERTIES = [
  'ASCII_Hex_Digit',
  'Alphabetic',
  'Dash',
  'Emoji',
  'Emoji_Component',
  'Emoji_Modifier',
  'Emoji_Modifier_Base',
  'Emoji_Presentation',
  'Extended_Pictographic',
  'Hex_Digit',
  'Lowercase',
  'Math',
  'Quotation_Mark',
  'Terminal_Punctuation',
  'Uppercase',
  'White_Space',
]

/** Script names as Go's unicode.Scripts spells them (Node accepts the same long names). */
const SCRIPTS =
  'Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Beria_Erfe Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Ol_Onal Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham Sidetic SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Sunuwar Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Tai_Yo Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Todhri Tolong_Siki Toto Tulu_Tigalari Ugaritic Unknown Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square'.split(
    ' ',
  )

const MAX = 0x10ffff

/** Every code point but the surrogates, as one string (a regexp walks it in one pass). */
function allText() {
  const parts = []
  for (let c = 0; c <= MAX; c++) if (c < 0xd800 || c > 0xdfff) parts.push(String.fromCodePoint(c))
  return parts.join('')
}

/** Sorted, merged [lo, hi] ranges of the code points the property escape `prop` matches. */
function rangesOf(text, prop) {
  const out = []
  const add = (lo, hi) => {
    const last = out[out.length - 1]
    if (last && last[1] + 1 >= lo) last[1] = Math.max(last[1], hi)
    else out.push([lo, hi])
  }
  const one = new RegExp(`^\\p{${prop}}$`, 'u')
  // surrogates are tested one by one; everything else in runs of one pass
  const re = new RegExp(`\\p{${prop}}+`, 'gu')
  const surrogates = []
  for (let c = 0xd800; c <= 0xdfff; c++) if (one.test(String.fromCharCode(c))) surrogates.push(c)
  let done = false
  for (const m of text.matchAll(re)) {
    const lo = m[0].codePointAt(0)
    const hi = Array.from(m[0].slice(-2)).pop().codePointAt(0)
    if (!done && lo > 0xdfff) {
      for (const s of surrogates) add(s, s)
      done = true
    }
    if (lo < 0xd800 && hi > 0xdfff) {
      add(lo, 0xd7ff)
      for (const s of surrogates) add(s, s)
      done = true
      add(0xe000, hi)
    } else add(lo, hi)
  }
  if (!done) for (const s of surrogates) add(s, s)
  return out
}

function union(lists) {
  const all = lists.flat().sort((a, b) => a[0] - b[0])
  const out = []
  for (const [lo, hi] of all) {
    const last = out[out.length - 1]
    if (last && last[1] + 1 >= lo) last[1] = Math.max(last[1], hi)
    else out.push([lo, hi])
  }
  return out
}

/** LEB128 bytes of each range as (gap from the previous range's end, length - 1). */
function encode(ranges) {
  const bytes = []
  const varint = (n) => {
    do {
      let b = n & 0x7f
      n >>>= 7
      if (n) b |= 0x80
      bytes.push(b)
    } while (n)
  }
  let prev = -1
  for (const [lo, hi] of ranges) {
    varint(lo - prev - 1)
    varint(hi - lo)
    prev = hi
  }
  return bytes
}

/**
 * The simple case-folding orbits: code points that match each other under
 * `iu` (Unicode simple case folding, as Go's SimpleFold), found through the
 * one-code-point lower/upper mappings and checked with the `iu` match.
 * Each member maps to the next larger member, the largest to the smallest.
 */
function foldNext() {
  const parent = new Map()
  const find = (x) => {
    while (parent.has(x) && parent.get(x) !== x) x = parent.get(x)
    return x
  }
  const link = (a, b) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb))
    if (!parent.has(Math.min(ra, rb))) parent.set(Math.min(ra, rb), Math.min(ra, rb))
  }
  const esc = (c) => `\\u{${c.toString(16)}}`
  for (let c = 0; c <= MAX; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue
    const s = String.fromCodePoint(c)
    for (const m of [s.toLowerCase(), s.toUpperCase()]) {
      const cps = Array.from(m)
      if (cps.length !== 1) continue
      const d = cps[0].codePointAt(0)
      if (d !== c && new RegExp(`^${esc(c)}$`, 'iu').test(cps[0])) link(c, d)
    }
  }
  const orbits = new Map()
  for (const c of parent.keys()) {
    const r = find(c)
    if (!orbits.has(r)) orbits.set(r, [])
    orbits.get(r).push(c)
  }
  const next = []
  for (const members of orbits.values()) {
    if (members.length < 2) continue
    members.sort((a, b) => a - b)
    members.forEach((c, i) => next.push([c, members[(i + 1) % members.length]]))
  }
  return next.sort((a, b) => a[0] - b[0])
}

/** Runs [start, count, deltaEven, deltaOdd]: start + k maps to start + k + (k even ? deltaEven : deltaOdd). */
function foldRuns(pairs) {
  const out = []
  let i = 0
  while (i < pairs.length) {
    const [c, to] = pairs[i]
    const d0 = to - c
    let n = 1
    let d1 = i + 1 < pairs.length && pairs[i + 1][0] === c + 1 ? pairs[i + 1][1] - pairs[i + 1][0] : d0
    while (i + n < pairs.length && pairs[i + n][0] === c + n && pairs[i + n][1] - pairs[i + n][0] === (n % 2 === 0 ? d0 : d1)) n++
    if (n === 1) d1 = d0
    out.push([c, n, d0, d1])
    i += n
  }
  return out
}

function rows(values, per) {
  const lines = []
  for (let i = 0; i < values.length; i += per) lines.push('  ' + values.slice(i, i + per).join(', ') + ',')
  return lines.join('\n')
}

export function generate() {
  const text = allText()
  const tables = new Map()
  for (const c of CATEGORIES) tables.set(c, rangesOf(text, `gc=${c}`))
  for (const [u, parts] of Object.entries(UNIONS)) tables.set(u, union(parts.map((p) => tables.get(p))))
  for (const p of PROPERTIES) tables.set(p, rangesOf(text, p))
  for (const s of SCRIPTS) tables.set(s, rangesOf(text, `Script=${s}`))
  const names = [...tables.keys()].sort()
  const index = []
  const data = []
  let nameBytes = ''
  for (const n of names) {
    const r = tables.get(n)
    index.push(nameBytes.length, n.length, data.length, r.length)
    nameBytes += n
    data.push(...encode(r))
  }
  const folds = foldRuns(foldNext())
  return `// unicode-tables.ts — GENERATED by scripts/gen-unicode-tables.mjs (Unicode ${process.versions.unicode}); do not edit.
// RE2's Unicode classes for the regex engine (regex-parse.ts): general
// categories, binary properties and scripts by name, and the simple
// case-folding orbits (?i) matches with.

/** ${names.length} class names, concatenated (ASCII). */
export const CLASS_NAMES = memory.data<u8>([
${rows(
  [...nameBytes].map((c) => c.charCodeAt(0)),
  24,
)}
]);

/** Per class (sorted by name): name offset, name length, range data offset, range count. */
export const CLASS_COUNT: i32 = ${names.length};
export const CLASS_INDEX = memory.data<i32>([
${rows(index, 16)}
]);

/** Ranges, LEB128: per range the gap after the previous range's end (from -1), then length - 1. */
export const CLASS_RANGES = memory.data<u8>([
${rows(data, 24)}
]);

/** ${folds.length} folding runs: start, count, delta for even offsets, delta for odd offsets (sorted by start). */
export const FOLD_RUNS: i32 = ${folds.length};
export const FOLD = memory.data<i32>([
${rows(folds.flat(), 16)}
]);
`
}

export const OUTPUT = fileURLToPath(new URL('../src/wasm/runtime/assembly/unicode-tables.ts', import.meta.url))

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = generate()
  writeFileSync(OUTPUT, out)
  console.log(`unicode tables: ${out.length} bytes → ${OUTPUT}`)
}
