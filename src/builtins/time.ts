// time.* built-ins. Instants are nanoseconds since the Unix epoch held as
// BigInt while computing (OPA's int64 range, 1677..2262); layouts are Go's
// reference-time layouts; zones are IANA names resolved through Intl.
// Results are JS numbers, so nanosecond values past 2^53 (any date after
// 1970-04-15 at ns resolution) are rounded to the nearest double, exactly as
// any JSON number that large is once it leaves OPA.

import { BuiltinError, type HostImpl } from './types.js'
import { int, str, typeError } from './strings.js'

const NS = 1_000_000_000n
const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const NAMED_LAYOUTS = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
} as const satisfies Record<string, string>

/** A layout given by Go's constant name (`RFC3339`), or the layout itself. */
const layoutNamed = (l: string): string => (Object.hasOwn(NAMED_LAYOUTS, l) ? NAMED_LAYOUTS[l as keyof typeof NAMED_LAYOUTS] : l)

/** Go's Month.String and Weekday.String, with their text for a value out of range. */
const monthName = (m: number): string => MONTHS[m - 1] ?? `%!Month(${m})`
const dayName = (d: number): string => DAYS[d] ?? `%!Weekday(${d})`

// ---------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, days since 1970-01-01).

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return [m <= 2 ? era * 400 + yoe + 1 : era * 400 + yoe, m, d]
}

function daysIn(m: number, y: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]! // callers pass a month, 1..12
}

// ---------------------------------------------------------------------------
// Zones.

interface Zone {
  name: string
  offsetAt(unixSec: number): { offset: number; abbr: string }
}

const UTC: Zone = { name: 'UTC', offsetAt: () => ({ offset: 0, abbr: 'UTC' }) }
const zones = new Map<string, Zone>()

function intlZone(name: string): Zone {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  })
  const abbr = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' })
  return {
    name,
    offsetAt(unixSec) {
      const ms = unixSec * 1000
      const p = Object.fromEntries(parts.formatToParts(ms).map((x) => [x.type, x.value]))
      let y = Number(p.year)
      if (p.era === 'BC' || p.era === 'B') y = 1 - y
      const local = daysFromCivil(y, Number(p.month), Number(p.day)) * 86400 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second)
      const offset = local - unixSec
      let a = abbr.formatToParts(ms).find((x) => x.type === 'timeZoneName')?.value ?? ''
      // Intl spells unnamed zones `GMT+5`; Go prints the numeric offset, e.g. `+05`.
      if (/^GMT[+-]/.test(a)) a = ''
      return { offset, abbr: a }
    },
  }
}

function loadZone(builtin: string, name: string): Zone {
  if (name === '' || name === 'UTC') return UTC
  let z = zones.get(name)
  if (z) return z
  if (name === 'Local') {
    z = {
      name: 'Local',
      offsetAt(unixSec) {
        const d = new Date(unixSec * 1000)
        const abbr = /\(([^)]*)\)/.exec(d.toTimeString())?.[1] ?? ''
        return { offset: -d.getTimezoneOffset() * 60, abbr: /^[A-Z]{2,5}$/.test(abbr) ? abbr : '' }
      },
    }
  } else {
    try {
      z = intlZone(name)
      z.offsetAt(0)
    } catch {
      throw new BuiltinError(builtin, `unknown time zone ${name}`)
    }
  }
  zones.set(name, z)
  return z
}

// ---------------------------------------------------------------------------
// A Go time.Time: an instant plus the zone it is viewed in.

interface GoTime {
  sec: bigint
  nsec: number
  zone: Zone
}

interface Fields {
  year: number
  month: number
  day: number
  hour: number
  min: number
  sec: number
  nsec: number
  wday: number
  yday: number
  offset: number
  abbr: string
}

