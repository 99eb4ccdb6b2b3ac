/**
 * Per-device token buckets: `perMinute` batches a minute on average, bursts up to the same
 * number. In memory, per process; idle buckets are forgotten.
 */

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterS: number };

export class RateLimiter {
  private readonly buckets = new Map<number, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  take(key: number): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 100_000) this.forgetFullBuckets(now);
      bucket = { tokens: this.perMinute, updatedMs: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * this.refillPerMs);
      bucket.updatedMs = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  /** A bucket that has refilled completely is the same as no bucket. */
  private forgetFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedMs) * this.refillPerMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
