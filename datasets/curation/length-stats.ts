/** Token statistics of a split, as manifests record them. */
export interface LengthSummary {
  records: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** Collects one number per record (token counts) and summarises them; memory grows by 4 bytes a record. */
export class LengthStats {
  private values = new Uint32Array(1024);
  private count = 0;

  /** Adds one record's length. */
  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count] = value;
    this.count += 1;
  }

  /** min, mean, p50, p95 and max (nearest rank); zeros when empty. */
  summary(): LengthSummary {
    if (this.count === 0) return { records: 0, min: 0, mean: 0, p50: 0, p95: 0, max: 0 };
    const sorted = this.values.slice(0, this.count).sort();
    const rank = (q: number) => sorted[Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1))]!;
    let total = 0;
    for (const value of sorted) total += value;
    return { records: this.count, min: sorted[0]!, mean: Math.round((total / this.count) * 10) / 10, p50: rank(0.5), p95: rank(0.95), max: sorted[this.count - 1]! };
  }

  /** Counts per bucket of `width`, for the dataset card's histogram. */
  histogram(buckets: number): Array<{ from: number; to: number; count: number }> {
    if (this.count === 0) return [];
    const sorted = this.values.slice(0, this.count).sort();
    const low = sorted[0]!;
    const high = sorted[this.count - 1]!;
    const width = Math.max(1, Math.ceil((high - low + 1) / buckets));
    const result = Array.from({ length: Math.ceil((high - low + 1) / width) }, (_, index) => ({ from: low + index * width, to: low + (index + 1) * width - 1, count: 0 }));
    for (const value of sorted) result[Math.floor((value - low) / width)]!.count += 1;
    return result;
  }
}