function fields(t: GoTime): Fields {
  const { offset, abbr } = t.zone.offsetAt(Number(t.sec))
  const local = t.sec + BigInt(offset)
  const days = Number(floorDiv(local, 86400n))
  const sod = Number(local - BigInt(days) * 86400n)
  const [year, month, day] = civilFromDays(days)
  return {
    year,
    month,
    day,
    hour: Math.floor(sod / 3600),
    min: Math.floor(sod / 60) % 60,
    sec: sod % 60,
    nsec: t.nsec,
    wday: ((days % 7) + 11) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    abbr: t.zone === UTC ? 'UTC' : abbr,
  }
}

function fromNs(ns: bigint, zone: Zone): GoTime {
  const sec = floorDiv(ns, NS)
  return { sec, nsec: Number(ns - sec * NS), zone }
}

function toNs(builtin: string, t: { sec: bigint; nsec: number }): number {
  const ns = t.sec * NS + BigInt(t.nsec)
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(builtin, 'time outside of valid range')
  return Number(ns)
}

/** A wall-clock time in `zone` to an instant (Go's time.Date, normalising overflowing fields). */
function fromCivil(y: number, mon: number, d: number, h: number, mi: number, s: number, nsec: number, zone: Zone): { sec: bigint; nsec: number } {
  const m0 = mon - 1
  const year = y + Math.floor(m0 / 12)
  const month = (((m0 % 12) + 12) % 12) + 1
  const local = BigInt(daysFromCivil(year, month, 1) + d - 1) * 86400n + BigInt(h * 3600 + mi * 60 + s)
  // Go resolves the zone offset from the local time; two passes settle DST edges.
  let offset = zone.offsetAt(Number(local)).offset
  offset = zone.offsetAt(Number(local) - offset).offset
  return { sec: local - BigInt(offset), nsec }
}

/** OPA's time operand: `ns` or `[ns, tz]` or `[ns, tz, layout]`. */
function tzTime(builtin: string, v: unknown): { t: GoTime; layout: string } {
  let nv: unknown = v
  let zone = UTC
  let layout: string = NAMED_LAYOUTS.RFC3339Nano
  if (Array.isArray(v)) {
    if (v.length === 0) throw typeError(builtin, 1, v, 'either number (ns) or [number (ns), string (tz)]')
    nv = v[0]
    if (typeof nv !== 'number') throw typeError(builtin, 1, nv, 'number')
    if (v.length > 1) zone = loadZone(builtin, str(builtin, 1, v[1]))
    if (v.length > 2) {
      const l = str(builtin, 1, v[2])
      layout = layoutNamed(l)
    }
  } else if (typeof v !== 'number') {
    throw typeError(builtin, 1, v, 'either number (ns) or [number (ns), string (tz)]')
  }
  const n = nv as number
  if (!Number.isInteger(n) || n >= 2 ** 63 || n < -(2 ** 63)) throw new BuiltinError(builtin, 'timestamp too big')
  return { t: fromNs(BigInt(n), zone), layout }
}

// ---------------------------------------------------------------------------
// Go layouts.

type Std =
  | 'January'
  | 'Jan'
  | '1'
  | '01'
  | 'Monday'
  | 'Mon'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '2006'
  | '06'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z070000'
  | 'Z07:00:00'
  | 'Z0700'
  | 'Z07:00'
  | 'Z07'
  | '-070000'
  | '-07:00:00'
  | '-0700'
  | '-07:00'
  | '-07'
  | 'frac0'
  | 'frac9'

type FracStd = 'frac0' | 'frac9'
type Chunk = { lit: string } | { std: Exclude<Std, FracStd> } | { std: FracStd; digits: number; sep: string }

const STD_PREFIXES: Exclude<Std, FracStd>[] = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '002',
  '15',
  '1',
  '2006',
  '2',
  '__2',
  '_2',
  '3',
  '4',
  '5',
  'PM',
  'pm',
  '-07:00:00',
  '-070000',
  '-07:00',
  '-0700',
  '-07',
  'Z07:00:00',
  'Z070000',
  'Z07:00',
  'Z0700',
  'Z07',
]

