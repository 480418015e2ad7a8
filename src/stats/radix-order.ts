/**
 * The order that sorts non-negative whole numbers below 2^53 (durations in microseconds), stable: `order[i]` is the
 * index of the (i+1)-th smallest. Least-significant-digit radix sort on 16-bit digits, skipping the digits every
 * key has as zero; a few linear passes instead of a comparison sort of indices, which is several times slower, so
 * that one order can serve every segmentation of the same durations. Written here because no maintained package
 * sorts indices of a Float64Array by value.
 */
export function radixOrder(keys: Float64Array): Int32Array {
  const n = keys.length;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 0; i < n; i += 1) {
    const key = keys[i] as number;
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Number.isInteger(key))) {
      throw new RangeError(`radixOrder: key ${key} at ${i} is not a whole number in [0, 2^53)`);
    }
    const h = Math.floor(key / 4294967296);
    hi[i] = h;
    lo[i] = key - h * 4294967296;
    if (h > maxHi) maxHi = h;
    if ((lo[i] as number) > maxLo) maxLo = lo[i] as number;
  }
  let order = Int32Array.from({ length: n }, (_, i) => i);
  let next = new Int32Array(n);
  const counts = new Int32Array(65537);
  const digits: [Uint32Array, number][] = [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ];
  for (const [words, shift] of digits) {
    const max = words === lo ? maxLo : maxHi;
    if (max >>> shift === 0) continue; // this digit is zero in every key
    counts.fill(0);
    for (let i = 0; i < n; i += 1) {
      const d = ((words[order[i] as number] as number) >>> shift) & 0xffff;
      counts[d + 1] = (counts[d + 1] as number) + 1;
    }
    for (let d = 0; d < 65536; d += 1) counts[d + 1] = (counts[d + 1] as number) + (counts[d] as number);
    for (let i = 0; i < n; i += 1) {
      const index = order[i] as number;
      const d = ((words[index] as number) >>> shift) & 0xffff;
      next[counts[d] as number] = index;
      counts[d] = (counts[d] as number) + 1;
    }
    [order, next] = [next, order];
  }
  return order;
}
