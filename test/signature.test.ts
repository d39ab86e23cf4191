import {
	computeSignature,
	DEFAULT_TOLERANCE_SECONDS,
	MAX_FUTURE_SKEW_SECONDS,
	parseSignatureHeader,
	signatureHeader,
	verifySignature,
} from '../lib/signature';
import articleSample from './fixtures/article-sample.json';
import { bytes, hmacHex, NOW, signedHeader } from './helpers/signing';

const SECRET = 'whsec_dummy_9f8e7d6c5b4a';
const BODY = bytes('{"id":123,"type":"tester_created","data":{"id":1259},"created_at":1346878649}');
const T = NOW - 30;
const GOOD = hmacHex(SECRET, T, BODY);

function verify(header: string | undefined, overrides: Partial<Parameters<typeof verifySignature>[0]> = {}) {
	return verifySignature({ secret: SECRET, rawBody: BODY, header, now: NOW, ...overrides });
}

function expectInvalid(result: ReturnType<typeof verifySignature>, reason: string) {
	expect(result.valid).toBe(false);
	if (!result.valid) {
		expect(result.reason).toBe(reason);
		expect(result.message.length).toBeGreaterThan(10);
		expect(result.message).not.toContain(SECRET);
	}
}

describe('computeSignature / signatureHeader agree with an independent HMAC', () => {
	it('matches createHmac over `${t}.` + raw bytes', () => {
		expect(computeSignature(SECRET, T, BODY)).toBe(GOOD);
		expect(computeSignature(SECRET, T, BODY.toString('utf8'))).toBe(GOOD);
		expect(signatureHeader(SECRET, T, BODY)).toBe(`t=${T},v1=${GOOD}`);
		expect(GOOD).toMatch(/^[0-9a-f]{64}$/);
	});

	it('known-answer vector (computed with openssl, outside Node)', () => {
		// printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
		const expected = 'b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163';
		expect(hmacHex('secret', 1700000000, Buffer.from('{}'))).toBe(expected);
		expect(computeSignature('secret', 1700000000, Buffer.from('{}'))).toBe(expected);
	});
});

describe('parseSignatureHeader', () => {
	it('parses the canonical form', () => {
		expect(parseSignatureHeader(`t=${T},v1=${GOOD}`)).toEqual({ timestamp: T, timestampText: String(T), v1: [GOOD] });
	});

	it('tolerates spaces around parts, keys and values', () => {
		expect(parseSignatureHeader(` t = ${T} ,  v1 = ${GOOD} `)).toEqual({ timestamp: T, timestampText: String(T), v1: [GOOD] });
	});

	it('accepts any order', () => {
		expect(parseSignatureHeader(`v1=${GOOD},t=${T}`)).toEqual({ timestamp: T, timestampText: String(T), v1: [GOOD] });
	});

	it('collects several v1 values', () => {
		const other = 'a'.repeat(64);
		expect(parseSignatureHeader(`t=${T},v1=${other},v1=${GOOD}`)).toEqual({
			timestamp: T,
			timestampText: String(T),
			v1: [other, GOOD],
		});
	});

	it('ignores other schemes (v0, v2, unknown keys) and parts without "="', () => {
		expect(parseSignatureHeader(`t=${T},v0=${GOOD},v2=${GOOD},foo=bar,junk`)).toEqual({
			timestamp: T,
			timestampText: String(T),
			v1: [],
		});
	});

	it('lower-cases uppercase hex', () => {
		expect(parseSignatureHeader(`t=${T},v1=${GOOD.toUpperCase()}`)).toEqual({
			timestamp: T,
			timestampText: String(T),
			v1: [GOOD],
		});
	});

	it('drops malformed v1 values (short, long, non-hex)', () => {
		expect(
			parseSignatureHeader(`t=${T},v1=abc,v1=${GOOD}0,v1=${'g'.repeat(64)},v1=,v1=${GOOD}`),
		).toEqual({ timestamp: T, timestampText: String(T), v1: [GOOD] });
	});

	it.each([
		['empty', ''],
		['no t', `v1=${GOOD}`],
		['duplicated t', `t=${T},t=${T},v1=${GOOD}`],
		['duplicated t with different values', `t=${T},v1=${GOOD},t=${T + 1}`],
		['non-numeric t', `t=abc,v1=${GOOD}`],
		['negative t', `t=-5,v1=${GOOD}`],
		['fractional t', `t=1.5,v1=${GOOD}`],
		['empty t', `t=,v1=${GOOD}`],
		['too long t', `t=1234567890123,v1=${GOOD}`],
		['garbage', '!!!@@@###'],
		['only commas', ',,,,'],
		['only equals', '===='],
		['JSON', '{"t":1,"v1":"x"}'],
	])('returns undefined for %s', (_name, header) => {
		expect(parseSignatureHeader(header)).toBeUndefined();
	});
});

