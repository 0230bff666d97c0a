/** The probability that randomized response at `epsilon` tells the truth: e^ε / (1 + e^ε). */
export declare function truthProbability(epsilon: number): number;

/** A privatised report, one per device per period (`shelfwise experiment analyze` reads them). */
export interface ExperimentReport {
  format: "shelfwise-report/1";
  experiment: string;
  variant: string;
  /** The period's first day, YYYY-MM-DD. */
  period: string;
  epsilon: { clicked: number; converted: number; revenue: number };
  /** clicked and converted: randomized-response bits; revenue: clipped plus Laplace noise. */
  metrics: { clicked: 0 | 1; converted: 0 | 1; revenue: number };
  revenueCap: number;
}

/** An on-device experiment: assignment, counts and private reports. Makes no request. */
export declare class Experiment {
  static open(options: {
    name: string;
    variants: Record<string, number>;
    salt?: string;
    /** Counts and the device id are stored only while this profile has consent. */
    profile?: { hasConsent: boolean };
    storage?: Storage;
    periodDays?: number;
    revenueCap?: number;
  }): Promise<Experiment>;
  readonly variant: string;
  impression(shelf: string, items: unknown[]): void;
  click(shelf: string): void;
  purchase(value?: number): void;
  report(options?: { epsilon?: number }): ExperimentReport;
  export(): Record<string, unknown>;
  clear(): void;
}
