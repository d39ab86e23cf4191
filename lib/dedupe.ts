/**
 * Bounded, in-process memory of event ids already emitted, one memory per trigger node.
 *
 * Why in-process: in n8n 2.x, static data written inside a webhook call was observed not to
 * persist reliably between deliveries, so it cannot be the duplicate store. Limits (documented in
 * the README): the memory is lost on restart, and each n8n process (main, webhook workers in queue
 * mode) has its own. Pure module: no n8n imports.
 */

export const DEFAULT_MEMORY_CAPACITY = 10_000;

/** Remembers up to `capacity` ids; the oldest is forgotten first. */
export class EventIdMemory {
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
		if (this.seen.size > this.capacity) {
			const oldest = this.seen.values().next();
			if (!oldest.done) this.seen.delete(oldest.value);
		}
		return true;
	}
}

/** Memories by scope (workflow + node), shared by every call in this process. */
export class MemoryRegistry {
	private readonly memories = new Map<string, EventIdMemory>();

	constructor(private readonly capacity: number = DEFAULT_MEMORY_CAPACITY) {}

	for(scope: string): EventIdMemory {
		let memory = this.memories.get(scope);
		if (!memory) {
			memory = new EventIdMemory(this.capacity);
			this.memories.set(scope, memory);
		}
		return memory;
	}

	get scopes(): number {
		return this.memories.size;
	}
}

/** The process-wide registry the trigger uses. */
export const eventMemories = new MemoryRegistry();