const layoutCache = new Map<string, Chunk[]>()

function chunks(layout: string): Chunk[] {
  const cached = layoutCache.get(layout)
  if (cached) return cached
  const out: Chunk[] = []
  let lit = ''
  let i = 0
  outer: while (i < layout.length) {
    const c = layout.charAt(i)
    const d = layout[i + 1]
    if ((c === '.' || c === ',') && (d === '0' || d === '9')) {
      let j = i + 1
      while (layout[j] === d) j++
      if (!/[0-9]/.test(layout[j] ?? '')) {
        if (lit) {
          out.push({ lit })
          lit = ''
        }
        out.push({ std: d === '0' ? 'frac0' : 'frac9', digits: j - i - 1, sep: c })
        i = j
        continue
      }
    }
    for (const p of STD_PREFIXES) {
      if (!layout.startsWith(p, i)) continue
      // `Jan`/`Mon` are not std inside a longer lowercase word (Go: "January" vs "Janet").
      if ((p === 'Jan' || p === 'Mon') && /[a-z]/.test(layout[i + 3] ?? '')) continue
      // `_2006` is a literal underscore before a year.
      if (p === '_2' && layout.startsWith('_2006', i)) continue
      if (lit) {
        out.push({ lit })
        lit = ''
      }
      out.push({ std: p })
      i += p.length
      continue outer
    }
    lit += c
    i++
  }
  if (lit) out.push({ lit })
  layoutCache.set(layout, out)
  return out
}

const pad = (n: number, w: number, ch = '0'): string => {
  const s = String(Math.abs(n)).padStart(w, ch)
  return n < 0 ? '-' + s : s
}

function fmtOffset(off: number, std: Std): string {
  if (std.startsWith('Z') && off === 0) return 'Z'
  const sign = off < 0 ? '-' : '+'
  const a = Math.abs(off)
  const hh = pad(Math.floor(a / 3600), 2)
  const mm = pad(Math.floor(a / 60) % 60, 2)
  const ss = pad(a % 60, 2)
  const form = std.slice(1)
  switch (form) {
    case '07':
      return sign + hh
    case '0700':
      return sign + hh + mm
    case '07:00':
      return `${sign}${hh}:${mm}`
    case '070000':
      return sign + hh + mm + ss
    default:
      return `${sign}${hh}:${mm}:${ss}`
  }
}

export function formatTime(t: GoTime, layout: string): string {
  const f = fields(t)
  let out = ''
  for (const c of chunks(layout)) {
    if ('lit' in c) {
      out += c.lit
      continue
    }
    switch (c.std) {
      case 'January':
        out += monthName(f.month)
        break
      case 'Jan':
        out += monthName(f.month).slice(0, 3)
        break
      case '1':
        out += f.month
        break
      case '01':
        out += pad(f.month, 2)
        break
      case 'Monday':
        out += dayName(f.wday)
        break
      case 'Mon':
        out += dayName(f.wday).slice(0, 3)
        break
      case '2':
        out += f.day
        break
      case '_2':
        out += pad(f.day, 2, ' ')
        break
      case '02':
        out += pad(f.day, 2)
        break
      case '__2':
        out += pad(f.yday, 3, ' ')
        break
      case '002':
        out += pad(f.yday, 3)
        break
      case '15':
        out += pad(f.hour, 2)
        break
      case '3':
        out += f.hour % 12 === 0 ? 12 : f.hour % 12
        break
      case '03':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2)
        break
      case '4':
        out += f.min
        break
      case '04':
        out += pad(f.min, 2)
        break
      case '5':
        out += f.sec
        break
      case '05':
        out += pad(f.sec, 2)
        break
      case '2006':
        out += pad(f.year, 4)
        break
      case '06':
        out += pad(((f.year % 100) + 100) % 100, 2)
        break
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM'
        break
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am'
        break
      case 'MST':
        out += f.abbr || fmtOffset(f.offset, '-0700')
        break
      case 'frac0':
        out += c.sep + pad(f.nsec, 9).slice(0, c.digits)
        break
      case 'frac9': {
        const digits = pad(f.nsec, 9).slice(0, c.digits).replace(/0+$/, '')
        if (digits) out += c.sep + digits
        break
      }
      default:
        out += fmtOffset(f.offset, c.std)
    }
  }
  return out
}

