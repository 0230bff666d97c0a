/* tslint:disable */
/* eslint-disable */

/** One ranked item. Scores are comparable within one response only. */
export interface Scored { item: string; score: number }
/** A history entry: an item id, or an item with a weight (default 1; must be finite and > 0). */
export type HistoryEntry = string | { item: string; weight?: number };
/** Business rules for one request. */
export interface RecommendOptions {
    /** How many items (1–1000). Default 10. */
    k?: number;
    /** Item ids never to return. */
    exclude?: string[];
    /** When set, only these item ids may be returned. */
    includeOnly?: string[];
    /** Allow items already in the history. Default false. */
    includeHistory?: boolean;
}
/** Options that only take a count. */
export interface TopKOptions { k?: number }
/** `recommendDetailed`'s answer. */
export interface Recommendations {
    items: Scored[];
    /** History ids not in the catalogue (skipped). */
    unknown: string[];
    /** True when no history item was known and popularity was used. */
    fallback: boolean;
}
/** One catalogue item as stored in the bundle. */
export interface CatalogEntry { item: string; title?: string; price?: number; popularity: number }
/** Metadata written by the trainer. */
export interface ModelMetadata {
    model: string;
    createdBy: string;
    params: Record<string, string>;
    metrics: Record<string, number>;
    trainedUntil?: string;
    counts: Record<string, number>;
    notes: string[];
}
/** A raw record for propensity scoring: field name → value (null/undefined = missing). */
export type PropensityRecord = Record<string, number | string | boolean | null | undefined>;
/** A score and what encoding noticed. */
export interface PropensityScore { p: number; missing: string[]; unknown: string[]; unseen: string[] }
/** One field's contribution, in log-odds (positive pushes towards buying). */
export interface Contribution { field: string; contribution: number }
/** One input field of a propensity model. */
export type PropensityField =
| { name: string; type: "numeric"; mean: number; std: number; missingIndicator: boolean }
| { name: string; type: "boolean"; rate: number; std: number; missingIndicator: boolean }
| { name: string; type: "categorical"; categories: string[]; missingIndicator: boolean };
/** The fields a propensity model expects. */
export interface PropensitySchema { fields: PropensityField[]; target: string }
/** What `info()` returns. */
export interface ModelInfo {
    model: "als" | "ease" | "popular";
    items: number;
    factors?: number;
    neighbors?: number;
    hasCatalog: boolean;
    metadata: ModelMetadata;
}



/**
 * A purchase-propensity model loaded from a bundle. Records are scored on this device.
 */
export class Propensity {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Frees the model's memory now.
     */
    dispose(): void;
    /**
     * Each field's contribution in log-odds, largest first.
     */
    explain(record: PropensityRecord): Contribution[];
    /**
     * Loads and validates a propensity bundle.
     */
    static fromBytes(bytes: Uint8Array | number[]): Propensity;
    /**
     * Model family, metrics, decision threshold.
     */
    info(): ModelMetadata;
    /**
     * The fields the model expects, their types and categories.
     */
    schema(): PropensitySchema;
    /**
     * Scores many records; the error names the index of the first bad one.
     */
    scoreBatch(records: PropensityRecord[]): Float64Array;
    /**
     * The probability plus what was imputed (`missing`), ignored (`unknown`) or unseen.
     */
    scoreDetailed(record: PropensityRecord): PropensityScore;
    /**
     * Probability (0–1) that this visit converts. Missing fields are imputed; a wrong type,
     * NaN or Infinity throws an Error naming the field and value.
     */
    score(record: PropensityRecord): number;
    /**
     * The decision threshold chosen in training (maximises F1 on held-out data).
     */
    readonly threshold: number;
}

/**
 * A recommendation model loaded from a bundle. All scoring happens on this device.
 */
export class Recommender {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Every item with its title, price and popularity (when the bundle has them).
     */
    catalog(): CatalogEntry[];
    /**
     * Frees the model's memory now (the object is unusable afterwards).
     */
    dispose(): void;
    /**
     * Loads and validates a bundle. Throws on truncated, corrupt or wrong-version bytes.
     */
    static fromBytes(bytes: Uint8Array | number[]): Recommender;
    /**
     * Whether `item` is in the catalogue.
     */
    hasItem(item: string): boolean;
    /**
     * Model family, item count, factors, metrics, training cut-off.
     */
    info(): ModelInfo;
    /**
     * The most popular items (the fallback for a new visitor).
     */
    popular(opts?: RecommendOptions): Scored[];
    /**
     * Like `recommend`, plus the unknown ids that were skipped and whether popularity was used.
     */
    recommendDetailed(history: HistoryEntry[], opts?: RecommendOptions): Recommendations;
    /**
     * Top-k items for a history (`string[]` or `{ item, weight }[]`), history excluded.
     * Options: `{ k = 10, exclude, includeOnly, includeHistory = false }`.
     */
    recommend(history: HistoryEntry[], opts?: RecommendOptions): Scored[];
    /**
     * Items most similar to `item`. Throws for an unknown item.
     */
    similar(item: string, opts?: TopKOptions): Scored[];
    /**
     * Number of items in the catalogue.
     */
    readonly itemCount: number;
}

/**
 * The library version, for diagnostics.
 */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_propensity_free: (a: number, b: number) => void;
    readonly __wbg_recommender_free: (a: number, b: number) => void;
    readonly propensity_dispose: (a: number) => void;
    readonly propensity_explain: (a: number, b: any) => [number, number, number];
    readonly propensity_fromBytes: (a: number, b: number) => [number, number, number];
    readonly propensity_info: (a: number) => [number, number, number];
    readonly propensity_schema: (a: number) => [number, number, number];
    readonly propensity_score: (a: number, b: any) => [number, number, number];
    readonly propensity_scoreBatch: (a: number, b: any) => [number, number, number];
    readonly propensity_scoreDetailed: (a: number, b: any) => [number, number, number];
    readonly propensity_threshold: (a: number) => number;
    readonly recommender_catalog: (a: number) => [number, number, number];
    readonly recommender_dispose: (a: number) => void;
    readonly recommender_fromBytes: (a: number, b: number) => [number, number, number];
    readonly recommender_hasItem: (a: number, b: number, c: number) => number;
    readonly recommender_info: (a: number) => [number, number, number];
    readonly recommender_itemCount: (a: number) => number;
    readonly recommender_popular: (a: number, b: any) => [number, number, number];
    readonly recommender_recommend: (a: number, b: any, c: any) => [number, number, number];
    readonly recommender_recommendDetailed: (a: number, b: any, c: any) => [number, number, number];
    readonly recommender_similar: (a: number, b: number, c: number, d: any) => [number, number, number];
    readonly version: () => [number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
