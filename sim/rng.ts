import seedrandom from 'seedrandom';

/**
 * The only source of randomness in tilewave: a seeded generator (seedrandom's alea). Named child
 * streams (`fork`) keep one component's draws independent of how many draws another makes, so
 * adding a random choice in one model does not shift every other result.
 */
export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string | number) {
    this.prng = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.prng();
  }

  /** Integer uniform in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  /** Standard normal draw (Box-Muller), scaled. */
  normal(mean = 0, stdDev = 1): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return mean + stdDev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.prng();
    return -mean * Math.log(u);
  }

  /** Index drawn with probability proportional to `weights`. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.prng() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** An independent stream derived from this seed and a name. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }
}
