import { PREFINERY_EVENTS } from '../lib/events';
import { POINT_FIELDS, PROFILE_FIELDS, REWARD_FIELDS, TESTER_FIELDS } from '../lib/fields';
import {
	normalizeEvent,
	parseEnvelope,
	toInteger,
	toIsoTimestamp,
	toText,
	type EnvelopeParse,
	type PrefineryEnvelope,
} from '../lib/normalize';
import articleSample from './fixtures/article-sample.json';
import { bytes } from './helpers/signing';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function parseOk(value: unknown): PrefineryEnvelope {
	const parsed = parseEnvelope(bytes(value));
	if (!parsed.ok) throw new Error(`expected ok, got: ${parsed.message}`);
	return parsed.envelope;
}

function failure(parsed: EnvelopeParse): string {
	expect(parsed.ok).toBe(false);
	return parsed.ok ? '' : parsed.message;
}

describe('parseEnvelope: bad input is reported, never thrown', () => {
	it.each([
		['an empty buffer', Buffer.alloc(0), undefined],
		['no raw body and no parsed body', undefined, undefined],
		['no raw body and an empty parsed object (what n8n gives for an empty body)', undefined, {}],
		['an empty raw body even if a parsed body exists', Buffer.alloc(0), { id: 1, type: 'x', data: {} }],
	])('%s → "empty"', (_name, raw, parsedBody) => {
		expect(failure(parseEnvelope(raw, parsedBody))).toMatch(/^The request body is empty\./);
	});

	it.each([
		['text', 'hello'],
		['truncated JSON', '{"id":1,"type":"tester_created","data":{'],
		['single quotes', "{'id':1}"],
		['trailing comma', '{"id":1,}'],
		['form-encoded', 'id=1&type=tester_created'],
		['whitespace only', '   \n'],
	])('non-JSON (%s) → "not valid JSON"', (_name, text) => {
		const message = failure(parseEnvelope(bytes(text)));
		expect(message).toMatch(/^The request body is not valid JSON\./);
		expect(message).toContain('"type":"tester_created"');
	});

	it.each([
		['[]', 'an array'],
		['[{"id":1,"type":"tester_created","data":{}}]', 'an array'],
		['42', 'a number'],
		['"tester_created"', 'a string'],
		['true', 'a boolean'],
		['null', 'null'],
	])('%s → "is %s, not a JSON object"', (text, what) => {
		expect(failure(parseEnvelope(bytes(text)))).toMatch(
			new RegExp(`^The request body is ${what}, not a JSON object\\.`),
		);
	});

	it('uses the parsed body when raw bytes are missing, and reports its shape', () => {
		expect(failure(parseEnvelope(undefined, [1, 2]))).toMatch(/is an array, not a JSON object/);
		expect(failure(parseEnvelope(undefined, 'text'))).toMatch(/is a string, not a JSON object/);
		const ok = parseEnvelope(undefined, { id: 5, type: 'tester_created', data: {} });
		expect(ok.ok && ok.envelope.id).toBe(5);
	});

	it('prefers the raw bytes over the parsed body', () => {
		const parsed = parseEnvelope(bytes({ id: 1, type: 'raw_type', data: {} }), {
			id: 2,
			type: 'parsed_type',
			data: {},
		});
		expect(parsed.ok && parsed.envelope.type).toBe('raw_type');
	});

	it('missing type', () => {
		expect(failure(parseEnvelope(bytes({ id: 1, data: {} })))).toMatch(
			/^The body has no "type" field, so it is not a Prefinery event\./,
		);
	});

	it.each([
		[42, 'a number'],
		[null, 'null'],
		[['tester_created'], 'an array'],
		[{ name: 'x' }, 'a object'],
		[true, 'a boolean'],
		['', 'a string'],
		['   ', 'a string'],
	])('wrong-typed type %p → message names %s', (type, what) => {
		expect(failure(parseEnvelope(bytes({ id: 1, type, data: {} })))).toBe(
			`The body's "type" must be a non-empty string (the event name), not ${what}.`,
		);
	});

	it('missing data', () => {
		expect(failure(parseEnvelope(bytes({ id: 1, type: 'tester_created' })))).toMatch(
			/^The body has no "data" field, so it is not a Prefinery event\./,
		);
	});

	it.each([
		[null, 'null'],
		[[], 'an array'],
		['tester', 'a string'],
		[7, 'a number'],
		[false, 'a boolean'],
	])('wrong-typed data %p → message names %s', (data, what) => {
		expect(failure(parseEnvelope(bytes({ id: 1, type: 'tester_created', data })))).toBe(
			`The body's "data" must be a JSON object (the tester, reward…), not ${what}.`,
		);
	});

	it.each([
		[1.5, 'a number (1.5)'],
		[-0.25, 'a number (-0.25)'],
		[true, 'a boolean'],
		['', 'a string'],
		['  ', 'a string'],
		[{ n: 1 }, 'a object'],
		[[1], 'an array'],
	])('wrong-typed id %p → message names %s', (id, what) => {
		expect(failure(parseEnvelope(bytes({ id, type: 'tester_created', data: {} })))).toBe(
			`The body's "id" must be the event's integer id, not ${what}.`,
		);
	});

	it.each([
		[123, 123],
		[0, 0],
		[-7, -7],
		['evt_123', 'evt_123'],
		[null, null],
		[undefined, null],
	])('accepts id %p as %p', (id, expected) => {
		expect(parseOk({ id, type: 'tester_created', data: {} }).id).toBe(expected);
	});

	it('returns the body exactly as parsed alongside the envelope', () => {
		const body = { id: 1, type: 't', data: { a: 1 }, extra: [1, 2] };
		const parsed = parseEnvelope(bytes(body));
		expect(parsed.ok && parsed.body).toEqual(body);
	});
});

