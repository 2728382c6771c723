/** Interning for the fleet's matrix: keys and vectors of small numbers to dense ids. */

/** Interns string keys to 0, 1, 2... */
export class Interner {
  private readonly ids = new Map<string, number>();
  id(key: string): number {
    let v = this.ids.get(key);
    if (v === undefined) this.ids.set(key, (v = this.ids.size));
    return v;
  }
  get size(): number {
    return this.ids.size;
  }
}

/**
 * Interns vectors of non-negative integers to 0, 1, 2... by a hash checked against the
 * vector itself: no string is built per lookup (a pair's outcome is a vector of result ids).
 */
export class VectorInterner {
  private readonly byHash = new Map<number, number>();
  /** Vectors whose hash an earlier, different vector has: by their text (rare). */
  private readonly clashes = new Map<string, number>();
  private readonly kept: Int32Array[] = [];

  /** The vector's id (a new one is `size - 1` after the call: no object made per lookup). */
  id(v: ArrayLike<number>, length: number): number {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let k = 0; k < length; k++) {
      const x = v[k] as number;
      h1 = Math.imul(h1 ^ x, 0x01000193);
      h2 = Math.imul(h2 ^ (x + k), 0x5bd1e995) ^ (h2 >>> 15);
    }
    // 30 bits: a small integer, no number boxed per lookup (a clash is checked, and rare below a million vectors).
    const hash = (h1 ^ (h2 >>> 2)) & 0x3fffffff;
    const at = this.byHash.get(hash);
    if (at !== undefined && this.same(at, v, length)) return at;
    if (at !== undefined) {
      const text = Array.prototype.slice.call(v, 0, length).join(',');
      const c = this.clashes.get(text);
      if (c !== undefined) return c;
      this.clashes.set(text, this.kept.length);
    } else this.byHash.set(hash, this.kept.length);
    this.kept.push(Int32Array.from({ length }, (_, k) => v[k] as number));
    return this.kept.length - 1;
  }

  private same(at: number, v: ArrayLike<number>, length: number): boolean {
    const w = this.kept[at] as Int32Array;
    if (w.length !== length) return false;
    for (let k = 0; k < length; k++) if (w[k] !== v[k]) return false;
    return true;
  }

  get size(): number {
    return this.kept.length;
  }
}

/** Interns fact values: primitives as they are, objects by their JSON; `missing` by the (cached) reason object's identity. */
export class ValueInterner {
  private readonly prims = new Map<unknown, number>();
  private readonly texts = new Map<string, number>();
  private readonly singles = new Map<string, number>();
  private readonly reasons = new WeakMap<object, number>();
  private count = 0;

  id(v: unknown): number {
    if (v === null || typeof v !== 'object') {
      let at = this.prims.get(v);
      if (at === undefined) this.prims.set(v, (at = this.count++));
      return at;
    }
    // A list of one string (an address, a name): by the string, no text built.
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') {
      let at = this.singles.get(v[0]);
      if (at === undefined) this.singles.set(v[0], (at = this.count++));
      return at;
    }
    const text = JSON.stringify(v);
    let at = this.texts.get(text);
    if (at === undefined) this.texts.set(text, (at = this.count++));
    return at;
  }

  /** A missing value, by why it is missing (equal reasons give one id, whether or not the object is the same). */
  missing(why: object): number {
    let at = this.reasons.get(why);
    if (at === undefined) this.reasons.set(why, (at = this.id({ '?': why })));
    return at;
  }
}

/** A memo of small numbers by a key in [0, size): an array when the key space is small, a Map otherwise. */
export class NumberMemo {
  private readonly array: Int32Array | null;
  private readonly map: Map<number, number> | null;

  constructor(size: number) {
    this.array = size <= 1 << 22 ? new Int32Array(size).fill(-1) : null;
    this.map = this.array ? null : new Map();
  }

  /** The value, or -1. */
  get(k: number): number {
    return this.array ? (this.array[k] as number) : (this.map?.get(k) ?? -1);
  }

  set(k: number, v: number): void {
    if (this.array) this.array[k] = v;
    else this.map?.set(k, v);
  }
}
