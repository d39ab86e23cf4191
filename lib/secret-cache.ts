/**
 * A short-lived, in-process copy of each trigger's webhook signing secret, and the policy for when
 * the trigger reads its credential again.
 *
 * Why: reading the credential costs n8n a database read and a decryption on every delivery, which
 * the benchmark showed as about a third of the trigger's time inside n8n. The trigger keeps the
 * secret for `ttlMs` from the moment it was read (not from the last delivery: a secret removed from the
 * credential, say a leaked one, must stop verifying within `ttlMs` even while deliveries signed with it
 * keep coming). When a signature does not match the kept copy, the credential is read again before
 * answering, so a secret changed in n8n takes effect at the next delivery; such re-reads happen at most
 * `rereadBurst` times per `rereadIntervalMs` per trigger, so a flood of forged signatures cannot turn
 * into a flood of database reads and decryptions, while one forged request just before a change does
 * not use up the re-read the real delivery needs. A mismatch that could not be re-checked is answered
 * 429 (Prefinery retries it, and the retry is checked against the credential as it is then).
 *
 * A read that fails (credential missing, database error) is remembered for `failureMs`: meanwhile
 * signed requests are answered `credential_unavailable` without another read.
 *
 * Bounded: at most `maxEntries` secrets (least recently used first out), and expired ones are
 * swept, so the secrets of deleted workflows do not stay in memory. Pure module: no n8n imports.
 * The secret is never logged or returned anywhere but to the delivery decision.
 */
import { touch, trimOldest } from './lru';

export const SECRET_TTL_MS = 60_000;
export const SECRET_REREAD_INTERVAL_MS = 5_000;
/** Re-reads after a mismatch allowed per interval. */
export const SECRET_REREAD_BURST = 3;
/** How long a failed credential read is remembered. */
export const SECRET_FAILURE_MS = 5_000;
export const SECRET_MAX_ENTRIES = 5_000;

export interface SecretCacheOptions {
	ttlMs?: number;
	rereadIntervalMs?: number;
	rereadBurst?: number;
	failureMs?: number;
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
	/** When the credential was re-read after a mismatch (the last `rereadBurst`), for the throttle. */
	rereadAt: number[];
}

export class SecretCache {
	/** In least-recently-used order. */
	private readonly entries = new Map<string, Entry>();
	private nextSweep: number;
	private readonly ttlMs: number;
	private readonly rereadIntervalMs: number;
	private readonly rereadBurst: number;
	private readonly failureMs: number;
	/** When a failed read of each key may be tried again (least recently failed first). */
	private readonly failures = new Map<string, number>();
	private readonly maxEntries: number;
	private readonly clock: () => number;

	constructor(options: SecretCacheOptions = {}) {
		this.ttlMs = options.ttlMs ?? SECRET_TTL_MS;
		this.rereadIntervalMs = options.rereadIntervalMs ?? SECRET_REREAD_INTERVAL_MS;
		this.rereadBurst = options.rereadBurst ?? SECRET_REREAD_BURST;
		this.failureMs = options.failureMs ?? SECRET_FAILURE_MS;
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
		const rereadAt = this.entries.get(key)?.rereadAt ?? [];
		touch(this.entries, key, { secret, expires: now + this.ttlMs, rereadAt });
		if (now >= this.nextSweep) this.sweep(now);
		trimOldest(this.entries, this.maxEntries);
	}

	/**
	 * True when the credential of `key` may be re-read after a mismatch now: it was re-read fewer than
	 * `rereadBurst` times in the last `rereadIntervalMs`. A mismatch after a quiet spell is always
	 * re-checked (so a secret changed in n8n applies at once); saying yes counts as a re-read.
	 */
	mayReread(key: string): boolean {
		const entry = this.entries.get(key);
		if (!entry) return true;
		const now = this.clock();
		entry.rereadAt = entry.rereadAt.filter((at) => now - at < this.rereadIntervalMs);
		if (entry.rereadAt.length >= this.rereadBurst) return false;
		entry.rereadAt.push(now);
		return true;
	}

	/** Whether a read of `key` failed less than `failureMs` ago (then it is not tried again yet). */
	failedRecently(key: string): boolean {
		const until = this.failures.get(key);
		if (until === undefined) return false;
		if (until > this.clock()) return true;
		this.failures.delete(key);
		return false;
	}

	/** Remembers that reading `key` failed. */
	failed(key: string): void {
		touch(this.failures, key, this.clock() + this.failureMs);
		trimOldest(this.failures, this.maxEntries);
	}

	delete(key: string): void {
		this.entries.delete(key);
	}

	/** Drops every expired entry. */
	sweep(now: number = this.clock()): void {
		for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
		for (const [key, until] of this.failures) if (until <= now) this.failures.delete(key);
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
				if (this.failedRecently(key)) return undefined;
				const secret = await readCredential();
				if (secret === undefined) this.failed(key);
				else {
					this.failures.delete(key);
					this.set(key, secret);
				}
				return secret;
			},
			mayReread: () => this.mayReread(key),
		};
	}
}

/** The process-wide cache the trigger uses. */
export const signingSecrets = new SecretCache();
