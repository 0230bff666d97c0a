/** One page's shelves: what earlier shelves showed, so that later shelves leave it out. */
export declare class PageContext {
  /** `opts` with `exclude` extended by every item shown so far on this page. */
  options<T extends { exclude?: string[] }>(opts?: T): T & { exclude: string[] };
  /** Records a shelf's items (`Scored[]` or ids) as shown and returns them unchanged. */
  show<T extends string | { item: string }>(items: T[]): T[];
  /** The ids shown so far, in the order they were first shown. */
  readonly shown: string[];
  /** Forgets what was shown (a new page view in a single-page app). */
  clear(): void;
}
