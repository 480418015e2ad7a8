/** Mean and median of a sample; null when it is empty. An even-count median is the mean of the middle two. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i] as number;
  return sum / values.length;
}

/** The median of `a`, reordering it (no copy: for samples that are not needed afterwards). */
export function medianInPlace(a: Float64Array): number | null {
  const n = a.length;
  if (n === 0) return null;
  const k = n >> 1;
  if (n >= sampledSelectionMin) {
    const middle = sampledMiddle(a, n % 2 === 1 ? k : k - 1, k);
    if (middle !== null) return n % 2 === 1 ? middle.upper : (middle.lower + middle.upper) / 2;
  }
  const upper = select(a, k);
  if (n % 2 === 1) return upper;
  // After selecting index n/2, everything left of it is ≤ it: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < k; i += 1) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/** From this size on, the median is found through a sample (one pass) rather than by quickselect (several). */
const sampledSelectionMin = 1 << 16;

/**
 * The k1-th and k2-th smallest values (k1 ≤ k2 ≤ k1 + 1) in the manner of Floyd and Rivest: a sorted sample of
 * evenly spaced elements gives two bounds that very likely bracket both ranks; one pass counts the values below
 * the lower bound and moves those between the bounds to the front, and a quickselect among those few finds the
 * ranks. Exact: null when the bounds missed (then the caller selects over all of `a`, which holds the same values,
 * reordered).
 */
export function sampledMiddle(a: Float64Array, k1: number, k2: number): { lower: number; upper: number } | null {
  const n = a.length;
  const size = Math.ceil(Math.cbrt(n) ** 2);
  const stride = n / size;
  const sample = new Float64Array(size);
  for (let i = 0; i < size; i += 1) sample[i] = a[Math.floor(i * stride)] as number;
  sample.sort();
  // The sample ranks that stand for k1 and k2, widened by four standard deviations of a sample rank.
  const spread = Math.ceil(2 * Math.sqrt(size));
  const lo = sample[Math.max(0, Math.floor((k1 / n) * size) - spread)] as number;
  const hi = sample[Math.min(size - 1, Math.ceil((k2 / n) * size) + spread)] as number;
  let below = 0;
  let count = 0;
  for (let i = 0; i < n; i += 1) {
    const x = a[i] as number;
    // Without branches (a comparison's 0 or 1 is added; a value is swapped either way), since which way a
    // random value goes cannot be predicted: a swap with the first value not known to lie between the bounds.
    below += +(x < lo);
    a[i] = a[count] as number;
    a[count] = x;
    count += +(x >= lo) & +(x <= hi);
  }
  if (below > k1 || below + count <= k2) return null;
  const gathered = a.subarray(0, count);
  const upper = select(gathered, k2 - below);
  if (k1 === k2) return { lower: upper, upper };
  // After selecting, every value left of k2 is ≤ it: the k1-th (= k2 − 1) is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < k2 - below; i += 1) if ((gathered[i] as number) > lower) lower = gathered[i] as number;
  return { lower, upper };
}

/** The k-th smallest value (0-based), partially reordering `a` (Hoare's quickselect, median-of-three pivots). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i += 1;
      while ((a[j] as number) > pivot) j -= 1;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** A growable sample of doubles (no boxed numbers, amortised O(1) push). */
export class Sample {
  /** Empty until the first push (a tally keeps many samples that may stay empty). */
  private data: Float64Array = new Float64Array(0);
  length = 0;

  /** A sample holding exactly these values (taken over, not copied). */
  static of(values: Float64Array): Sample {
    const sample = new Sample();
    sample.data = values;
    sample.length = values.length;
    return sample;
  }

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(Math.max(64, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  pushAll(other: Sample | Float64Array): void {
    const values = other instanceof Sample ? other.values() : other;
    if (this.length + values.length > this.data.length) {
      const bigger = new Float64Array(Math.max(this.data.length * 2, this.length + values.length));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  /** A view of the pushed values (valid until the next push). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
