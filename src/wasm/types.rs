//! TypeScript definitions for the plain objects the JS API takes and returns.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One ranked item. Scores are comparable within one response only. */
export interface Scored {
  item: string;
  score: number;
  /** Set when a promotion placed the item. */
  promoted?: true;
  /** Set when `explore` placed the item (a new item). */
  explore?: true;
  /** With `reasons: true`: the history (or cart, or query) items that contributed most. */
  because?: string[];
}
/** A rule checked against the catalogue by `compile`: pass it (or its text) as a filter or boost. */
export interface CompiledRule { rule: string; kind: "filter" | "boost"; params: [string, string][] }
/** A rule: its text, or what `compile` returned. */
export type RuleInput = string | CompiledRule;
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
  /** Only items for which this rule over catalogue attributes holds: `in_stock && price < 50`. */
  filter?: RuleInput;
  /** Multiply each score by this rule's value: `margin > 0.3 ? 1.2 : 1`. */
  boost?: RuleInput;
  /** Values for the rules' `$parameters`. */
  params?: Record<string, number | boolean | string | string[]>;
  /** The time rules call `now` (default: this device's clock). */
  now?: Date | number;
  /** At most `n` items per value of an attribute. */
  maxPerGroup?: { attribute: string; n: number };
  /** `share` of the slots go to the best items passing `filter`, spread after the first slot. */
  promote?: { filter: RuleInput; share: number };
  /** Rotation: items shown and ignored (`Profile.impressions()`) sink, their scores halved
   * every `halfLife` showings (default 3). */
  rotation?: { impressions: { item: string; count: number }[]; halfLife?: number };
  /** 0 (default) to 1: trade score against likeness to the items already chosen (MMR). */
  diversity?: number;
  /** Reserve this share of the slots for new items (in the catalogue, not yet bought). */
  explore?: number;
  /** Add `because` to each item. Default false. */
  reasons?: boolean;
}
/** Progress of a bundle download. `total` is unknown when the server compresses or omits the length. */
export interface LoadProgress { loaded: number; total?: number; cached?: boolean }
/** How `Recommender.load` / `Propensity.load` fetch a bundle. */
export interface LoadOptions {
  /** Subresource-Integrity string ("sha256-<base64>", or sha384/sha512). The bytes are checked
   * with WebCrypto before they are parsed; a mismatch rejects. Needs https:// or localhost. */
  integrity?: string;
  /** Called as bytes arrive (and once at the end). */
  onProgress?: (progress: LoadProgress) => void;
  /** Keep a verified copy in the Cache API: `true` (cache "shelfwise-bundles") or a cache name.
   * Default false. Ignored where the Cache API is missing (Node, plain http:// pages). */
  cache?: boolean | string;
  /** Aborts the download. */
  signal?: AbortSignal;
}
/** `recommendDetailed`'s answer. */
export interface Recommendations {
  items: Scored[];
  /** History ids not in the catalogue (skipped), each once. */
  unknown: string[];
  /** Oldest history entries left out: a history keeps its 10,000 most recent (last) entries. */
  truncated: number;
  /** True when no history item was known and popularity was used. */
  fallback: boolean;
  /** E.g. that no item (or too few) satisfies the filter. */
  notes?: string[];
}
/** One catalogue item as stored in the bundle. */
export interface CatalogEntry {
  item: string;
  title?: string;
  price?: number;
  popularity: number;
  /** Catalogue attributes (`train recs --catalog`); times are seconds since 1970. */
  attributes?: Record<string, number | boolean | string | string[]>;
}
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
/** `Propensity.decide`: act when the expected value `p · benefit − cost` is positive. */
export interface Decision { act: boolean; p: number; expectedValue: number; benefit: number; cost: number; breakEven: number }
/** A raw record for propensity scoring: field name → value (null/undefined = missing). */
export type PropensityRecord = Record<string, number | string | boolean | null | undefined>;
/** One page view of a session log. `seconds`: visible time. `value`, `bounceRate`, `exitRate`:
 * statistics the page supplied itself (they take precedence over the bundle's table). */
export interface SessionPageView { type: string; id?: string | null; seconds: number; value?: number | null; bounceRate?: number | null; exitRate?: number | null }
/** What `SessionTracker.toJSON()` returns and `Propensity.sessionRecord` reads. */
export interface SessionLog {
  format?: "shelfwise-session/1";
  /** Session start, ms since the epoch. */
  start: number;
  /** Minutes east of UTC (local month, day and hour). Default 0. */
  utcOffset?: number;
  /** Whether this device visited before; null when unknown. */
  returning?: boolean | null;
  pages: SessionPageView[];
  cartAdds?: number;
  purchases?: number;
  /** Values the page supplied (`$name` in the mapping). */
  values?: Record<string, number | string | boolean | null>;
}
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
/** One label of a classification and its probability. */
export interface LabelScore { label: string; p: number }
/** `TextClassifier.classify`'s answer. */
export interface Classification {
  /** Every label, most probable first; probabilities sum to 1. */
  labels: LabelScore[];
  /** Terms of the text the model knew (0: the answer is just the label prior). */
  knownTerms: number;
}
/** What `info()` returns. */
export interface ModelInfo {
  /** The family; "blend" holds factors and item-item rows. */
  model: "als" | "svd" | "ease" | "rp3" | "blend" | "popular";
  items: number;
  /** Latent factors per item (factor models and blends). */
  factors?: number;
  /** How the factors are stored (factor models and blends). */
  factorStorage?: "f32" | "f16" | "int8";
  /** Item-item entries (item-item models and blends). */
  neighbors?: number;
  hasCatalog: boolean;
  hasBoughtTogether: boolean;
  hasTrending: boolean;
  /** Whether item embeddings for `forSession` are included. */
  hasItem2Vec: boolean;
  /** Whether a title index for `similarByText` is included. */
  hasTextIndex: boolean;
  /** New items (in the catalogue, never interacted with), placed by their look-alikes. */
  coldItems: number;
  metadata: ModelMetadata;
}
"#;