class ParseError extends Error {}

/** Go's time.Parse: an instant from `value` laid out as `layout` (UTC unless the value has a zone). */
export function parseTime(layout: string, value: string): { sec: bigint; nsec: number } {
  const fail = (rest: string, elem: string): ParseError =>
    new ParseError(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`)
  const range = (what: string): ParseError => new ParseError(`parsing time ${JSON.stringify(value)}: ${what} out of range`)
  let v = value
  let year = 1
  let month = -1
  let day = -1
  let yday = -1
  let hour = 0
  let min = 0
  let sec = 0
  let nsec = 0
  let pm = false
  let am = false
  let offset: number | undefined
  const cs = chunks(layout)
  const num = (fixed: boolean, elem: string): number => {
    const m = (fixed ? /^\d{2}/ : /^\d{1,2}/).exec(v)
    if (!m) throw fail(v, elem)
    v = v.slice(m[0].length)
    return Number(m[0])
  }
  /** A fraction (`.123`, `,5`) at the head of `v`, consumed, in ns; undefined when there is none. */
  const fraction = (): number | undefined => {
    const m = /^[.,](\d+)/.exec(v)
    if (!m) return undefined
    const [all, digits = ''] = m
    v = v.slice(all.length)
    return Number(digits.slice(0, 9).padEnd(9, '0'))
  }
  for (const [ci, c] of cs.entries()) {
    if ('lit' in c) {
      if (!v.startsWith(c.lit)) throw fail(v, c.lit)
      v = v.slice(c.lit.length)
      continue
    }
    const elem = 'digits' in c ? c.sep + (c.std === 'frac0' ? '0' : '9').repeat(c.digits) : c.std
    switch (c.std) {
      case '2006': {
        const m = /^\d{4}/.exec(v)
        if (!m) throw fail(v, elem)
        year = Number(m[0])
        v = v.slice(4)
        break
      }
      case '06': {
        const y = num(true, elem)
        year = y >= 69 ? 1900 + y : 2000 + y
        break
      }
      case 'January':
      case 'Jan': {
        const names = c.std === 'Jan' ? MONTHS.map((x) => x.slice(0, 3)) : MONTHS
        const i = names.findIndex((n) => v.slice(0, n.length).toLowerCase() === n.toLowerCase())
        if (i < 0) throw fail(v, elem)
        month = i + 1
        v = v.slice(names[i]!.length)
        break // i is findIndex's, not -1
      }
      case 'Monday':
      case 'Mon': {
        const names = c.std === 'Mon' ? DAYS.map((x) => x.slice(0, 3)) : DAYS
        const i = names.findIndex((n) => v.slice(0, n.length).toLowerCase() === n.toLowerCase())
        if (i < 0) throw fail(v, elem)
        v = v.slice(names[i]!.length)
        break // i is findIndex's, not -1
      }
      case '1':
      case '01':
        month = num(c.std === '01', elem)
        if (month < 1 || month > 12) throw range('month')
        break
      case '2':
      case '_2':
      case '02':
        if (c.std === '_2' && v[0] === ' ') v = v.slice(1)
        day = num(c.std === '02', elem)
        break
      case '__2':
      case '002': {
        if (c.std === '__2') v = v.replace(/^ {1,2}/, '')
        const m = (c.std === '002' ? /^\d{3}/ : /^\d{1,3}/).exec(v)
        if (!m) throw fail(v, elem)
        yday = Number(m[0])
        v = v.slice(m[0].length)
        break
      }
      case '15':
        hour = num(false, elem)
        if (hour > 23) throw range('hour')
        break
      case '3':
      case '03':
        hour = num(c.std === '03', elem)
        if (hour < 0 || hour > 12) throw range('hour')
        break
      case '4':
      case '04':
        min = num(c.std === '04', elem)
        if (min > 59) throw range('minute')
        break
      case '5':
      case '05': {
        sec = num(c.std === '05', elem)
        if (sec > 59) throw range('second')
        // A fraction after the seconds is accepted even when the layout has none.
        const next = cs[ci + 1]
        if (!(next && 'digits' in next)) nsec = fraction() ?? nsec
        break
      }
      case 'PM':
      case 'pm': {
        const p = v.slice(0, 2)
        const want = c.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm']
        if (p === want[1]) pm = true
        else if (p === want[0]) am = true
        else throw fail(v, elem)
        v = v.slice(2)
        break
      }
      case 'frac0': {
        const m = new RegExp(`^[.,](\\d{${c.digits}})`).exec(v)
        if (!m) throw fail(v, elem)
        const [all, digits = ''] = m
        nsec = Number(digits.slice(0, 9).padEnd(9, '0'))
        v = v.slice(all.length)
        break
      }
      case 'frac9':
        nsec = fraction() ?? nsec
        break
      case 'MST': {
        const m = /^(UTC|GMT[+-]\d{1,2}|[A-Z]{3,5}T?)/.exec(v)
        if (!m) throw fail(v, elem)
        const g = /^GMT([+-]\d{1,2})$/.exec(m[0])
        offset = g ? Number(g[1]) * 3600 : 0
        v = v.slice(m[0].length)
        break
      }
      default: {
        if (c.std.startsWith('Z') && v.startsWith('Z')) {
          offset = 0
          v = v.slice(1)
          break
        }
        const form = c.std.slice(1) // what is left of Std here is the zone offsets: Z or - and a form below
        const re = {
          '07': /^([+-])(\d{2})/,
          '0700': /^([+-])(\d{2})(\d{2})/,
          '07:00': /^([+-])(\d{2}):(\d{2})/,
          '070000': /^([+-])(\d{2})(\d{2})(\d{2})/,
          '07:00:00': /^([+-])(\d{2}):(\d{2}):(\d{2})/,
        }[form]!
        const m = re.exec(v)
        if (!m) throw fail(v, elem)
        const o = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)
        offset = m[1] === '-' ? -o : o
        v = v.slice(m[0].length)
      }
    }
  }
  if (v !== '') throw new ParseError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`)
  if (pm && hour < 12) hour += 12
  else if (am && hour === 12) hour = 0
  if (yday >= 0) {
    const leap = daysIn(2, year) === 29
    if (yday < 1 || yday > (leap ? 366 : 365)) throw range('day-of-year')
    const [, m, d] = civilFromDays(daysFromCivil(year, 1, 1) + yday - 1)
    if (month >= 0 && month !== m) throw range('day-of-year')
    if (day >= 0 && day !== d) throw range('day-of-year')
    month = m
    day = d
  }
  if (month < 0) month = 1
  if (day < 0) day = 1
  if (day < 1 || day > daysIn(month, year)) throw range('day')
  const local = BigInt(daysFromCivil(year, month, day)) * 86400n + BigInt(hour * 3600 + min * 60 + sec)
  return { sec: local - BigInt(offset ?? 0), nsec }
}

