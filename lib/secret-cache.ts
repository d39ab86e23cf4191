/**
 * A short-lived, in-process copy of each trigger's webhook signing secret.
 *
 * Why: reading the credential costs n8n a database read and a decryption on every delivery, which
 * the benchmark showed as about a third of the trigger's time inside n8n. The trigger keeps the
 * secret for `ttlMs` and, whenever a signature does not match with the kept copy, reads the
 * credential again before answering, so a secret changed in n8n takes effect at the next delivery.
 * Pure module: no n8n imports. The secret is never logged or returned anywhere.
 */

export const SECRET_TTL_MS = 60_000;

export class SecretCache {
	private readonly entries = new Map<string, { secret: string; expires: number }>();

	constructor(
		private readonly ttlMs: number = SECRET_TTL_MS,
		private readonly clock: () => number = () => Date.now(),
	) {}

	get(key: string): string | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		if (entry.expires <= this.clock()) {
			this.entries.delete(key);
			return undefined;
		}
		return entry.secret;
	}

	set(key: string, secret: string): void {
		this.entries.set(key, { secret, expires: this.clock() + this.ttlMs });
	}

	delete(key: string): void {
		this.entries.delete(key);
	}

	get size(): number {
		return this.entries.size;
	}
}

/** The process-wide cache the trigger uses. */
export const signingSecrets = new SecretCache();
