/**
 * Touchpoints and journeys (docs/attribution.md): a person's web events (those with a channel) fall into sessions
 * at `sessionGapUs` of inactivity; each session is one touchpoint, with the channel and campaign of its first event
 * and the device it happened on. The journey of a conversion is the person's touchpoints that started within
 * `lookbackUs` before it (up to and including its own session); touchpoints may serve several conversions, as in
 * GA4. Touchpoints after a person's last conversion before the range's end (all of them for a person who had not
 * converted by then), up to that end and within the lookback before the last of them, form the person's path
 * without conversion when that last touchpoint falls in the range (the Markov and Shapley models' null paths).
 * Pure: columns in, arrays out.
 */

export interface TouchInput {
  /** Rows of person p are personStarts[p] .. personStarts[p + 1] - 1, oldest first. */
  personStarts: Int32Array;
  tsUs: Float64Array;
  /** Channel code per row (0: no channel, not a web event: it starts no session). */
  channel: Int32Array;
  /** Campaign code per row (0: none). */
  campaign: Int32Array;
  /** Device code per row (0: unknown). */
  device: Int32Array;
  /** Conversion rows in row order, and the value of each. */
  conversionRows: Int32Array;
  conversionValues: Float64Array;
  sessionGapUs: number;
  lookbackUs: number;
  /** Count conversions from this time on (µs, inclusive) and before `toUs` (exclusive). */
  fromUs: number;
  toUs: number;
}

/** Journeys in flat arrays: journey j's touches are touch indexes touchOf[start[j] .. start[j + 1] - 1]. */
export interface Journeys {
  count: number;
  start: Int32Array;
  touchOf: Int32Array;
  /** 1 for a conversion, 0 for a path without one. */
  converted: Uint8Array;
  value: Float64Array;
  /** The conversion's time (µs); for a path without conversion the start of its last touch. */
  endUs: Float64Array;
  /** The device of the conversion (its row's, else the person's last device seen at or before it; 0: unknown). */
  device: Int32Array;
}

export interface Touches {
  count: number;
  /** The session's first row. */
  row: Int32Array;
  tsUs: Float64Array;
  channel: Int32Array;
  campaign: Int32Array;
  device: Int32Array;
}

export interface JourneySet {
  touches: Touches;
  journeys: Journeys;
  /** Conversions counted in the range, and how many of them had no touchpoint in their lookback. */
  conversions: number;
  withoutTouch: number;
}

