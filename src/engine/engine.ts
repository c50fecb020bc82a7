// The engine: layers with their active bundles, an evaluator (in process, or
// a worker pool when a wall-clock budget is configured), the decision cache,
// and the decisions built on them: `access`, `anonymization` and
// `compatibility`, each combined across layers here, so the HTTP routes and
// `policy test` are thin callers that cannot answer one request two ways.
// Everything the server answers goes through here. Fails closed: a decision needing a layer with no valid bundle throws
// `bundle_unavailable`, never allows.

import { availableParallelism } from 'node:os'
import { readBundle, type Bundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { combineAnonymization, mergeCompatibility, type AnonymizationPlan, type CompatibilityAnswer, type ContractFieldInfo } from '../product/index.js'
import { asEvalError, evalError } from './eval-errors.js'
import { combineAccess, type AccessOutcome, type LayerAccess } from './access.js'
import type { CompatibilityQuestion } from './decision-input.js'
import { accessFromPackage, anonymizationFromPackage, asSet, violationsFromPackage } from './layer-documents.js'
import { DecisionCache, type Computed, type Through } from './decision-cache.js'
import { DECISION_RULES, PER_RULE_PACKAGES, ruleEntrypoints, rulePlan } from './decision-rules.js'
import { allOrThrow, InProcessEvaluator, type CallResult, type EvalCall, type Evaluator } from './evaluator.js'
import { loadHostBuiltins, type HostBuiltins } from './host-builtins.js'
import { checkBundleForLayer, checkDecisionEntrypoints, checkLayerSpecs, sourcePackages, type ActiveBundle, type Layer, type LayerSpec } from './layers.js'
import { DEFAULT_LIMITS, EncodedInput, imageOf, LoadedBundle, type BundleLimits, type SpareMemory } from './loaded-bundle.js'
import { LoadProbe } from './load-probe.js'
import { project, sourceInputReads, type ReadTree } from './input-reads.js'
import { LRUCache } from 'lru-cache'
import { planDocument, type DocPlan, type DocSource } from './virtual-doc.js'
import { WorkerPoolEvaluator } from './worker-pool.js'

export interface Budgets {
  /** Steps per evaluation (meshgate-built modules); 0 = unlimited. */
  steps?: number
  /** Wall-clock milliseconds per decision; 0 = none (evaluate in process). */
  timeMs?: number
  /** Worker threads when `timeMs` is set; default min(4, CPUs). */
  workers?: number
  /** Deadline for loading one bundle (instantiation runs the module's code), in ms; default 10,000. */
  loadMs?: number
}

export interface EngineLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface EngineOptions {
  layers: LayerSpec[]
  /** `data.mesh`: the product, its contracts and consumers, seen by every layer. */
  mesh?: Record<string, unknown>
  memoryMiB?: number
  budgets?: Budgets
  /** Decision cache entries; 0 turns the cache off. */
  cacheSize?: number
  /** Extra host built-ins (in-process evaluation only; workers import `builtinsModule`). */
  hostBuiltins?: HostBuiltins
  /** URL of a module exporting `hostBuiltins`, imported in process and by every worker. */
  builtinsModule?: string
  log?: EngineLog
}

export type Revisions = Record<string, string>

export interface AccessDecision extends AccessOutcome {
  layers: (LayerAccess & { revision: string })[]
}

export interface LayerResult {
  layer: string
  revision: string
  /** The layer's document for the package; undefined when the layer defines none. */
  result: unknown
}

/** A layer's document, or the error its evaluation failed with. */
interface LayerOutcome extends LayerResult {
  error?: MeshgateError
}

/** What a log policy says about one decision event. */
export interface LogPolicyVerdict {
  /** OPA's mask rule entries: JSON pointers to erase, or `{op, path, value}` objects. */
  mask: unknown[]
  drop: boolean
  /**
   * `JSON.stringify(event)`, when the engine serialized the event to evaluate
   * it: the decision logger writes it as the event's line when nothing is
   * masked, instead of serializing the event a second time.
   */
  eventJson?: string
}

export interface Answer<T> {
  value: T
  revisions: Revisions
  cached: boolean
}

const ACCESS = ['access']

/** Log-policy verdicts remembered per activation, and the longest field text remembered. */
const LOG_MEMO_ENTRIES = 1024
const MAX_LOG_MEMO_KEY = 4096

interface LogMemo {
  reads: ReadTree
  verdicts: LRUCache<string, LogPolicyVerdict>
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

export class Engine {
  private readonly layerList: Layer[]
  private readonly evaluator: Evaluator
  private readonly encoder = new TextEncoder()
  /** The evaluator when it runs in this thread: called without a promise per call list. */
  private readonly inProcess?: InProcessEvaluator
  private readonly cache: DecisionCache
  private readonly limits: BundleLimits
  /** Loads each new bundle in a worker with a deadline before it loads here (load-probe.ts). */
  private readonly prober = new LoadProbe()
  private mesh: Record<string, unknown> | undefined
  /**
   * Each layer's retired revision's memories (LoadedBundle.retire), for the
   * layer's next activation to load into instead of creating new ones.
   */
  private readonly spareMemories = new Map<string, SpareMemory[]>()
  /** The host functions every activation hands its modules: built on the first one, then shared. */
  private builtins?: Promise<HostBuiltins>
  private generation = 0
  private closed = false
  /**
   * The revisions and the cache key of the bundles active when last asked,
   * with those bundles: rebuilt only when a layer's active bundle changed
   * (two identity checks per decision instead of an object and a string).
   */
  private activeMemo?: { actives: (ActiveBundle | undefined)[]; revisions: Revisions; key: string }
  /** The log policy's layer's sources per activation, until `logMemo` reads them. */
  private readonly logSources = new WeakMap<ActiveBundle, { sources: readonly { path: string; source: string }[]; regoVersion: number | undefined }>()
  /** Per activation of the log policy's layer: what the policy reads of an event, and its verdicts by those fields (null: not rememberable). */
  private readonly logMemos = new WeakMap<ActiveBundle, LogMemo | null>()

  constructor(private readonly opts: EngineOptions) {
    checkLayerSpecs(opts.layers)
    this.layerList = opts.layers.map((s) => ({ ...s }))
    this.mesh = opts.mesh
    this.limits = { memoryMiB: opts.memoryMiB ?? DEFAULT_LIMITS.memoryMiB, steps: opts.budgets?.steps ?? 0 }
    if (opts.builtinsModule) this.limits.builtinsModule = opts.builtinsModule
    if (opts.budgets?.loadMs) this.limits.loadMs = opts.budgets.loadMs
    const timeMs = opts.budgets?.timeMs ?? 0
    if (timeMs > 0) {
      this.evaluator = new WorkerPoolEvaluator({ size: opts.budgets?.workers ?? Math.min(4, availableParallelism()), timeMs, limits: this.limits })
    } else {
      this.inProcess = new InProcessEvaluator()
      this.evaluator = this.inProcess
    }
    this.cache = new DecisionCache(opts.cacheSize ?? 10_000)
  }

  /**
   * Starts the worker that loads each new bundle first (load-probe.ts)
   * ahead of the first activation, so that a starting sidecar's other work
   * overlaps its start; unused, it stops when idle.
   */
  warmLoader(): void {
    this.prober.warm(this.limits)
  }

  get layers(): readonly Readonly<Layer>[] {
    return this.layerList
  }

  /** True when every layer has an active bundle. */
  get ready(): boolean {
    return this.layerList.every((l) => l.active)
  }

  get cacheEnabled(): boolean {
    return this.cache.enabled
  }

  /** The active bundles' revisions by layer; shared between decisions until an activation (frozen). */
  revisions(): Revisions {
    return this.activeState().revisions
  }

  private activeState(): { revisions: Revisions; key: string } {
    const m = this.activeMemo
    const layers = this.layerList
    if (m && m.actives.length === layers.length && layers.every((l, i) => l.active === m.actives[i])) return m
    const revisions: Revisions = {}
    for (const l of layers) if (l.active) revisions[l.name] = l.active.loaded.revision
    const fresh = {
      actives: layers.map((l) => l.active),
      revisions: Object.freeze(revisions),
      key: layers.map((l) => l.active?.key ?? '').join(';'),
    }
    this.activeMemo = fresh
    return fresh
  }

  /**
   * Loads a bundle into a layer and swaps it in atomically. On any failure
   * the layer keeps its last good bundle and the error is thrown (and kept
   * as the layer's `lastError`).
   */
  async activate(layerName: string, bundle: Bundle | Uint8Array, bundleName = layerName): Promise<ActiveBundle> {
    const layer = this.layerList.find((l) => l.name === layerName)
    if (!layer) throw new MeshgateError('config_error', `no layer \`${layerName}\` is configured`)
    try {
      const b = bundle instanceof Uint8Array ? readBundle(bundle, bundleName) : bundle
      const sourcePkgs = sourcePackages(b)
      checkBundleForLayer(layer, b, bundleName, this.layerList, sourcePkgs)
      // A failed import is not kept: the next activation tries again.
      this.builtins ??= loadHostBuiltins(this.limits.builtinsModule).then(
        (h) => ({ ...h, ...this.opts.hostBuiltins }),
        (e: unknown) => {
          this.builtins = undefined
          throw e
        },
      )
      const memories = this.spareMemories.get(layer.name)
      const loaded = await LoadedBundle.loadBounded(this.prober, imageOf(b, bundleName, this.dataFor(b.data)), this.limits, {
        builtins: await this.builtins,
        ...(memories ? { memories } : {}),
      })
      checkDecisionEntrypoints(layer, b, bundleName, loaded.entrypoints, sourcePkgs)
      const key = `${layer.name}@${loaded.revision}#${++this.generation}`
      const plans = decisionPlans(layer, b, key, loaded.entrypoints, sourcePkgs)
      await this.evaluator.register(key, loaded)
      // In process, nothing loads the module again: keep it compiled only.
      if (this.inProcess) loaded.forgetModuleBytes()
      const previous = layer.active
      layer.active = { key, loaded, activatedAt: new Date(), bundleData: b.data, plans }
      // The layer whose log package masks decision logs keeps its sources, read (once, on the first event) for what that policy reads.
      if (layer.root === 'global' || layer.root === '') this.logSources.set(layer.active, { sources: b.sources, regoVersion: b.manifest.rego_version })
      delete layer.lastError
      if (previous) {
        this.evaluator.unregister(previous.key)
        // Nothing evaluates on it from here (see retire): its memories go to the next activation.
        this.spareMemories.set(layer.name, previous.loaded.retire())
      }
      this.cache.clear()
      this.opts.log?.info({ layer: layer.name, bundle: bundleName, revision: loaded.revision }, 'bundle activated')
      return layer.active
    } catch (e) {
      const err =
        e instanceof MeshgateError ? e : new MeshgateError('bundle_format_error', `bundle \`${bundleName}\` cannot be activated: ${(e as Error).message}`)
      layer.lastError = err
      this.opts.log?.warn({ layer: layer.name, bundle: bundleName, code: err.code, err: err.message }, 'bundle activation failed; keeping the last good bundle')
      throw err
    }
  }

  /**
   * Sets a layer's maximum-age deadline (epoch ms; undefined turns it off).
   * Past it the layer is stale: its decisions fail closed with
   * `bundle_stale` (or, with `onStale: 'serve'`, keep serving and health
   * says so). The download loop moves the deadline on every successful
   * check with the service.
   */
  setFreshness(layerName: string, freshUntil: number | undefined, onStale: 'deny' | 'serve' = 'deny'): void {
    const layer = this.layerList.find((l) => l.name === layerName)
    if (!layer) throw new MeshgateError('config_error', `no layer \`${layerName}\` is configured`)
    if (freshUntil === undefined) delete layer.freshUntil
    else layer.freshUntil = freshUntil
    layer.onStale = onStale
  }

  /** Layers past their maximum age. */
  staleLayers(now = Date.now()): Layer[] {
    return this.layerList.filter((l) => l.freshUntil !== undefined && now > l.freshUntil)
  }

  /** Replaces `data.mesh` in every layer. */
  async setMesh(mesh: Record<string, unknown>): Promise<void> {
    this.mesh = mesh
    for (const l of this.layerList) {
      if (!l.active) continue
      const data = this.dataFor(l.active.bundleData)
      l.active.loaded.setData(data)
      await this.evaluator.setData(l.active.key, data)
    }
    this.generation++
    this.cache.clear()
  }

  get meshData(): Record<string, unknown> | undefined {
    return this.mesh
  }

  /**
   * The federated access decision. Each layer is evaluated on its own; a
   * layer whose evaluation fails (a built-in error in strict mode, a
   * conflict, a budget) denies with reason `{layer, code: "eval_error"}`:
   * an error inside a decision never turns into an allow. Such an answer is
   * not cached, so the next request evaluates again.
   */
  async access(input: unknown): Promise<Answer<AccessDecision>> {
    return this.accessNow(input)
  }

  /**
   * `access` without a promise when the answer is at hand (a cache hit, or
   * layers evaluated in this thread): the HTTP route's path, where each
   * promise and await per request is a visible cost. Throws (rather than
   * rejects) when no answer can be given.
   */
  accessNow(input: unknown): Answer<AccessDecision> | Promise<Answer<AccessDecision>> {
    return this.decide('access', input, (active, json) => {
      const encoded = this.encoded(input, json)
      const docs = this.accessDocumentsNow(active, encoded) ?? this.layerDocuments(active, ACCESS, encoded, 'access')
      return docs instanceof Promise ? docs.then((d) => this.combinedAccess(d)) : this.combinedAccess(docs)
    })
  }

  /**
   * Each layer's access document when every layer answers `access` rule by
   * rule in this thread (bundles built with per-rule entrypoints, as `policy
   * build` builds them): the documents and errors layerDocuments gives for
   * the same plans (`{rule: first result}`, a layer's first failing call
   * as its error), without call lists, result lists and their assembly, the
   * largest share of what a decision allocated. undefined when a layer reads
   * its package document or evaluations run in workers.
   */
  private accessDocumentsNow(active: Layer[], input: unknown): LayerOutcome[] | undefined {
    if (!this.inProcess) return undefined
    for (const l of active) if (!l.active!.plans.get('access')?.rules) return undefined
    let encoded = input instanceof EncodedInput ? input : undefined
    const out: LayerOutcome[] = []
    for (const l of active) {
      const a = l.active!
      const rules = a.plans.get('access')!.rules!
      const o: LayerOutcome = { layer: l.name, revision: a.loaded.revision, result: undefined }
      const doc: Record<string, unknown> = {}
      let i = 0
      for (; i < rules.length; i++) {
        const [rule, entrypoint] = rules[i]!
        try {
          encoded ??= a.loaded.encode(input)
          const rs = a.loaded.evaluate(entrypoint, encoded)
          if (rs.length) doc[rule] = rs[0]!.result
        } catch (e) {
          o.error = evalError(e, entrypoint)
          break
        }
      }
      if (i === rules.length) o.result = doc
      out.push(o)
    }
    return out
  }

  private combinedAccess(docs: LayerOutcome[]): Computed<AccessDecision> {
    let failed = false
    const layers = docs.map((d) => {
      if (!d.error) {
        const { allow, deny } = accessFromPackage(d.layer, d.result)
        return { layer: d.layer, allow, deny, revision: d.revision }
      }
      failed = true
      const err = asEvalError(d.error, d.layer)
      this.opts.log?.warn({ layer: d.layer, code: err.code, cause: err.details, err: err.message }, 'access decision failed; denying')
      return { layer: d.layer, allow: false, deny: [{ code: 'eval_error', message: err.message }], revision: d.revision }
    })
    // Field by field: an object spread takes a slow generic path (a visible cost per decision).
    const c = combineAccess(layers)
    return { value: { allow: c.allow, deny: c.deny, allowed_by: c.allowed_by, message: c.message, layers }, cacheable: !failed }
  }

  /**
   * The anonymization decision: every layer's `anonymization` package on
   * `input`, combined strictest-first over the port's contract fields (pii
   * never in clear, docs/policy-contract.md). An evaluation error in any
   * layer throws `eval_error`; a rule the plan cannot apply throws
   * `anonymize_rule_error`: never a partial plan. The layers' documents are
   * cached; the plan is combined on every call, from the fields given.
   */
  async anonymization(input: unknown, portFields: Record<string, ContractFieldInfo> = {}): Promise<Answer<AnonymizationPlan>> {
    const docs = await this.query('anonymization', input)
    return {
      ...docs,
      value: combineAnonymization(
        docs.value.map((d) => anonymizationFromPackage(d.layer, d.result)),
        portFields,
      ),
    }
  }

  /**
   * The schema-compatibility decision on a question built by
   * `compatibilityQuestion` (the diff under the port's mode and the layers'
   * input): every layer's `compatibility` package, its violations merged with
   * the consumers each one affects. An evaluation error in any layer throws
   * `eval_error`: never a partial list of violations.
   */
  async compatibility(question: CompatibilityQuestion): Promise<Answer<CompatibilityAnswer>> {
    const docs = await this.query('compatibility', question.input)
    const { input, verdict } = question.baseline
    return {
      ...docs,
      value: mergeCompatibility(
        input,
        verdict,
        docs.value.map((d) => violationsFromPackage(d.layer, d.result)),
      ),
    }
  }

  /**
   * Each layer's document for package `pkg` (e.g. `anonymization`), relative
   * to the layer root. An evaluation error in any layer refuses the whole
   * answer (`eval_error`): callers never see a partial plan.
   */
  async query(pkg: string, input: unknown): Promise<Answer<LayerResult[]>> {
    const rel = pkg.split(/[./]/).filter(Boolean)
    return this.decide(`query:${rel.join('/')}`, input, async (active, json) => {
      const docs = await this.layerDocuments(active, rel, this.encoded(input, json))
      const failure = docs.find((d) => d.error)
      if (failure) {
        const err = asEvalError(failure.error, rel.join('/'))
        this.opts.log?.warn(
          { package: rel.join('/'), layer: failure.layer, code: err.code, cause: err.details, err: err.message },
          'decision failed; refusing the request',
        )
        throw err
      }
      return { value: docs.map(({ layer, revision, result }) => ({ layer, revision, result })), cacheable: true }
    })
  }

  /** OPA's virtual document at `path` (segments below `data`). */
  async document(path: string[], input: unknown): Promise<Answer<unknown>> {
    return this.decide(`data:${path.join('/')}`, input, async (active) => {
      const sources: DocSource[] = active.map((l) => ({ key: l.active!.key, entrypoints: l.active!.loaded.entrypoints, data: l.active!.loaded.image.data }))
      const plan = planDocument(path, sources)
      return { value: plan.assemble(allOrThrow(await this.evaluator.run(plan.calls, input))), cacheable: true }
    })
  }

  /**
   * The decision-log policy's verdict on an event (OPA's `system.log.mask`
   * and `system.log.drop`): the global layer's `log` package, or a
   * standalone bundle's own `system/log`, evaluated with the event as input.
   * No such layer, or a package that defines neither rule: nothing masked,
   * nothing dropped. A layer that should answer but cannot (no bundle yet,
   * an evaluation error) throws: the caller must not let the event leave in
   * clear. Never cached: every event is a different input.
   */
  async logPolicy(event: unknown): Promise<LogPolicyVerdict> {
    const { mask, drop } = await this.logVerdict(event)
    return { mask, drop }
  }

  /**
   * `logPolicy` without a promise when the evaluation runs in this thread
   * (the decision logger then needs no timer to bound it), with the event's
   * JSON text; errors are thrown, not returned as a rejected promise.
   */
  logVerdict(event: unknown): LogPolicyVerdict | Promise<LogPolicyVerdict> {
    const layer = this.layerList.find((l) => l.root === 'global') ?? this.layerList.find((l) => l.root === '')
    if (!layer) return { mask: [], drop: false }
    if (this.closed || !layer.active)
      throw new MeshgateError('bundle_unavailable', `no valid bundle is loaded for layer \`${layer.name}\`, whose log policy masks decision logs`)
    const rel = layer.root === '' ? ['system', 'log'] : ['log']
    const pkg = layer.root === '' ? rel : [...layer.root.split('/'), ...rel]
    const memo = this.logMemo(layer.active, pkg)
    let input: unknown
    let json: string | undefined
    let remember: ((v: LogPolicyVerdict) => void) | undefined
    if (memo) {
      // The policy sees only the fields it reads: the verdict is a function of
      // their JSON text (and of the revision, whose memo this is).
      const view = project(event, memo.reads)
      const key = JSON.stringify(view)
      const hit = memo.verdicts.get(key)
      if (hit) return hit
      input = this.inProcess ? new EncodedInput(view, this.encoder, key) : view
      if (key.length <= MAX_LOG_MEMO_KEY) remember = (v) => memo.verdicts.set(key, v)
    } else {
      // Serialized here (in process) so the text can go on to the logger.
      json = this.inProcess ? JSON.stringify(event) : undefined
      input = json === undefined ? event : new EncodedInput(event, this.encoder, json)
    }
    const verdict = ([doc]: LayerOutcome[]): LogPolicyVerdict => {
      if (doc!.error) throw asEvalError(doc!.error, pkg.join('/'))
      const o = (typeof doc!.result === 'object' && doc!.result !== null ? doc!.result : {}) as Record<string, unknown>
      const v: LogPolicyVerdict = { mask: asSet(o.mask), drop: o.drop === true }
      if (json !== undefined) v.eventJson = json
      if (remember) {
        // Shared by every event with the same fields: frozen, so no reader can change another event's verdict.
        deepFreeze(v)
        remember(v)
      }
      return v
    }
    const docs = this.layerDocuments([layer], rel, input)
    return docs instanceof Promise ? docs.then(verdict) : verdict(docs)
  }

  /**
   * What the log policy of this activation reads (input-reads.ts), on first
   * use. None with custom host built-ins, which may not be deterministic.
   */
  private logMemo(active: ActiveBundle, pkg: readonly string[]): LogMemo | null {
    let memo = this.logMemos.get(active)
    if (memo !== undefined) return memo
    const src = this.logSources.get(active)
    this.logSources.delete(active)
    const custom = this.limits.builtinsModule !== undefined || Object.keys(this.opts.hostBuiltins ?? {}).length > 0
    const reads = src && !custom ? sourceInputReads(src.sources, src.regoVersion, pkg) : undefined
    memo = reads ? { reads, verdicts: new LRUCache({ max: LOG_MEMO_ENTRIES }) } : null
    this.logMemos.set(active, memo)
    return memo
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.cache.clear()
    this.spareMemories.clear()
    await this.prober.close()
    await this.evaluator.close()
  }

  private requireActive(): Layer[] {
    if (this.closed) throw new MeshgateError('bundle_unavailable', 'the engine is shut down')
    // The common case, checked without building lists: every layer active, none with a maximum age.
    if (this.layerList.every((l) => l.active && l.freshUntil === undefined)) return this.layerList
    const missing = this.layerList.filter((l) => !l.active)
    if (missing.length) {
      throw new MeshgateError(
        'bundle_unavailable',
        `no valid bundle is loaded for layer${missing.length > 1 ? 's' : ''} ${missing.map((l) => `\`${l.name}\``).join(', ')}`,
        undefined,
        missing.map((l) => ({ layer: l.name, error: l.lastError?.message })),
      )
    }
    const stale = this.staleLayers().filter((l) => l.onStale !== 'serve')
    if (stale.length) {
      throw new MeshgateError(
        'bundle_stale',
        `the bundle of layer${stale.length > 1 ? 's' : ''} ${stale.map((l) => `\`${l.name}\``).join(', ')} has not been checked with its service within its maximum age`,
        undefined,
        stale.map((l) => ({ layer: l.name, fresh_until: new Date(l.freshUntil!).toISOString() })),
      )
    }
    return this.layerList
  }

  /** Synchronous when `compute` is and the cache answers at once; throws when no layer set can answer. */
  private decide<T>(
    kind: string,
    input: unknown,
    compute: (active: Layer[], json?: string) => Computed<T> | Promise<Computed<T>>,
  ): Answer<T> | Promise<Answer<T>> {
    const active = this.requireActive()
    const { revisions, key } = this.activeState()
    const answer = (t: Through<T>): Answer<T> => ({ value: t.value, revisions, cached: t.cached })
    const t = this.cache.through(key, kind, input, (json) => compute(active, json))
    return t instanceof Promise ? t.then(answer) : answer(t)
  }

  /**
   * Each layer's document under its root, from one call list (the input
   * serialized once, one task for a worker). A layer whose call failed
   * carries the error instead of a result; a run that failed as a whole (a
   * worker past its time budget) fails every layer.
   */
  private layerDocuments(active: Layer[], rel: string[], input: unknown, relKey = rel.join('/')): LayerOutcome[] | Promise<LayerOutcome[]> {
    const plans: DocPlan[] = active.map((l) => {
      const a = l.active!
      let plan = a.plans.get(relKey)
      if (!plan) {
        const root = l.root === '' ? [] : l.root.split('/')
        plan = planDocument([...root, ...rel], [{ key: a.key, entrypoints: a.loaded.entrypoints, data: {} }])
        a.plans.set(relKey, plan)
      }
      return plan
    })
    const calls: EvalCall[] = plans.length === 1 ? plans[0]!.calls : plans.flatMap((p) => p.calls)
    const failedAll = (e: unknown): CallResult[] => {
      const error = evalError(e, relKey)
      return calls.map(() => ({ ok: false, error }))
    }
    if (calls.length === 0) return outcomes(active, plans, [])
    if (this.inProcess) {
      let results: CallResult[]
      try {
        results = this.inProcess.runNow(calls, input)
      } catch (e) {
        results = failedAll(e)
      }
      return outcomes(active, plans, results)
    }
    return this.evaluator.run(calls, input).then(
      (r) => outcomes(active, plans, r),
      (e: unknown) => outcomes(active, plans, failedAll(e)),
    )
  }

  /** The input with its JSON text when the cache made it and evaluations run in this thread (a worker gets plain values). */
  private encoded(input: unknown, json: string | undefined): unknown {
    return json !== undefined && this.inProcess ? new EncodedInput(input, this.encoder, json) : input
  }

  private dataFor(bundleData: Record<string, unknown>): Record<string, unknown> {
    if (!this.mesh || 'mesh' in bundleData) return bundleData
    return { ...bundleData, mesh: this.mesh }
  }
}

/** Each layer's share of the call results, assembled into its document (or the error it failed with). */
function outcomes(active: Layer[], plans: DocPlan[], results: CallResult[]): LayerOutcome[] {
  let at = 0
  return active.map((l, i) => {
    const p = plans[i]!
    const n = p.calls.length
    const out: LayerOutcome = { layer: l.name, revision: l.active!.loaded.revision, result: undefined }
    try {
      out.result = p.assemble(allOrThrow(n === results.length ? results : results.slice(at, at + n)))
    } catch (e) {
      out.error = e as MeshgateError
    }
    at += n
    return out
  })
}

/**
 * The per-rule plans of a layer's decision packages (`access`, `log`, and a
 * standalone bundle's `system/log`) whose rules the bundle can answer one by
 * one; the others are planned as package documents on first use.
 */
function decisionPlans(
  layer: LayerSpec,
  bundle: Bundle,
  key: string,
  entrypoints: string[],
  sourcePkgs: readonly (string[] | undefined)[],
): Map<string, DocPlan> {
  const plans = new Map<string, DocPlan>()
  const root = layer.root === '' ? [] : layer.root.split('/')
  const eps = new Set(entrypoints)
  const packages: [string, readonly string[]][] = Object.entries(DECISION_RULES)
  if (layer.root === '') packages.push(['system/log', DECISION_RULES.log!])
  for (const [rel, rules] of packages) {
    const pkg = [...root, ...rel.split('/')]
    if (!PER_RULE_PACKAGES.includes(rel) && eps.has(pkg.join('/'))) continue
    const found = ruleEntrypoints(pkg, rules, eps, bundle, sourcePkgs)
    if (found) plans.set(rel, rulePlan(key, found))
  }
  return plans
}