// ---------------------------------------------------------------------------
// Durations (Go's time.ParseDuration).

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: NS, m: 60n * NS, h: 3600n * NS }

export function parseDuration(s: string): bigint {
  const bad = (): ParseError => new ParseError(`time: invalid duration ${goQuote(s)}`)
  let rest = s
  let neg = false
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-'
    rest = rest.slice(1)
  }
  if (rest === '0') return 0n
  if (rest === '') throw bad()
  let total = 0n
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!
    if (m[1] === '' && (m[2] ?? '') === '') throw bad()
    rest = rest.slice(m[0].length)
    const u = /^[^\d.]+/.exec(rest)?.[0]
    if (!u) throw new ParseError(`time: missing unit in duration ${goQuote(s)}`)
    const unit = UNIT_NS[u]
    if (unit === undefined) throw new ParseError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(s)}`)
    rest = rest.slice(u.length)
    const frac = m[2] ?? ''
    total += BigInt(m[1] || '0') * unit + (BigInt(frac || '0') * unit) / 10n ** BigInt(frac.length)
    if (total > INT64_MAX + (neg ? 1n : 0n)) throw bad()
  }
  return neg ? -total : total
}

function goQuote(s: string): string {
  return JSON.stringify(s)
}

function wrap<T>(builtin: string, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof ParseError) throw new BuiltinError(builtin, e.message)
    throw e
  }
}

/** OPA's time.diff (after icza/gox): calendar difference, earlier first. */
function diff(a: GoTime, b: GoTime): number[] {
  let [t1, t2] = [a, { ...b, zone: a.zone }]
  if (t1.sec > t2.sec || (t1.sec === t2.sec && t1.nsec > t2.nsec)) [t1, t2] = [t2, t1]
  const f1 = fields(t1)
  const f2 = fields(t2)
  let year = f2.year - f1.year
  let month = f2.month - f1.month
  let day = f2.day - f1.day
  let hour = f2.hour - f1.hour
  let min = f2.min - f1.min
  let sec = f2.sec - f1.sec
  if (sec < 0) {
    sec += 60
    min--
  }
  if (min < 0) {
    min += 60
    hour--
  }
  if (hour < 0) {
    hour += 24
    day--
  }
  if (day < 0) {
    // Days of f1's month: the day-of-month Go's time.Date(y, m, 32) normalises to.
    day += daysIn(f1.month, f1.year)
    month--
  }
  if (month < 0) {
    month += 12
    year--
  }
  return [year, month, day, hour, min, sec]
}

export const impls: Record<string, HostImpl> = {
  'time.now_ns': () => Number(BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n),
  'time.parse_ns'(layout, value) {
    const b = 'time.parse_ns'
    const l = str(b, 1, layout)
    const v = str(b, 2, value)
    return toNs(
      b,
      wrap(b, () => parseTime(l, v)),
    )
  },
  'time.parse_rfc3339_ns'(value) {
    const b = 'time.parse_rfc3339_ns'
    const v = str(b, 1, value)
    return toNs(
      b,
      wrap(b, () => parseTime(NAMED_LAYOUTS.RFC3339, v)),
    )
  },
  'time.parse_duration_ns'(value) {
    const b = 'time.parse_duration_ns'
    const v = str(b, 1, value)
    return Number(wrap(b, () => parseDuration(v)))
  },
  'time.date'(x) {
    const f = fields(tzTime('time.date', x).t)
    return [f.year, f.month, f.day]
  },
  'time.clock'(x) {
    const f = fields(tzTime('time.clock', x).t)
    return [f.hour, f.min, f.sec]
  },
  'time.weekday': (x) => dayName(fields(tzTime('time.weekday', x).t).wday),
  'time.add_date'(x, years, months, days) {
    const b = 'time.add_date'
    const { t } = tzTime(b, int(b, 1, x))
    const f = fields(t)
    const r = fromCivil(f.year + int(b, 2, years), f.month + int(b, 3, months), f.day + int(b, 4, days), f.hour, f.min, f.sec, f.nsec, t.zone)
    return toNs(b, r)
  },
  'time.diff': (a, b) => diff(tzTime('time.diff', a).t, tzTime('time.diff', b).t),
  'time.format'(x) {
    const { t, layout } = tzTime('time.format', x)
    return formatTime(t, layout)
  },
}