class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  array(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

class FloatList {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  array(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Sessions of web events: a new one after `gapUs` without a web event. Touch rows, in person and time order. */
export function sessionTouches(input: Pick<TouchInput, 'personStarts' | 'tsUs' | 'channel' | 'sessionGapUs'>): {
  rows: Int32Array;
  /** Touches of person p are touchStarts[p] .. touchStarts[p + 1] - 1. */
  touchStarts: Int32Array;
} {
  const { personStarts, tsUs, channel, sessionGapUs } = input;
  const persons = personStarts.length - 1;
  const rows = new IntList();
  const touchStarts = new Int32Array(persons + 1);
  for (let p = 0; p < persons; p += 1) {
    touchStarts[p] = rows.length;
    let last = Number.NEGATIVE_INFINITY;
    const end = personStarts[p + 1] as number;
    for (let r = personStarts[p] as number; r < end; r += 1) {
      if (channel[r] === 0) continue;
      const t = tsUs[r] as number;
      if (t - last > sessionGapUs) rows.push(r);
      last = t;
    }
  }
  touchStarts[persons] = rows.length;
  return { rows: rows.array(), touchStarts };
}

/** Every conversion's journey and every person's path without conversion. */
/** The touchpoints of every person (sessions of web events), in person and time order. */
export function touchpointsOf(
  input: Pick<TouchInput, 'personStarts' | 'tsUs' | 'channel' | 'campaign' | 'device' | 'sessionGapUs'>,
): { touches: Touches; touchStarts: Int32Array } {
  const { tsUs, channel, campaign, device } = input;
  const { rows: touchRows, touchStarts } = sessionTouches(input);
  const touchCount = touchRows.length;
  const touches: Touches = {
    count: touchCount,
    row: touchRows,
    tsUs: new Float64Array(touchCount),
    channel: new Int32Array(touchCount),
    campaign: new Int32Array(touchCount),
    device: new Int32Array(touchCount),
  };
  for (let i = 0; i < touchCount; i += 1) {
    const r = touchRows[i] as number;
    touches.tsUs[i] = tsUs[r] as number;
    touches.channel[i] = channel[r] as number;
    touches.campaign[i] = campaign[r] as number;
    touches.device[i] = device[r] as number;
  }
  return { touches, touchStarts };
}

/**
 * Every conversion's journey and every person's path without conversion. `touchpoints`: the persons' touchpoints
 * when already made from the same input (they do not depend on the conversions).
 */
export function buildJourneys(
  input: TouchInput,
  touchpoints: { touches: Touches; touchStarts: Int32Array } = touchpointsOf(input),
): JourneySet {
  const { personStarts, tsUs, device, conversionRows, conversionValues } = input;
  const { touches, touchStarts } = touchpoints;

  const start = new IntList();
  const touchOf = new IntList();
  const converted = new IntList();
  const value = new FloatList();
  const endUs = new FloatList();
  const journeyDevice = new IntList();
  let conversions = 0;
  let withoutTouch = 0;
  const persons = personStarts.length - 1;
  let c = 0;
  for (let p = 0; p < persons; p += 1) {
    const first = touchStarts[p] as number;
    const last = touchStarts[p + 1] as number;
    const rowEnd = personStarts[p + 1] as number;
    // The person's conversions (conversion rows are in row order, so person order too).
    let lastConversionUs = Number.NEGATIVE_INFINITY;
    let lastDeviceRow = personStarts[p] as number;
    while (c < conversionRows.length && (conversionRows[c] as number) < rowEnd) {
      const row = conversionRows[c] as number;
      const t = tsUs[row] as number;
      // Conversions after the range do not end a path: as of its end the person had not converted.
      if (t < input.toUs) lastConversionUs = Math.max(lastConversionUs, t);
      if (t >= input.fromUs && t < input.toUs) {
        conversions += 1;
        start.push(touchOf.length);
        for (let i = first; i < last; i += 1) {
          const ts = touches.tsUs[i] as number;
          if (ts > t) break;
          if (ts >= t - input.lookbackUs) touchOf.push(i);
        }
        if (touchOf.length === (start.data[start.length - 1] as number)) withoutTouch += 1;
        converted.push(1);
        value.push(conversionValues[c] as number);
        endUs.push(t);
        // The conversion's device: its own row's, else the last device the person was seen on by then.
        let d = device[row] as number;
        if (d === 0) {
          for (let r = Math.max(lastDeviceRow, personStarts[p] as number); r <= row; r += 1) {
            if ((device[r] as number) !== 0) lastDeviceRow = r;
          }
          d = device[lastDeviceRow] as number;
        }
        journeyDevice.push(d);
      }
      c += 1;
    }
    // The path without conversion: touches after the last conversion (up to the range's end), within the lookback
    // of the last of them, which must fall in the range.
    let from = first;
    while (from < last && (touches.tsUs[from] as number) <= lastConversionUs) from += 1;
    let to = from;
    while (to < last && (touches.tsUs[to] as number) < input.toUs) to += 1;
    if (to > from && (touches.tsUs[to - 1] as number) >= input.fromUs) {
      const lastTouchUs = touches.tsUs[to - 1] as number;
      while ((touches.tsUs[from] as number) < lastTouchUs - input.lookbackUs) from += 1;
      start.push(touchOf.length);
      for (let i = from; i < to; i += 1) touchOf.push(i);
      converted.push(0);
      value.push(0);
      endUs.push(lastTouchUs);
      journeyDevice.push(touches.device[to - 1] as number);
    }
  }
  const count = start.length;
  start.push(touchOf.length);
  return {
    touches,
    journeys: {
      count,
      start: start.array(),
      touchOf: touchOf.array(),
      converted: Uint8Array.from(converted.array()),
      value: value.array(),
      endUs: endUs.array(),
      device: journeyDevice.array(),
    },
    conversions,
    withoutTouch,
  };
}

/**
 * The same journeys with devices not stitched: each conversion keeps only the touchpoints of its own device, as
 * a tool without identity stitching would see them (a conversion of unknown device keeps none).
 */
export function unstitched(set: JourneySet): Journeys {
  const { journeys, touches } = set;
  const start = new IntList();
  const touchOf = new IntList();
  for (let j = 0; j < journeys.count; j += 1) {
    start.push(touchOf.length);
    const d = journeys.device[j] as number;
    for (let k = journeys.start[j] as number; k < (journeys.start[j + 1] as number); k += 1) {
      const t = journeys.touchOf[k] as number;
      if (d !== 0 && touches.device[t] === d) touchOf.push(t);
    }
  }
  start.push(touchOf.length);
  return { ...journeys, start: start.array(), touchOf: touchOf.array() };
}

/** Conversions whose journey spans more than one device (its touchpoints' and the conversion's own). */
export function multiDeviceConversions(set: JourneySet): number {
  const { journeys, touches } = set;
  let n = 0;
  for (let j = 0; j < journeys.count; j += 1) {
    if (journeys.converted[j] !== 1) continue;
    // The devices of its touchpoints and of the conversion itself (unknown devices aside).
    let seen = 0;
    let several = false;
    const note = (d: number) => {
      if (d === 0 || d === seen) return;
      if (seen === 0) seen = d;
      else several = true;
    };
    note(journeys.device[j] as number);
    for (let k = journeys.start[j] as number; k < (journeys.start[j + 1] as number) && !several; k += 1) {
      note(touches.device[journeys.touchOf[k] as number] as number);
    }
    if (several) n += 1;
  }
  return n;
}

/**
 * Journey sets of batches of persons, built apart in person order, joined into the set `buildJourneys` makes over
 * all of them at once. Each batch keeps only the touchpoints some journey holds (in their order, so the models see
 * the same journeys), so a streamed report holds the journeys, not every session; `touchpoints` counts them all.
 */
export class JourneyCollector {
  /** Each batch's kept touchpoints and journeys, their indexes already shifted to the joined arrays'. */
  private readonly parts: JourneySet[] = [];
  touchpoints = 0;
  private touchesKept = 0;
  private entries = 0;

  add(set: JourneySet): void {
    const { touches, journeys } = set;
    this.touchpoints += touches.count;
    // Old touch index → new (−1: held by no journey).
    const kept = new Int32Array(touches.count).fill(-1);
    for (const t of journeys.touchOf) kept[t] = 0;
    let count = 0;
    for (let t = 0; t < touches.count; t += 1) if (kept[t] === 0) kept[t] = count++;
    const pick = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const out = make(count);
      for (let t = 0; t < touches.count; t += 1) if ((kept[t] as number) >= 0) out[kept[t] as number] = a[t] as number;
      return out;
    };
    const touchBase = this.touchesKept;
    const entryBase = this.entries;
    this.parts.push({
      ...set,
      touches: {
        count,
        row: pick(touches.row, (n) => new Int32Array(n)),
        tsUs: pick(touches.tsUs, (n) => new Float64Array(n)),
        channel: pick(touches.channel, (n) => new Int32Array(n)),
        campaign: pick(touches.campaign, (n) => new Int32Array(n)),
        device: pick(touches.device, (n) => new Int32Array(n)),
      },
      journeys: {
        ...journeys,
        // Without the closing entry: the joined set gets one at the end.
        start: journeys.start.slice(0, journeys.count).map((e) => e + entryBase),
        touchOf: journeys.touchOf.map((t) => (kept[t] as number) + touchBase),
      },
    });
    this.touchesKept += count;
    this.entries += journeys.touchOf.length;
  }

  /** The joined set (touch rows are each batch's own). */
  result(): JourneySet {
    const parts = this.parts;
    const join = <T extends Int32Array | Float64Array | Uint8Array>(
      make: (n: number) => T,
      of: (s: JourneySet) => T,
      extra = 0,
    ): T => {
      const out = make(parts.reduce((n, s) => n + of(s).length, extra));
      let at = 0;
      for (const s of parts) {
        out.set(of(s), at);
        at += of(s).length;
      }
      return out;
    };
    const i32 = (n: number) => new Int32Array(n);
    const f64 = (n: number) => new Float64Array(n);
    const start = join(i32, (s) => s.journeys.start, 1);
    start[start.length - 1] = this.entries;
    return {
      touches: {
        count: this.touchesKept,
        row: join(i32, (s) => s.touches.row),
        tsUs: join(f64, (s) => s.touches.tsUs),
        channel: join(i32, (s) => s.touches.channel),
        campaign: join(i32, (s) => s.touches.campaign),
        device: join(i32, (s) => s.touches.device),
      },
      journeys: {
        count: start.length - 1,
        start,
        touchOf: join(i32, (s) => s.journeys.touchOf),
        converted: join(
          (n) => new Uint8Array(n),
          (s) => s.journeys.converted,
        ),
        value: join(f64, (s) => s.journeys.value),
        endUs: join(f64, (s) => s.journeys.endUs),
        device: join(i32, (s) => s.journeys.device),
      },
      conversions: parts.reduce((n, s) => n + s.conversions, 0),
      withoutTouch: parts.reduce((n, s) => n + s.withoutTouch, 0),
    };
  }
}