describe('verifySignature', () => {
	it('accepts a correct signature', () => {
		expect(verify(`t=${T},v1=${GOOD}`)).toEqual({ valid: true, timestamp: T });
	});

	it('accepts with spaces and reversed order', () => {
		expect(verify(`v1=${GOOD} , t=${T}`).valid).toBe(true);
	});

	it('accepts uppercase hex', () => {
		expect(verify(`t=${T},v1=${GOOD.toUpperCase()}`).valid).toBe(true);
	});

	it('accepts when any one of several v1 values matches (secret rotation)', () => {
		const old = hmacHex('old-secret', T, BODY);
		expect(verify(`t=${T},v1=${old},v1=${GOOD}`).valid).toBe(true);
		expect(verify(`t=${T},v1=${GOOD},v1=${old}`).valid).toBe(true);
	});

	it('rejects several v1 values when none matches', () => {
		expectInvalid(verify(`t=${T},v1=${'0'.repeat(64)},v1=${hmacHex('x', T, BODY)}`), 'mismatch');
	});

	it.each(['v0', 'v2', 'V1', 'v1 extra', 'sha256'])('rejects a valid signature under scheme %s alone', (scheme) => {
		expectInvalid(verify(`t=${T},${scheme}=${GOOD}`), 'no_v1_signature');
	});

	it('ignores a valid v0/v2 next to a wrong v1 (no downgrade)', () => {
		expectInvalid(verify(`t=${T},v0=${GOOD},v1=${'f'.repeat(64)},v2=${GOOD}`), 'mismatch');
	});

	it('rejects a duplicated t even with a good signature', () => {
		expectInvalid(verify(`t=${T},t=${T},v1=${GOOD}`), 'malformed_header');
	});

	it.each([
		['garbage', 'garbage'],
		['no t', `v1=${GOOD}`],
		['t not a number', `t=now,v1=${GOOD}`],
	])('rejects a malformed header (%s)', (_name, header) => {
		expectInvalid(verify(header), 'malformed_header');
	});

	it.each([undefined, '', '   '])('rejects a missing header (%p)', (header) => {
		expectInvalid(verify(header), 'missing_header');
	});

	it('rejects when the secret is missing, whatever the header', () => {
		expectInvalid(verify(`t=${T},v1=${GOOD}`, { secret: '' }), 'no_secret');
		expectInvalid(verify(undefined, { secret: '' }), 'no_secret');
	});

	it('rejects a wrong secret', () => {
		expectInvalid(verify(`t=${T},v1=${hmacHex('another-secret', T, BODY)}`), 'mismatch');
		expectInvalid(verify(`t=${T},v1=${GOOD}`, { secret: `${SECRET} ` }), 'mismatch');
	});

	it('rejects a signature made for another timestamp (t swapped)', () => {
		expectInvalid(verify(`t=${T + 1},v1=${GOOD}`), 'mismatch');
	});

	it('rejects a body with any single byte changed', () => {
		for (let i = 0; i < BODY.length; i++) {
			const tampered = Buffer.from(BODY);
			tampered[i] = tampered[i] ^ 0x01;
			expectInvalid(verify(`t=${T},v1=${GOOD}`, { rawBody: tampered }), 'mismatch');
		}
	});

	it('rejects a truncated or extended body', () => {
		expectInvalid(verify(`t=${T},v1=${GOOD}`, { rawBody: BODY.subarray(0, BODY.length - 1) }), 'mismatch');
		expectInvalid(verify(`t=${T},v1=${GOOD}`, { rawBody: Buffer.concat([BODY, bytes('\n')]) }), 'mismatch');
	});

	it('checks the raw bytes: the same object re-serialised with other whitespace does not match', () => {
		const sent = bytes(JSON.stringify(articleSample, null, 2));
		const header = signedHeader(SECRET, T, sent);
		expect(verify(header, { rawBody: sent }).valid).toBe(true);
		const reserialised = bytes(JSON.stringify(JSON.parse(sent.toString('utf8'))));
		expect(JSON.parse(reserialised.toString('utf8'))).toEqual(JSON.parse(sent.toString('utf8')));
		expectInvalid(verify(header, { rawBody: reserialised }), 'mismatch');
	});

	it('handles non-ASCII UTF-8 bodies as raw bytes', () => {
		const body = bytes('{"id":1,"type":"tester_created","data":{"profile":{"first_name":"Zoë","city":"Łódź 🚀","last_name":"山田"}}}');
		expect(body.length).toBeGreaterThan(body.toString('utf8').length);
		const header = signedHeader(SECRET, T, body);
		expect(verify(header, { rawBody: body }).valid).toBe(true);
		// The same text in another encoding (latin1 bytes) is a different message.
		const latin1 = Buffer.from(body.toString('utf8'), 'latin1');
		expectInvalid(verify(header, { rawBody: latin1 }), 'mismatch');
		// A signature computed over the UTF-16 code units (a JS-string mistake) does not match.
		const wrong = hmacHex(SECRET, T, Buffer.from(body.toString('utf8'), 'utf16le'));
		expectInvalid(verify(`t=${T},v1=${wrong}`, { rawBody: body }), 'mismatch');
	});

	it('verifies arbitrary binary (invalid UTF-8) bytes exactly', () => {
		const body = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b]);
		expect(verify(signedHeader(SECRET, T, body), { rawBody: body }).valid).toBe(true);
		const replaced = Buffer.from(body.toString('utf8'), 'utf8'); // lossy round-trip
		expectInvalid(verify(signedHeader(SECRET, T, body), { rawBody: replaced }), 'mismatch');
	});

	it('accepts an empty body when signed', () => {
		const empty = Buffer.alloc(0);
		expect(verify(signedHeader(SECRET, T, empty), { rawBody: empty }).valid).toBe(true);
	});

	describe('timestamps', () => {
		const at = (t: number, tolerance?: number) =>
			verify(signedHeader(SECRET, t, BODY), { toleranceSeconds: tolerance });

		it('default tolerance is 3 days', () => {
			expect(DEFAULT_TOLERANCE_SECONDS).toBe(259200);
			expect(at(NOW - DEFAULT_TOLERANCE_SECONDS).valid).toBe(true);
			expectInvalid(at(NOW - DEFAULT_TOLERANCE_SECONDS - 1), 'timestamp_too_old');
		});

		it('respects a custom tolerance at its boundary', () => {
			expect(at(NOW - 300, 300).valid).toBe(true);
			expectInvalid(at(NOW - 301, 300), 'timestamp_too_old');
		});

		it('tolerance 0 turns the age check off', () => {
			expect(at(0, 0).valid).toBe(true);
			expect(at(NOW - 10 * 365 * 86400, 0).valid).toBe(true);
		});

		it('rejects timestamps too far in the future, even with tolerance 0', () => {
			expect(MAX_FUTURE_SKEW_SECONDS).toBe(300);
			expect(at(NOW + MAX_FUTURE_SKEW_SECONDS).valid).toBe(true);
			expectInvalid(at(NOW + MAX_FUTURE_SKEW_SECONDS + 1), 'timestamp_in_future');
			expectInvalid(at(NOW + 86400, 0), 'timestamp_in_future');
		});

		it('a stale signature with a wrong HMAC is reported as a mismatch, not as stale', () => {
			expectInvalid(verify(`t=${NOW - 10 ** 6},v1=${'1'.repeat(64)}`, { toleranceSeconds: 300 }), 'mismatch');
		});
	});
});