describe("normalizeEvent on the article's verbatim sample", () => {
	const envelope = parseOk(articleSample);
	const item = normalizeEvent(envelope);

	it('envelope fields', () => {
		expect(item.id).toBe(123);
		expect(item.type).toBe('tester_created');
		expect(item.created_at).toBe('2012-09-05T20:57:29.000Z');
		expect(item.created_at_unix).toBe(1346878649);
		expect(item.object).toBe('tester');
		expect(item.project_id).toBe(1);
		expect(item.reward).toBeNull();
		expect(item.point).toBeNull();
		expect(item.data).toBeNull();
		expect(item.sample).toBe(false);
		expect(item.signature_verified).toBe(false);
	});

	it('every TESTER_FIELDS key is present', () => {
		const tester = item.tester!;
		for (const key of Object.keys(TESTER_FIELDS)) expect(tester).toHaveProperty([key]);
		// fields the article does not send are null (or [] for responses)
		expect(tester.unsubscribed_at).toBeNull();
		expect(tester.referral_code).toBeNull();
		expect(tester.waitlist_position).toBeNull();
		expect(tester.friend_invitations_allowed).toBeNull();
		expect(tester.groups).toBeNull();
		expect(tester.responses).toEqual([]);
	});

	it('every PROFILE_FIELDS key is present', () => {
		const profile = item.tester!.profile;
		for (const key of PROFILE_FIELDS) expect(profile).toHaveProperty([key]);
		expect(profile.custom_var1).toBeNull();
		expect(profile.first_name).toBe('Bruce');
		expect(profile.address_line1).toBeNull();
		expect(profile.age).toBe('39');
		expect(profile.utm_term).toBe('bruce+wayne+charity+benefit');
	});

	it('values are carried over, including the odd email value', () => {
		const tester = item.tester!;
		expect(tester.id).toBe(1259);
		expect(tester.project_id).toBe(1);
		// Cloudflare's e-mail obfuscation placeholder, with a no-break space (U+00A0), as in the article.
		expect(tester.email).toBe('[email\u00a0protected]');
		expect(tester.status).toBe('applied');
		expect(tester.invitation_code).toBe('');
		expect(tester.share_link).toBe('http://l.aunch.us/FaKElInK');
		expect(tester.friend_invitations_remaining).toBe(5);
		expect(tester.referred_by).toBeNull();
		expect(tester.game_code).toBeNull();
	});

	it('timestamps are ISO-8601 UTC (or null)', () => {
		const tester = item.tester!;
		expect(tester.applied_at).toBe('2012-09-06T23:29:20.000Z');
		expect(tester.created_at).toBe('2012-09-06T23:29:20.000Z');
		expect(tester.updated_at).toBe('2012-09-06T23:29:20.000Z');
		expect(tester.imported_at).toBeNull();
		expect(tester.invited_at).toBeNull();
		expect(tester.joined_at).toBeNull();
		for (const [key, kind] of Object.entries(TESTER_FIELDS)) {
			if (kind !== 'timestamp') continue;
			const value = (tester as Record<string, unknown>)[key];
			if (value !== null) expect(value).toMatch(ISO);
		}
	});

	it('does not mutate the envelope it was given', () => {
		const before = JSON.stringify(envelope);
		normalizeEvent(envelope, { sample: true, signatureVerified: true });
		expect(JSON.stringify(envelope)).toBe(before);
	});

	it('passes the sample / signature flags through', () => {
		const flagged = normalizeEvent(envelope, { sample: true, signatureVerified: true });
		expect(flagged.sample).toBe(true);
		expect(flagged.signature_verified).toBe(true);
	});
});

