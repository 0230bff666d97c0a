import type { Propensity, PropensityRecord, SessionLog } from "./shelfwise.js";

/** `new SessionTracker(options)`. */
export interface SessionTrackerOptions {
  /** Storage key of the session (and, with "-last-visit", of the last visit's time). Default "shelfwise-session". */
  key?: string;
  /** Where the session is kept once consent is given. Default "sessionStorage" (this tab). "memory" keeps nothing, not even the last visit. */
  storage?: "sessionStorage" | "memory" | Pick<Storage, "getItem" | "setItem" | "removeItem">;
  /** A new session starts after this many minutes without an event. Default 30. */
  timeoutMinutes?: number;
  /** Follow this Profile's consent instead of calling `grantConsent()`. */
  profile?: { readonly hasConsent: boolean };
  /** The model `record()` uses by default. */
  model?: Propensity;
  /** The clock, in ms since the epoch. Default `Date.now` (tests pass their own). */
  clock?: () => number;
  /** Whose `visibilitychange` pauses the page timer. Default `document`. */
  document?: Pick<Document, "addEventListener" | "removeEventListener" | "visibilityState">;
}

/** Statistics a page may supply itself (they take precedence over the bundle's table). */
export interface PageViewOptions {
  /** The page's id (a product id, a path). */
  id?: string | null;
  /** The page's value (revenue of sessions that saw it before buying, per view), in [0, 1e12]. */
  value?: number;
  /** Share of sessions entering on this page that left without another view, in [0, 1]. */
  bounceRate?: number;
  /** Share of this page's views that ended their session, in [0, 1]. */
  exitRate?: number;
}

/** The visit in progress: page views with visible time, cart adds, purchases, supplied values. */
export class SessionTracker {
  constructor(options?: SessionTrackerOptions);
  readonly hasConsent: boolean;
  /** Page views not recorded because the session already had 1,000. */
  readonly dropped: number;
  grantConsent(): void;
  revokeConsent(): void;
  /** A page view of `type` ("product", "info", … as the model's mapping names them). */
  page(type: string, options?: PageViewOptions): void;
  cart(): void;
  purchase(): void;
  /** A value the page supplies (`$key` in the mapping). */
  set(key: string, value: number | string | boolean | null): void;
  /** The session log now (the current page's visible time counted up to this moment). */
  toJSON(): SessionLog;
  /** `model.sessionRecord(this.toJSON())`. */
  record(model?: Propensity): PropensityRecord;
  /** Ends the session and removes it from storage. */
  end(): void;
  /** Stops listening to the page's visibility. */
  dispose(): void;
}
