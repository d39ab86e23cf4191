import { SecretCache } from '../lib/secret-cache';

describe('SecretCache', () => {
	it('keeps a secret for the TTL, then forgets it', () => {
		let now = 1_000;
		const cache = new SecretCache({ ttlMs: 60_000, clock: () => now });
		cache.set('wf:node:cred', 'dummy-secret-a');
		expect(cache.get('wf:node:cred')).toBe('dummy-secret-a');
		now += 59_999;
		expect(cache.get('wf:node:cred')).toBe('dummy-secret-a');
		now += 1;
		expect(cache.get('wf:node:cred')).toBeUndefined();
		expect(cache.size).toBe(0);
	});

	it('keys are independent; set replaces; delete forgets', () => {
		const cache = new SecretCache();
		cache.set('a', 'dummy-1');
		cache.set('b', 'dummy-2');
		cache.set('a', 'dummy-3');
		expect(cache.get('a')).toBe('dummy-3');
		expect(cache.get('b')).toBe('dummy-2');
		cache.delete('a');
		expect(cache.get('a')).toBeUndefined();
	});
});

describe('SecretCache: re-reads and failed reads (issue 25, item 6)', () => {
	it('up to 3 re-reads per 5 s: one forged mismatch just before a change leaves re-reads for the real delivery', () => {
		let now = 0;
		const cache = new SecretCache({ clock: () => now });
		cache.set('k', 'dummy-old');
		expect([cache.mayReread('k'), cache.mayReread('k'), cache.mayReread('k'), cache.mayReread('k')]).toEqual([true, true, true, false]);
		now += 5_000;
		expect(cache.mayReread('k')).toBe(true);
	});

	it('the lifetime counts from the read, not from the last use', () => {
		let now = 0;
		const cache = new SecretCache({ ttlMs: 60_000, clock: () => now });
		cache.set('k', 'dummy-old');
		for (let i = 0; i < 5; i++) {
			now += 11_000;
			cache.get('k');
		}
		now += 5_000; // 60 s after the read, used every 11 s meanwhile
		expect(cache.get('k')).toBeUndefined();
	});

	it('a failed read is remembered for 5 s: no read per signed request while the credential is unreadable', async () => {
		let now = 0;
		const cache = new SecretCache({ clock: () => now });
		const readCredential = jest.fn(async (): Promise<string | undefined> => undefined);
		const source = cache.source('k', readCredential);
		for (let i = 0; i < 50; i++) expect(await source.read()).toBeUndefined();
		expect(readCredential).toHaveBeenCalledTimes(1);
		now += 5_000;
		readCredential.mockResolvedValueOnce('dummy-fixed');
		expect(await source.read()).toBe('dummy-fixed');
		expect(readCredential).toHaveBeenCalledTimes(2);
		expect(source.kept()).toBe('dummy-fixed');
	});
});
