/** lib/base-url.ts: where the Prefinery API credential may send the API key (issue 26, item 6). */
import { PREFINERY_API_BASE_URL } from '../lib/api';
import { ACCEPTED_BASE_URL_PATTERN, BASE_URL_REFUSED, baseUrlChangedMessage, checkBaseUrl, isLoopbackHost } from '../lib/base-url';
import { PrefineryApi } from '../credentials/PrefineryApi.credentials';

describe('checkBaseUrl', () => {
	it.each([
		['', PREFINERY_API_BASE_URL],
		[undefined, PREFINERY_API_BASE_URL],
		['https://api.prefinery.com/api/v2', 'https://api.prefinery.com/api/v2'],
		['https://api.prefinery.com/api/v2/', 'https://api.prefinery.com/api/v2'],
		['  https://staging.example.com/api/v2 ', 'https://staging.example.com/api/v2'],
		['http://127.0.0.1:4567/api/v2', 'http://127.0.0.1:4567/api/v2'],
		['http://127.10.20.30/api/v2', 'http://127.10.20.30/api/v2'],
		['http://localhost:4567/api/v2', 'http://localhost:4567/api/v2'],
		['http://[::1]:4567/api/v2', 'http://[::1]:4567/api/v2'],
	])('accepts %j (→ %s)', (value, url) => {
		expect(checkBaseUrl(value)).toMatchObject({ ok: true, url });
	});

	it.each([
		['http://api.prefinery.com/api/v2', 'must use https (it is http://api.prefinery.com)'],
		['http://128.0.0.1/api/v2', 'must use https'],
		['http://localhost.evil.example/api/v2', 'must use https'],
		['http://127.0.0.1.evil.example/api/v2', 'must use https'],
		['ftp://127.0.0.1/api/v2', 'must use https'],
		['javascript:alert(1)', 'must use https'],
		['https://key:secret@api.prefinery.com/api/v2', 'must not contain a user name or password'],
		['api.prefinery.com/api/v2', 'is not a URL'],
	])('refuses %j', (value, text) => {
		const check = checkBaseUrl(value);
		expect(check.ok).toBe(false);
		if (check.ok) return;
		expect(check.message).toContain(text);
		expect(check.message).toContain('API Base URL of the Prefinery API credential');
		expect(`${check.message} ${check.description}`).not.toContain('secret');
		expect(check.description).toContain(PREFINERY_API_BASE_URL);
	});

	it('shows only scheme and host, never a path or query string', () => {
		const check = checkBaseUrl('http://example.com/api/v2?api_key=abc123');
		expect(check.ok).toBe(false);
		if (!check.ok) expect(`${check.message} ${check.description}`).not.toContain('abc123');
	});
});

describe('isLoopbackHost', () => {
	it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.255.255.254', '[::1]'])('%s is loopback', (host) =>
		expect(isLoopbackHost(host)).toBe(true),
	);
	it.each(['example.com', '10.0.0.1', '[::2]', '0.0.0.0', '127.0.0.1.nip.io'])('%s is not', (host) =>
		expect(isLoopbackHost(host)).toBe(false),
	);
});

describe('baseUrlChangedMessage', () => {
	it('names the credential field, both hosts and the fix', () => {
		const { message, description } = baseUrlChangedMessage('https://api.prefinery.com', 'https://evil.example');
		expect(message).toBe(
			'The API Base URL of the Prefinery API credential changed between items of this execution (https://api.prefinery.com, then https://evil.example)',
		);
		expect(description).toContain('not an expression that depends on the item');
	});
});

describe('issue 37: the credential\'s "Test" sends the key only where the nodes would', () => {
	const pattern = new RegExp(ACCEPTED_BASE_URL_PATTERN, 'i');
	it.each([
		'https://api.prefinery.com/api/v2',
		'https://staging.example.com:8443/api/v2/',
		'http://127.0.0.1:4010/api/v2',
		'http://localhost:4010',
		'http://[::1]:4010/api/v2',
		'http://api.prefinery.com/api/v2',
		'http://127.0.0.1.attacker.example/api/v2',
		'http://localhost.attacker.example/api/v2',
		'https://user:pass@api.prefinery.com/api/v2',
		'https://api.prefinery.com@attacker.example/api/v2',
		'ftp://api.prefinery.com/api/v2',
		'javascript:alert(1)',
		'api.prefinery.com/api/v2',
	])('%s: the Test pattern agrees with checkBaseUrl', (url) => {
		expect(pattern.test(url)).toBe(checkBaseUrl(url).ok);
	});

	it('a base URL it refuses is swapped for an address that cannot resolve and names the fix', () => {
		expect(new URL(BASE_URL_REFUSED).hostname.endsWith('.invalid')).toBe(true);
		const expression = String(new PrefineryApi().test.request.baseURL);
		expect(expression).toContain(ACCEPTED_BASE_URL_PATTERN);
		expect(expression).toContain(BASE_URL_REFUSED);
		expect(new PrefineryApi().test.request).toMatchObject({ disableFollowRedirect: true, timeout: 15_000 });
	});
});
