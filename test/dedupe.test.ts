import { DEFAULT_MEMORY_CAPACITY, DEFAULT_TOTAL_CAPACITY, EventIdMemory, eventMemories, MemoryRegistry } from '../lib/dedupe';

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
	it('one memory per scope: a claim in one scope does not count in another', () => {
		const registry = new MemoryRegistry({ capacity: 5 });
		const a = registry.for('wf1:node1');
		const b = registry.for('wf1:node2');
		expect(a.claim('id:1')).toBe(true);
		expect(b.claim('id:1')).toBe(true);
		expect(a.claim('id:1')).toBe(false);
		expect(registry.for('wf1:node1').claim('id:1')).toBe(false);
		expect(registry.scopes).toBe(2);
	});

	it('gives each scope the registry capacity', () => {
		const registry = new MemoryRegistry({ capacity: 2 });
		const memory = registry.for('s');
		memory.claim('a');
		memory.claim('b');
		memory.claim('c');
		expect(registry.sizeOf('s')).toBe(2);
		expect(memory.claim('a')).toBe(true); // forgotten: the oldest went first
	});

	it('the process-wide registry has the default bounds', () => {
		expect(eventMemories).toBeInstanceOf(MemoryRegistry);
		expect(eventMemories.capacity).toBe(DEFAULT_MEMORY_CAPACITY);
		expect(eventMemories.totalCapacity).toBe(DEFAULT_TOTAL_CAPACITY);
	});
});
