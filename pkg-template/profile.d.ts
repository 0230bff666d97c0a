/** What a shopper did with an item. */
export type ProfileEventKind = "view" | "cart" | "purchase";

/** One stored event; `time` is milliseconds since the epoch. */
export interface ProfileEvent { kind: ProfileEventKind; item: string; time: number }

/** How `Profile.open` stores and bounds the profile. */
export interface ProfileOptions {
  /** localStorage key or IndexedDB database name. Default "shelfwise-profile". */
  key?: string;
  /** Where events are kept. Default "localStorage". A Storage-like object (getItem/setItem/removeItem) also works. */
  storage?: "localStorage" | "indexedDB" | "memory" | Pick<Storage, "getItem" | "setItem" | "removeItem">;
  /** Events older than this are dropped. Default 30. */
  retentionDays?: number;
  /** At most this many events are kept (oldest dropped first): a whole number >= 1. Default 500. */
  maxEvents?: number;
  /** Weight of each kind in `history()`. Default { view: 1, cart: 3, purchase: 5 }. */
  weights?: Partial<Record<ProfileEventKind, number>>;
}

/** `history()` options. */
export interface ProfileHistoryOptions {
  /** Halve an event's weight for every this many days of age. Default: no decay. An event whose
   * decayed weight falls below 1e-6 of a fresh one no longer counts (it is left out). */
  halfLifeDays?: number;
  /** The reference time (ms since the epoch). Default now. */
  now?: number;
}

/** `export()`: everything stored about the shopper, readable. */
export interface ProfileExport {
  format: "shelfwise-profile/1";
  storage: "localStorage" | "indexedDB" | "memory";
  key: string;
  /** When consent was given (ISO 8601), or null if it was not. */
  consentGiven: string | null;
  retentionDays: number;
  maxEvents: number;
  events: { kind: ProfileEventKind; item: string; time: string }[];
  /** Items shown since last interacted with (rotation). */
  impressions: { item: string; count: number; lastShown: string }[];
}

/**
 * The shopper's events, kept on this device only. Nothing is written to storage before
 * `grantConsent()`; until then events are kept in memory for the current page.
 */
export class Profile {
  private constructor();
  /** Opens (or creates) a profile; expired events are dropped on open. */
  static open(options?: ProfileOptions): Promise<Profile>;
  /** Whether the shopper agreed to keep their history on this device. */
  readonly hasConsent: boolean;
  /** Stored events that could not be read when the profile was opened (dropped; the rest are kept). */
  readonly droppedOnLoad: number;
  /** The storage in use. */
  readonly storage: "localStorage" | "indexedDB" | "memory";
  /** Records consent and persists this page's events. */
  grantConsent(): Promise<void>;
  /** Erases everything stored, including the consent, and this page's events. */
  revokeConsent(): Promise<void>;
  /** Adds an event at `time` (ms since the epoch, default now). Throws TypeError on a bad kind, item or time. */
  record(kind: ProfileEventKind, item: string, time?: number): Promise<void>;
  view(item: string): Promise<void>;
  addToCart(item: string): Promise<void>;
  purchase(item: string): Promise<void>;
  /** All events kept, oldest first. */
  events(): ProfileEvent[];
  /** Distinct items of the given kinds (default all), most recent last. */
  items(kinds?: ProfileEventKind[]): string[];
  /** `{ item, weight }[]` for `Recommender.recommend`, most recent last. */
  history(options?: ProfileHistoryOptions): { item: string; weight: number }[];
  /** Records that `items` were shown (for rotation); an interaction resets an item's count. */
  shown(items: (string | { item: string })[], time?: number): Promise<void>;
  /** Items shown since last interacted with, for `rotation: { impressions }`. */
  impressions(): { item: string; count: number }[];
  /** Everything stored, in readable form. */
  export(): ProfileExport;
  /** Erases all events (the consent choice is kept). */
  clear(): Promise<void>;
}
