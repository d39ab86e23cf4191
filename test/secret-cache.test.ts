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
