/**
 * Bounded, in-process memory of event ids already emitted, one memory per trigger node, with one
 * bound on the whole process.
 *
 * Why in-process: in n8n 2.x, static data written inside a webhook call was observed not to
 * persist reliably between deliveries, so it cannot be the duplicate store. Limits (documented in
 * docs and README): the memory is lost on restart, and each n8n process (main, webhook workers in
 * queue mode) has its own. Pure module: no n8n imports.
 */
import { touch, trimOldest } from './lru';

/** Ids remembered per trigger node at most. */
export const DEFAULT_MEMORY_CAPACITY = 10_000;
/**
 * Ids remembered across every trigger node of the process at most. Each key is at most 72 printable
 * ASCII characters (`eventKey` hashes longer ones), so at most about 7 MB of key text plus the Set's
 * own bookkeeping; Prefinery's integer ids take about 5 MB in all (docs/duplicates-and-queue-mode.md).
 */
export const DEFAULT_TOTAL_CAPACITY = 100_000;
/** Trigger nodes remembered at most (a node that has not received an event for longest goes first). */
export const DEFAULT_MAX_SCOPES = 5_000;

/** What the delivery decision needs of a memory: one atomic check-and-record. */
export interface ClaimStore {
	/** Records `key`; false when it was already remembered (a duplicate), true when new. */
	claim(key: string): boolean;
}

/** Remembers up to `capacity` ids; the oldest is forgotten first. */
export class EventIdMemory implements ClaimStore {
	private readonly seen = new Set<string>();

	constructor(readonly capacity: number = DEFAULT_MEMORY_CAPACITY) {
		if (!Number.isInteger(capacity) || capacity < 1) {
			throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
		}
	}

	get size(): number {
		return this.seen.size;
	}

	has(id: string): boolean {
		return this.seen.has(id);
	}

	/**
	 * Records `id`. Returns false when it was already remembered (a duplicate), true when it is new.
	 * Check and record happen in one synchronous step, so concurrent deliveries cannot both claim it.
	 */
	claim(id: string): boolean {
		if (this.seen.has(id)) return false;
		this.seen.add(id);
		if (this.seen.size > this.capacity) this.forgetOldest();
		return true;
	}

	/** Forgets the oldest id; false when there was none. */
	forgetOldest(): boolean {
		const oldest = this.seen.values().next();
		if (oldest.done) return false;
		this.seen.delete(oldest.value);
		return true;
	}
}

export interface RegistryLimits {
	/** Ids per scope (trigger node). */
	capacity?: number;
	/** Ids across all scopes. */
	totalCapacity?: number;
	/** Scopes at most. */
	maxScopes?: number;
}

/**
 * Memories by scope (workflow + node), shared by every call in this process, bounded as a whole:
 * at most `totalCapacity` ids and `maxScopes` scopes. When a bound is passed, the scope used least
 * recently gives way first (its oldest ids, then the scope itself), so the memories of deleted,
 * unpublished or replaced triggers, which nothing else frees, go before those of live ones.
 */
export class MemoryRegistry {
	/** In least-recently-used order: the first entry is the one to forget first. */
	private readonly memories = new Map<string, EventIdMemory>();
	private total = 0;
	readonly capacity: number;
	readonly totalCapacity: number;
	readonly maxScopes: number;

	constructor(limits: RegistryLimits = {}) {
		this.capacity = limits.capacity ?? DEFAULT_MEMORY_CAPACITY;
		this.totalCapacity = limits.totalCapacity ?? DEFAULT_TOTAL_CAPACITY;
		this.maxScopes = limits.maxScopes ?? DEFAULT_MAX_SCOPES;
		for (const [name, value] of Object.entries({ totalCapacity: this.totalCapacity, maxScopes: this.maxScopes })) {
			if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
		}
	}

	/** The memory of one scope; claiming through it marks the scope as recently used. */
	for(scope: string): ClaimStore {
		return { claim: (key) => this.claim(scope, key) };
	}

	claim(scope: string, key: string): boolean {
		const memory = this.memories.get(scope) ?? new EventIdMemory(this.capacity);
		touch(this.memories, scope, memory);
		const before = memory.size;
		const claimed = memory.claim(key);
		this.total += memory.size - before;
		this.enforceBounds();
		return claimed;
	}

	private enforceBounds(): void {
		trimOldest(this.memories, this.maxScopes, (_scope, memory) => {
			this.total -= memory.size;
		});
		while (this.total > this.totalCapacity) {
			const [scope, memory] = this.memories.entries().next().value as [string, EventIdMemory];
			if (memory.forgetOldest()) this.total -= 1;
			if (memory.size === 0) this.memories.delete(scope);
		}
	}

	/** Scopes remembered. */
	get scopes(): number {
		return this.memories.size;
	}

	/** Ids remembered across all scopes. */
	get size(): number {
		return this.total;
	}

	/** Ids remembered for one scope. */
	sizeOf(scope: string): number {
		return this.memories.get(scope)?.size ?? 0;
	}
}

/** The process-wide registry the trigger uses. */
export const eventMemories = new MemoryRegistry();
