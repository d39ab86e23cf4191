/**
 * A short-lived, in-process copy of each trigger's webhook signing secret, and the policy for when
 * the trigger reads its credential again.
 *
 * Why: reading the credential costs n8n a database read and a decryption on every delivery, which
 * the benchmark showed as about a third of the trigger's time inside n8n. The trigger keeps the
 * secret for `ttlMs`. When a signature does not match the kept copy, the credential is read again
 * before answering, so a secret changed in n8n takes effect at the next delivery; but such re-reads
 * happen at most once per `rereadIntervalMs` per trigger, so a flood of forged signatures cannot
 * turn into a flood of database reads and decryptions. A mismatch that could not be re-checked is
 * answered 429 (Prefinery retries it, and the retry is checked against the credential as it is then).
 *
 * Bounded: at most `maxEntries` secrets (least recently used first out), and expired ones are
 * swept, so the secrets of deleted workflows do not stay in memory. Pure module: no n8n imports.
 * The secret is never logged or returned anywhere but to the delivery decision.
 */
import { touch, trimOldest } from './lru';

export const SECRET_TTL_MS = 60_000;
export const SECRET_REREAD_INTERVAL_MS = 5_000;
export const SECRET_MAX_ENTRIES = 5_000;

export interface SecretCacheOptions {
	ttlMs?: number;
	rereadIntervalMs?: number;
	maxEntries?: number;
	clock?: () => number;
}

/** Where the delivery decision gets the secret from (see `decideDelivery` in delivery.ts). */
export interface SecretSource {
	/** The kept copy, while fresh. */
	kept(): string | undefined;
	/** Reads the credential now (and keeps the copy); undefined when it cannot be read. */
	read(): Promise<string | undefined>;
	/** Whether a re-read after a mismatch is allowed now (at most once per interval per key). */
	mayReread(): boolean;
}

interface Entry {
	secret: string;
	expires: number;
	/** When the credential was last re-read after a mismatch, for the re-read throttle. */
	rereadAt: number;
}

export class SecretCache {
	/** In least-recently-used order. */
	private readonly entries = new Map<string, Entry>();
	private nextSweep: number;
	private readonly ttlMs: number;
	private readonly rereadIntervalMs: number;
	private readonly maxEntries: number;
	private readonly clock: () => number;

	constructor(options: SecretCacheOptions = {}) {
		this.ttlMs = options.ttlMs ?? SECRET_TTL_MS;
		this.rereadIntervalMs = options.rereadIntervalMs ?? SECRET_REREAD_INTERVAL_MS;
		this.maxEntries = options.maxEntries ?? SECRET_MAX_ENTRIES;
		this.clock = options.clock ?? (() => Date.now());
		this.nextSweep = this.clock() + this.ttlMs;
	}

	get(key: string): string | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		if (entry.expires <= this.clock()) {
			this.entries.delete(key);
			return undefined;
		}
		touch(this.entries, key, entry);
		return entry.secret;
	}

	set(key: string, secret: string): void {
		const now = this.clock();
		const rereadAt = this.entries.get(key)?.rereadAt ?? -Infinity;
		touch(this.entries, key, { secret, expires: now + this.ttlMs, rereadAt });
		if (now >= this.nextSweep) this.sweep(now);
		trimOldest(this.entries, this.maxEntries);
	}

	/**
	 * True when the credential of `key` may be re-read after a mismatch now: it was not re-read in the
	 * last `rereadIntervalMs`. The first mismatch after a quiet spell is always re-checked (so a secret
	 * changed in n8n applies at once); saying yes counts as a re-read (concurrent callers get one yes).
	 */
	mayReread(key: string): boolean {
		const entry = this.entries.get(key);
		if (!entry) return true;
		const now = this.clock();
		if (now - entry.rereadAt < this.rereadIntervalMs) return false;
		entry.rereadAt = now;
		return true;
	}

	delete(key: string): void {
		this.entries.delete(key);
	}

	/** Drops every expired entry. */
	sweep(now: number = this.clock()): void {
		for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
		this.nextSweep = now + this.ttlMs;
	}

	get size(): number {
		return this.entries.size;
	}

	/** The secret source of one trigger: the kept copy, `readCredential` to read it, and the throttle. */
	source(key: string, readCredential: () => Promise<string | undefined>): SecretSource {
		return {
			kept: () => this.get(key),
			read: async () => {
				const secret = await readCredential();
				if (secret !== undefined) this.set(key, secret);
				return secret;
			},
			mayReread: () => this.mayReread(key),
		};
	}
}

/** The process-wide cache the trigger uses. */
export const signingSecrets = new SecretCache();
