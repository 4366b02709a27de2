import { UsageError } from './errors.js';

/** The whole state of a {@link SeededRandom}: four unsigned 32-bit words, safe to store as JSON. */
export type SeededRandomState = readonly [number, number, number, number];

/** Outputs discarded after seeding, so that nearby seeds do not start with correlated numbers. */
const warmUpRounds = 16;

/** One step of a 32-bit integer hash, used only to spread a seed over the four state words. */
function mixSeed(value: number): number {
  let x = (value + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * A small, fast, seeded pseudo-random generator (the sfc32 recurrence: one counter and three mixed
 * words), deterministic across platforms, with a state that can be saved and restored for checkpoints.
 *
 * @example
 * const random = new SeededRandom(42);
 * const saved = random.saveState();
 * const a = random.next();
 * random.restoreState(saved);
 * random.next() === a; // true
 */
export class SeededRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private counter = 0;

  /** `seed` is read as an integer (fractions are dropped); any finite number works, negative ones included. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new UsageError(`random seed must be a finite number, got ${String(seed)}`);
    const base = Math.floor(Math.abs(seed)) >>> 0;
    const high = Math.floor(Math.abs(seed) / 2 ** 32) >>> 0;
    this.a = mixSeed(base);
    this.b = mixSeed(this.a ^ high);
    this.c = mixSeed(this.b ^ (seed < 0 ? 1 : 0));
    this.counter = 1;
    for (let round = 0; round < warmUpRounds; round += 1) this.nextUint32();
  }

  /** A generator that continues exactly where the one that produced `state` stood. */
  static fromState(state: SeededRandomState): SeededRandom {
    const random = new SeededRandom(0);
    random.restoreState(state);
    return random;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const sum = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + sum) | 0;
    return sum >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`random.int(n) needs a positive integer n, got ${String(n)}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new UsageError('random.pick(items) needs a non-empty array, got an empty one');
    return items[this.int(items.length)] as T;
  }

  /** A copy of `items` in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  /** A standard normal sample (Box–Muller; one fresh pair per call so the state stays four words). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The current state; pass it to {@link restoreState} or {@link SeededRandom.fromState} to resume. */
  saveState(): SeededRandomState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.counter >>> 0];
  }

  /** Continues from a state saved by {@link saveState}. */
  restoreState(state: SeededRandomState): void {
    const valid = state.length === 4 && state.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffffffff);
    if (!valid) throw new UsageError(`random state must be four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    [this.a, this.b, this.c, this.counter] = [state[0] | 0, state[1] | 0, state[2] | 0, state[3] | 0];
  }
}
