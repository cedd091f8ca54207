// Exchanging small per-channel vectors between the data-parallel replicas during one
// step — what synchronized BatchNorm needs: in the forward pass every replica
// contributes (count, mean, M2) of its shard and all get the statistics of the whole
// batch; in the backward pass they sum two per-channel vectors. Every replica combines
// the contributions in rank order, so all of them compute bit-identical results.
//
// SharedExchange is a barrier on a SharedArrayBuffer (Atomics.wait: worker threads
// only). A replica that throws sets the abort flag so the others do not wait forever.

export interface Exchange {
  /** Number of replicas (1 = no exchange). */
  readonly size: number;
  /** Contribute `local` and receive every replica's contribution, in rank order. */
  allGather(local: Float64Array): Float64Array[];
}

/** The trivial exchange of a single replica. */
export class LocalExchange implements Exchange {
  readonly size = 1;
  allGather(local: Float64Array): Float64Array[] {
    return [local];
  }
}

const CTR = 0; // arrivals so far (monotonic)
const ABORT = 1; // non-zero: some replica failed
const HEADER_INTS = 4;

export interface SharedExchangeBuffers {
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  size: number;
  maxLen: number;
}

export function createSharedExchangeBuffers(size: number, maxLen: number): SharedExchangeBuffers {
  return {
    control: new SharedArrayBuffer(HEADER_INTS * 4),
    // Two generations of slots: exchange k uses k % 2, and nobody can start exchange
    // k + 2 before everybody has finished reading exchange k (they all arrived at k + 1).
    slots: new SharedArrayBuffer(2 * size * (maxLen + 1) * 8),
    size,
    maxLen,
  };
}

/** Mark the exchange as failed (wakes every waiting replica, which then throws). */
export function abortSharedExchange(buffers: SharedExchangeBuffers): void {
  const ctl = new Int32Array(buffers.control);
  Atomics.store(ctl, ABORT, 1);
  Atomics.notify(ctl, CTR);
}

export class SharedExchange implements Exchange {
  readonly size: number;
  private readonly ctl: Int32Array;
  private readonly slots: Float64Array;
  private readonly stride: number;
  private seq = 0;

  constructor(private readonly buffers: SharedExchangeBuffers, private readonly rank: number, private readonly timeoutMs = 600_000) {
    this.size = buffers.size;
    this.ctl = new Int32Array(buffers.control);
    this.slots = new Float64Array(buffers.slots);
    this.stride = buffers.maxLen + 1;
  }

  allGather(local: Float64Array): Float64Array[] {
    if (local.length > this.buffers.maxLen) throw new Error(`exchange: ${local.length} values exceed the slot size ${this.buffers.maxLen}`);
    const gen = this.seq % 2;
    const base = (gen * this.size) * this.stride;
    const mine = base + this.rank * this.stride;
    this.slots[mine] = local.length;
    this.slots.set(local, mine + 1);
    this.seq += 1;
    const target = this.size * this.seq;
    const arrived = Atomics.add(this.ctl, CTR, 1) + 1;
    if (arrived >= target) {
      Atomics.notify(this.ctl, CTR);
    } else {
      const deadline = Date.now() + this.timeoutMs;
      for (;;) {
        if (Atomics.load(this.ctl, ABORT) !== 0) throw new Error('exchange aborted: another training worker failed');
        const now = Atomics.load(this.ctl, CTR);
        if (now >= target) break;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`exchange: timed out after ${this.timeoutMs} ms waiting for the other training workers`);
        Atomics.wait(this.ctl, CTR, now, Math.min(left, 1000));
      }
    }
    if (Atomics.load(this.ctl, ABORT) !== 0) throw new Error('exchange aborted: another training worker failed');
    const out: Float64Array[] = [];
    for (let r = 0; r < this.size; r++) {
      const at = base + r * this.stride;
      const len = this.slots[at]!;
      out.push(this.slots.slice(at + 1, at + 1 + len));
    }
    return out;
  }
}
