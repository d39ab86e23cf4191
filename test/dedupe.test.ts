import { DEFAULT_MEMORY_CAPACITY, EventIdMemory, eventMemories, MemoryRegistry } from '../lib/dedupe';

describe('EventIdMemory', () => {
	it('claims a new id once', () => {
		const memory = new EventIdMemory(3);
		expect(memory.claim('a')).toBe(true);
		expect(memory.claim('a')).toBe(false);
		expect(memory.has('a')).toBe(true);
		expect(memory.has('b')).toBe(false);
		expect(memory.size).toBe(1);
	});

	it('is bounded: the oldest id is forgotten first', () => {
		const memory = new EventIdMemory(3);
		for (const id of ['a', 'b', 'c']) expect(memory.claim(id)).toBe(true);
		expect(memory.claim('d')).toBe(true);
		expect(memory.size).toBe(3);
		expect(memory.has('a')).toBe(false);
		expect(['b', 'c', 'd'].every((id) => memory.has(id))).toBe(true);
		// a forgotten id is new again (and evicts the next oldest)
		expect(memory.claim('a')).toBe(true);
		expect(memory.has('b')).toBe(false);
		expect(memory.size).toBe(3);
	});

	it('a duplicate claim does not refresh the id (insertion order, not recency)', () => {
		const memory = new EventIdMemory(2);
		memory.claim('a');
		memory.claim('b');
		expect(memory.claim('a')).toBe(false);
		memory.claim('c');
		expect(memory.has('a')).toBe(false);
		expect(memory.has('b')).toBe(true);
	});

	it('never exceeds capacity over many claims', () => {
		const memory = new EventIdMemory(100);
		for (let i = 0; i < 10_000; i++) memory.claim(`id-${i}`);
		expect(memory.size).toBe(100);
		expect(memory.has('id-9999')).toBe(true);
		expect(memory.has('id-9900')).toBe(true);
		expect(memory.has('id-9899')).toBe(false);
	});

	it('capacity 1 remembers only the last id', () => {
		const memory = new EventIdMemory(1);
		memory.claim('a');
		memory.claim('b');
		expect(memory.has('a')).toBe(false);
		expect(memory.claim('b')).toBe(false);
	});


	it.each([0, -1, 1.5, Number.NaN, Infinity])('rejects capacity %p', (capacity) => {
		expect(() => new EventIdMemory(capacity)).toThrow(RangeError);
	});

	it('defaults to DEFAULT_MEMORY_CAPACITY', () => {
		expect(new EventIdMemory().capacity).toBe(DEFAULT_MEMORY_CAPACITY);
		expect(DEFAULT_MEMORY_CAPACITY).toBe(10_000);
	});
});

describe('MemoryRegistry', () => {
	it('returns the same memory for a scope and separate memories for different scopes', () => {
		const registry = new MemoryRegistry(5);
		const a = registry.for('wf1:node1');
		expect(registry.for('wf1:node1')).toBe(a);
		const b = registry.for('wf1:node2');
		const c = registry.for('wf2:node1');
		expect(b).not.toBe(a);
		expect(c).not.toBe(a);
		expect(registry.scopes).toBe(3);
		a.claim('number:1');
		expect(b.has('number:1')).toBe(false);
		expect(b.claim('number:1')).toBe(true);
		expect(a.claim('number:1')).toBe(false);
	});

	it('gives each memory the registry capacity', () => {
		const registry = new MemoryRegistry(2);
		const memory = registry.for('s');
		expect(memory.capacity).toBe(2);
		memory.claim('a');
		memory.claim('b');
		memory.claim('c');
		expect(memory.size).toBe(2);
	});

	it('the process-wide registry exists with default capacity', () => {
		expect(eventMemories).toBeInstanceOf(MemoryRegistry);
		expect(eventMemories.for('dedupe-test-scope').capacity).toBe(DEFAULT_MEMORY_CAPACITY);
	});
});
