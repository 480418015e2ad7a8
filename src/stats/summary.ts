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
  const upper = select(a, n >> 1);
  if (n % 2 === 1) return upper;
  // After selecting index n/2, everything left of it is ≤ it: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i += 1) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
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
  private data: Float64Array = new Float64Array(64);
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