describe('normalizeEvent keeps unknown fields at every level', () => {
	const body = {
		id: 9,
		type: 'tester_updated',
		created_at: 1700000000,
		api_version: '2026-01',
		livemode: true,
		data: {
			id: 3,
			email: 'x@example.com',
			loyalty_tier: 'gold',
			nested: { a: [1, { b: null }] },
			profile: { first_name: 'X', favourite_colour: 'teal', custom_var9: 'v9' },
			responses: [{ question_id: 4, answer: 'yes', answered_at: '2026-01-01T00:00:00Z' }],
		},
	};
	const item = normalizeEvent(parseOk(body));

	it('envelope level', () => {
		expect(item.api_version).toBe('2026-01');
		expect(item.livemode).toBe(true);
	});

	it('data level', () => {
		expect(item.tester!.loyalty_tier).toBe('gold');
		expect(item.tester!.nested).toEqual({ a: [1, { b: null }] });
	});

	it('profile level', () => {
		expect(item.tester!.profile.favourite_colour).toBe('teal');
		expect(item.tester!.profile.custom_var9).toBe('v9');
	});

	it('responses level', () => {
		expect(item.tester!.responses).toEqual([
			{ question_id: 4, answer: 'yes', answered_at: '2026-01-01T00:00:00Z' },
		]);
	});

	it('reward / point level', () => {
		const reward = normalizeEvent(parseOk({ id: 1, type: 'reward_earned', data: { id: 2, coupon: 'X1' } }));
		expect(reward.reward!.coupon).toBe('X1');
		const point = normalizeEvent(parseOk({ id: 1, type: 'point_earned', data: { id: 2, campaign: 'c' } }));
		expect(point.point!.campaign).toBe('c');
	});

	it('unknown envelope fields never overwrite the item fields', () => {
		const clash = normalizeEvent(
			parseOk({ id: 1, type: 'tester_created', data: {}, object: 'evil', sample: true, tester: 'x', signature_verified: true }),
		);
		expect(clash.object).toBe('tester');
		expect(clash.sample).toBe(false);
		expect(clash.signature_verified).toBe(false);
		expect(typeof clash.tester).toBe('object');
	});

	// BUG: unknown keys that are also names on Object.prototype are dropped, because normalizeEvent
	// and withUnknownKeys test `key in target` (true for inherited properties) instead of an
	// own-property check. Found by test/property.test.ts (fast-check generates such keys).
	it('keeps unknown envelope fields whose names exist on Object.prototype (constructor, toString…)', () => {
		const odd = normalizeEvent(
			parseOk({ id: 1, type: 'tester_created', data: {}, constructor: 'c', toString: 't', valueOf: 'v', hasOwnProperty: 'h' }),
		);
		expect(Object.prototype.hasOwnProperty.call(odd, 'constructor')).toBe(true);
		expect(odd.constructor).toBe('c');
		expect(odd.toString).toBe('t');
		expect(odd.valueOf).toBe('v');
		expect(odd.hasOwnProperty).toBe('h');
	});

	it('keeps unknown data, profile and reward fields whose names exist on Object.prototype', () => {
		const tester = normalizeEvent(
			parseOk({
				id: 1,
				type: 'tester_created',
				data: { valueOf: 'v', constructor: 'c', profile: { valueOf: '000000000', toString: 't' } },
			}),
		).tester!;
		expect(Object.keys(tester)).toEqual(expect.arrayContaining(['valueOf', 'constructor']));
		expect(Object.keys(tester.profile)).toEqual(expect.arrayContaining(['valueOf', 'toString']));
		expect(tester.profile.valueOf).toBe('000000000');
		const reward = normalizeEvent(parseOk({ id: 1, type: 'reward_earned', data: { isPrototypeOf: 1 } })).reward!;
		expect(reward.isPrototypeOf).toBe(1);
	});

	it('keeps an unknown "__proto__" field as data, without changing the item\'s prototype', () => {
		const text = '{"id":1,"type":"tester_created","data":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}';
		const item = normalizeEvent(parseOk(text));
		expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
		expect(Object.getPrototypeOf(item.tester)).toBe(Object.prototype);
		expect((item as Record<string, unknown>).polluted).toBeUndefined();
		expect((item.tester as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.keys(item)).toContain('__proto__');
		expect(Object.keys(item.tester!)).toContain('__proto__');
	});
});

describe('normalizeEvent by kind', () => {
	it.each(PREFINERY_EVENTS.map((event) => [event.value, event.kind]))('%s → object %s', (type, kind) => {
		const item = normalizeEvent(parseOk({ id: 1, type, data: { id: 2 } }));
		expect(item.object).toBe(kind);
		expect(item.tester === null).toBe(kind !== 'tester');
		expect(item.reward === null).toBe(kind !== 'reward');
		expect(item.point === null).toBe(kind !== 'point');
		expect(item.data).toBeNull();
	});

	it('reward: every REWARD_FIELDS key present, values coerced', () => {
		const item = normalizeEvent(
			parseOk({
				id: 50,
				type: 'reward_delivered',
				created_at: 1700000000,
				data: { id: '77', name: 'Skip', type: 'Milestone', user_id: 1259, status: 'delivered', delivered_at: 1700000000 },
			}),
		);
		const reward = item.reward!;
		for (const key of Object.keys(REWARD_FIELDS)) expect(reward).toHaveProperty([key]);
		expect(reward.id).toBe(77);
		expect(reward.type).toBe('Milestone');
		expect(reward.delivered_at).toBe('2023-11-14T22:13:20.000Z');
		expect(reward.earned_at).toBeNull();
		expect(reward.descriptor).toBeNull();
		expect(item.project_id).toBeNull();
	});

	it('point: every POINT_FIELDS key present, values coerced', () => {
		const item = normalizeEvent(
			parseOk({ id: 51, type: 'point_revoked', data: { id: 5151, quantity: '-10', activity: 'bonus', created_at: '2026-03-07T15:45:00Z' } }),
		);
		const point = item.point!;
		for (const key of Object.keys(POINT_FIELDS)) expect(point).toHaveProperty([key]);
		expect(point.quantity).toBe(-10);
		expect(point.created_at).toBe('2026-03-07T15:45:00.000Z');
		expect(point.reason).toBeNull();
		expect(point.user_id).toBeNull();
	});

	it.each(['referral_created', 'something_new', 'tester', 'Tester_Created', 'x'])(
		'unknown type %s → object "unknown" with data kept as sent',
		(type) => {
			const data = { id: 3, anything: { deep: [1, 'two'] }, project_id: '42' };
			const item = normalizeEvent(parseOk({ id: 1, type, data }));
			expect(item.object).toBe('unknown');
			expect(item.type).toBe(type);
			expect(item.data).toEqual(data);
			expect(item.tester).toBeNull();
			expect(item.reward).toBeNull();
			expect(item.point).toBeNull();
			expect(item.project_id).toBe(42);
		},
	);

	it.each([
		['user_invited', 'tester'],
		['tester_activated', 'tester'],
		['reward_expired', 'reward'],
		['points_adjusted', 'point'],
		['point_expired', 'point'],
	])('unknown type %s is guessed from its prefix → %s', (type, kind) => {
		expect(normalizeEvent(parseOk({ id: 1, type, data: {} })).object).toBe(kind);
	});
});

describe('envelope created_at and project id', () => {
	it.each([
		[1346878649, '2012-09-05T20:57:29.000Z', 1346878649],
		['1346878649', '2012-09-05T20:57:29.000Z', 1346878649],
		['2012-09-05T20:57:29Z', '2012-09-05T20:57:29.000Z', 1346878649],
		[undefined, null, null],
		[null, null, null],
	])('created_at %p → %p / unix %p', (createdAt, iso, unix) => {
		const item = normalizeEvent(parseOk({ id: 1, type: 'tester_created', data: {}, created_at: createdAt }));
		expect(item.created_at).toBe(iso);
		expect(item.created_at_unix).toBe(unix);
	});

	it('project id from data.project_id, data.beta_id, then the envelope', () => {
		expect(normalizeEvent(parseOk({ id: 1, type: 'tester_created', data: { project_id: '17' } })).project_id).toBe(17);
		expect(normalizeEvent(parseOk({ id: 1, type: 'tester_created', data: { beta_id: 18 } })).project_id).toBe(18);
		expect(normalizeEvent(parseOk({ id: 1, type: 'tester_created', data: {}, project_id: 19 })).project_id).toBe(19);
		expect(normalizeEvent(parseOk({ id: 1, type: 'tester_created', data: {}, beta_id: '20' })).project_id).toBe(20);
	});
});

describe('value coercion', () => {
	it('integers', () => {
		expect(toInteger(5)).toBe(5);
		expect(toInteger(' 12 ')).toBe(12);
		expect(toInteger('-3')).toBe(-3);
		expect(toInteger('abc')).toBeNull();
		expect(toInteger('')).toBeNull();
		expect(toInteger(null)).toBeNull();
		expect(toInteger(undefined)).toBeNull();
		expect(toInteger(Number.NaN)).toBeNull();
		expect(toInteger(Infinity)).toBeNull();
		expect(toInteger(true)).toBeNull();
		expect(toInteger({})).toBeNull();
	});

	it('text', () => {
		expect(toText('a')).toBe('a');
		expect(toText('')).toBe('');
		expect(toText(39)).toBe('39');
		expect(toText(false)).toBe('false');
		expect(toText(null)).toBeNull();
		expect(toText({ a: 1 })).toBeNull();
		expect(toText(['a'])).toBeNull();
	});

	it('timestamps', () => {
		expect(toIsoTimestamp('2012-09-06T23:29:20Z')).toBe('2012-09-06T23:29:20.000Z');
		expect(toIsoTimestamp('2012-09-06T23:29:20+02:00')).toBe('2012-09-06T21:29:20.000Z');
		expect(toIsoTimestamp(1346878649)).toBe('2012-09-05T20:57:29.000Z');
		expect(toIsoTimestamp('1346878649')).toBe('2012-09-05T20:57:29.000Z');
		expect(toIsoTimestamp('not a date')).toBe('not a date');
		expect(toIsoTimestamp('')).toBeNull();
		expect(toIsoTimestamp('  ')).toBeNull();
		expect(toIsoTimestamp(null)).toBeNull();
		expect(toIsoTimestamp(undefined)).toBeNull();
		expect(toIsoTimestamp(Number.NaN)).toBeNull();
		expect(toIsoTimestamp(1e300)).toBeNull();
		expect(toIsoTimestamp({})).toBeNull();
	});

	it('a tester with odd value types is coerced where it can be, else kept as sent, never rejected or dropped', () => {
		const item = normalizeEvent(
			parseOk({
				id: 1,
				type: 'tester_updated',
				data: {
					id: '1259',
					email: 42,
					status: true,
					share_clicks_count: '7',
					waitlist_position: 'n/a',
					applied_at: 1346878649,
					profile: 'not an object',
					responses: [{ question_id: { x: 1 } }, 'junk', null, { question_id: '5', answer: 0 }],
					groups: ['a', 'b'],
				},
			}),
		);
		const tester = item.tester!;
		expect(tester.id).toBe(1259);
		expect(tester.email).toBe('42');
		expect(tester.status).toBe('true');
		expect(tester.share_clicks_count).toBe(7);
		expect(tester.waitlist_position).toBe('n/a');
		expect(tester.applied_at).toBe('2012-09-05T20:57:29.000Z');
		expect(tester.profile).toBe('not an object');
		expect(tester.responses).toEqual([
			{ question_id: { x: 1 }, answer: null },
			'junk',
			null,
			{ question_id: '5', answer: 0 },
		]);
		expect(tester.groups).toEqual(['a', 'b']);
	});

});
