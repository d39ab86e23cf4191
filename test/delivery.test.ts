import { EventIdMemory } from '../lib/dedupe';
import { ANSWERS, httpStatusOf, type Reason } from '../lib/answers';
import { eventKey, handleDelivery, safeHeaders, type DeliveryOutcome } from '../lib/delivery';
import { PREFINERY_EVENTS } from '../lib/events';
import { TESTER_FIELDS } from '../lib/fields';
import { allSamples } from '../lib/samples';
import articleSample from './fixtures/article-sample.json';
import { envelope, SECRET, settings, signedRequest, unsignedRequest } from './helpers/delivery';
import { bytes, hmacHex, NOW } from './helpers/signing';

function emitted(outcome: DeliveryOutcome) {
	expect(outcome.emit).toBe(true);
	if (!outcome.emit) throw new Error(JSON.stringify(outcome.answer));
	return outcome;
}

function notEmitted(outcome: DeliveryOutcome, httpStatus: number, status: string, reason?: string) {
	expect(outcome.emit).toBe(false);
	expect(outcome.httpStatus).toBe(httpStatus);
	expect(outcome.answer.status).toBe(status);
	if (reason) expect(outcome.answer.reason).toBe(reason);
	expect(outcome.answer.message.length).toBeGreaterThan(10);
	expect('item' in outcome).toBe(false);
}

describe('handleDelivery: signed and selected → 200 with an item', () => {
	it("the article's sample", () => {
		const outcome = emitted(handleDelivery(signedRequest(articleSample), settings()));
		expect(outcome.httpStatus).toBe(200);
		expect(outcome.answer).toEqual({ status: 'accepted', message: 'Event received.', event_id: 123, type: 'tester_created' });
		expect(outcome.item.id).toBe(123);
		expect(outcome.item.type).toBe('tester_created');
		expect(outcome.item.object).toBe('tester');
		expect(outcome.item.signature_verified).toBe(true);
		expect(outcome.item.sample).toBe(false);
		expect(outcome.item.created_at).toBe('2012-09-05T20:57:29.000Z');
		const tester = outcome.item.tester as Record<string, unknown>;
		for (const key of Object.keys(TESTER_FIELDS)) expect(tester).toHaveProperty([key]);
		expect(outcome.item).not.toHaveProperty('headers');
	});

	it.each(allSamples().map((sample) => [sample.type, sample]))('sample %s', (_type, sample) => {
		const outcome = emitted(handleDelivery(signedRequest(sample), settings({ events: [sample.type] })));
		expect(outcome.item.id).toBe(sample.id);
		expect(outcome.item.type).toBe(sample.type);
		expect(outcome.item.object).toBe(PREFINERY_EVENTS.find((event) => event.value === sample.type)!.kind);
	});

	it('an unknown event type passes with "*"', () => {
		const outcome = emitted(handleDelivery(signedRequest(envelope('referral_created')), settings()));
		expect(outcome.item.object).toBe('unknown');
		expect(outcome.item.data).toEqual(envelope('referral_created').data);
	});

	it('an event without id is emitted once: a redelivery of the same bytes is a duplicate, other bytes are not', () => {
		const memory = new EventIdMemory(10);
		const body = { type: 'tester_created', data: {} };
		const first = emitted(handleDelivery(signedRequest(body), settings({ memory })));
		expect(first.item.id).toBeNull();
		notEmitted(handleDelivery(signedRequest(body), settings({ memory })), 200, 'duplicate', 'duplicate_event_id');
		emitted(handleDelivery(signedRequest({ ...body, data: { id: 2 } }), settings({ memory })));
		expect(memory.size).toBe(2);
	});

	it('a project filter passes events of that project (as a number or digits, in data or the envelope)', () => {
		const filter = settings({ project: { kind: 'id', id: '1' } });
		emitted(handleDelivery(signedRequest(articleSample), filter));
		emitted(handleDelivery(signedRequest(envelope('reward_earned', 1, { id: 2, project_id: '001' })), filter));
		emitted(handleDelivery(signedRequest({ ...envelope('reward_earned', 1, { id: 2 }), beta_id: 1 }), filter));
	});
});

describe('handleDelivery: not selected → 200, nothing emitted', () => {
	it('event type not selected', () => {
		const outcome = handleDelivery(signedRequest(articleSample), settings({ events: ['tester_updated', 'reward_delivered'] }));
		notEmitted(outcome, 200, 'ignored', 'event_not_selected');
		expect(outcome.answer.event_id).toBe(123);
		expect(outcome.answer.type).toBe('tester_created');
		expect(outcome.answer.message).toContain('tester_created');
	});

	it('no event selected at all', () => {
		notEmitted(handleDelivery(signedRequest(articleSample), settings({ events: [] })), 200, 'ignored', 'event_not_selected');
	});

	it('another project', () => {
		const outcome = handleDelivery(signedRequest(articleSample), settings({ project: { kind: 'id', id: '4242' } }));
		notEmitted(outcome, 200, 'ignored', 'project_not_selected');
		expect(outcome.answer.message).toContain('project 1');
		expect(outcome.answer.message).toContain('4242');
	});

	it('ignored events are not remembered as seen', () => {
		const memory = new EventIdMemory(10);
		handleDelivery(signedRequest(articleSample), settings({ memory, events: ['tester_updated'] }));
		expect(memory.size).toBe(0);
		emitted(handleDelivery(signedRequest(articleSample), settings({ memory })));
	});
});

describe('handleDelivery: duplicates → 200, nothing emitted', () => {
	it('same id twice', () => {
		const memory = new EventIdMemory(10);
		const first = emitted(handleDelivery(signedRequest(articleSample), settings({ memory })));
		expect(first.item.id).toBe(123);
		const second = handleDelivery(signedRequest(articleSample, { timestamp: NOW - 1 }), settings({ memory }));
		notEmitted(second, 200, 'duplicate', 'duplicate_event_id');
		expect(second.answer.event_id).toBe(123);
	});

	it('same id with a different body is still a duplicate (id is the idempotency key)', () => {
		const memory = new EventIdMemory(10);
		emitted(handleDelivery(signedRequest(envelope('tester_created', 7)), settings({ memory })));
		notEmitted(handleDelivery(signedRequest(envelope('tester_updated', 7)), settings({ memory })), 200, 'duplicate');
	});

	it('number 7 and string "7" are one key; other strings and id-less bodies have their own', () => {
		expect(eventKey({ id: 7, type: 'x', data: {} })).toBe('id:7');
		expect(eventKey({ id: '7', type: 'x', data: {} })).toBe('id:7');
		expect(eventKey({ id: '007', type: 'x', data: {} })).toBe('id:7');
		expect(eventKey({ id: 'evt_7', type: 'x', data: {} })).toBe('text:evt_7');
		expect(eventKey({ id: null, type: 'x', data: {} }, Buffer.from('{}'))).toMatch(/^body:[0-9a-f]{64}$/);
	});

	it('without memory, duplicates are emitted again', () => {
		emitted(handleDelivery(signedRequest(articleSample), settings()));
		emitted(handleDelivery(signedRequest(articleSample), settings()));
	});

	it('rejected (bad signature) deliveries do not claim the id', () => {
		const memory = new EventIdMemory(10);
		handleDelivery(signedRequest(articleSample, { secret: 'wrong' }), settings({ memory }));
		expect(memory.size).toBe(0);
		emitted(handleDelivery(signedRequest(articleSample), settings({ memory })));
	});

	// Sequential (one synchronous call after another); the interleaved race is in hardening.test.ts.
	it('fifty deliveries of one id: exactly one emits', async () => {
		const memory = new EventIdMemory(100);
		const deliveries = Array.from({ length: 50 }, (_, i) =>
			Promise.resolve().then(() =>
				handleDelivery(signedRequest(envelope('tester_created', 555), { timestamp: NOW - i }), settings({ memory })),
			),
		);
		const outcomes = await Promise.all(deliveries);
		expect(outcomes.filter((outcome) => outcome.emit)).toHaveLength(1);
		expect(outcomes.filter((outcome) => outcome.answer.status === 'duplicate')).toHaveLength(49);
		for (const outcome of outcomes) expect(outcome.httpStatus).toBe(200);
	});

	it('fifty deliveries of distinct ids all emit', async () => {
		const memory = new EventIdMemory(100);
		const outcomes = await Promise.all(
			Array.from({ length: 50 }, (_, i) =>
				Promise.resolve().then(() => handleDelivery(signedRequest(envelope('tester_created', i)), settings({ memory }))),
			),
		);
		expect(outcomes.every((outcome) => outcome.emit)).toBe(true);
		expect(memory.size).toBe(50);
	});
});

describe('handleDelivery: bad or missing signature → 401', () => {
	it('missing header', () => {
		notEmitted(handleDelivery(unsignedRequest(articleSample), settings()), 401, 'rejected', 'missing_header');
	});

	it('wrong secret', () => {
		notEmitted(handleDelivery(signedRequest(articleSample, { secret: 'nope' }), settings()), 401, 'rejected', 'mismatch');
	});

	it('tampered body', () => {
		const request = signedRequest(articleSample);
		request.rawBody = Buffer.from(request.rawBody!.toString('utf8').replace('"applied"', '"active"'));
		notEmitted(handleDelivery(request, settings()), 401, 'rejected', 'mismatch');
	});

	it('malformed header', () => {
		notEmitted(
			handleDelivery(unsignedRequest(articleSample, { 'x-prefinery-signature': 'v1=abc' }), settings()),
			401,
			'rejected',
			'malformed_header',
		);
	});

	it('only a v0 signature', () => {
		const raw = bytes(articleSample);
		const header = `t=${NOW},v0=${hmacHex(SECRET, NOW, raw)}`;
		notEmitted(handleDelivery(unsignedRequest(raw, { 'x-prefinery-signature': header }), settings()), 401, 'rejected', 'no_v1_signature');
	});

	it('stale timestamp', () => {
		notEmitted(
			handleDelivery(signedRequest(articleSample, { timestamp: NOW - 301 }), settings({ toleranceSeconds: 300 })),
			401,
			'rejected',
			'timestamp_too_old',
		);
	});

	it('no secret configured', () => {
		notEmitted(handleDelivery(signedRequest(articleSample), settings({ secret: '' })), 401, 'rejected', 'no_secret');
	});

	it('no raw body available (parsed body only) cannot be verified', () => {
		const request = signedRequest(articleSample);
		const outcome = handleDelivery({ ...request, rawBody: undefined, body: articleSample }, settings());
		notEmitted(outcome, 401, 'rejected');
		expect(outcome.answer.message).toMatch(/raw request body/);
	});

	it('the signature header is read from an array value (repeated header)', () => {
		const request = signedRequest(articleSample);
		const value = request.headers['x-prefinery-signature'] as string;
		emitted(handleDelivery({ ...request, headers: { 'x-prefinery-signature': [value] } }, settings()));
	});
});

describe('handleDelivery: malformed → 400', () => {
	it.each([
		['non-JSON', 'not json'],
		['array', '[1,2]'],
		['no type', '{"id":1,"data":{}}'],
		['no data', '{"id":1,"type":"tester_created"}'],
		['bad id', '{"id":1.5,"type":"tester_created","data":{}}'],
		['empty', ''],
	])('signed but %s → 400', (_name, text) => {
		const outcome = handleDelivery(signedRequest(bytes(text)), settings());
		notEmitted(outcome, 400, 'rejected', 'not_a_prefinery_event');
	});

	it('signature is checked first: an unsigned malformed body is 401 when verification is on', () => {
		notEmitted(handleDelivery(unsignedRequest(bytes('not json')), settings()), 401, 'rejected', 'missing_header');
		notEmitted(
			handleDelivery(signedRequest(bytes('not json'), { secret: 'wrong' }), settings()),
			401,
			'rejected',
			'mismatch',
		);
	});

	it('the same unsigned malformed body is 400 when verification is off', () => {
		notEmitted(handleDelivery(unsignedRequest(bytes('not json')), settings({ verifySignature: false })), 400, 'rejected', 'not_a_prefinery_event');
	});

	it('a malformed body is 400 in test mode when unsigned', () => {
		notEmitted(handleDelivery(unsignedRequest(bytes('[]')), settings({ allowUnsigned: true })), 400, 'rejected');
	});
});

describe('handleDelivery: verification off', () => {
	it('accepts unsigned events, marked signature_verified: false', () => {
		const outcome = emitted(handleDelivery(unsignedRequest(articleSample), settings({ verifySignature: false, secret: '' })));
		expect(outcome.item.signature_verified).toBe(false);
	});

	it('ignores a wrong signature entirely', () => {
		const outcome = emitted(
			handleDelivery(signedRequest(articleSample, { secret: 'whatever' }), settings({ verifySignature: false })),
		);
		expect(outcome.item.signature_verified).toBe(false);
	});

	it('falls back to the parsed body when no raw bytes are available', () => {
		const outcome = emitted(
			handleDelivery({ rawBody: undefined, body: articleSample, headers: {}, now: NOW }, settings({ verifySignature: false })),
		);
		expect(outcome.item.id).toBe(123);
	});
});

describe('handleDelivery: allowUnsigned (test URL)', () => {
	const manual = settings({ allowUnsigned: true });

	it('accepts a delivery with no signature header, marked unverified', () => {
		const outcome = emitted(handleDelivery(unsignedRequest(articleSample), manual));
		expect(outcome.item.signature_verified).toBe(false);
	});

	it('treats an empty header as missing', () => {
		emitted(handleDelivery(unsignedRequest(articleSample, { 'x-prefinery-signature': '' }), manual));
	});

	it('still verifies a signature that is present', () => {
		const outcome = emitted(handleDelivery(signedRequest(articleSample), manual));
		expect(outcome.item.signature_verified).toBe(true);
	});

	it('still rejects a wrong signature', () => {
		notEmitted(handleDelivery(signedRequest(articleSample, { secret: 'wrong' }), manual), 401, 'rejected', 'mismatch');
	});

	it('still rejects a malformed header', () => {
		notEmitted(handleDelivery(unsignedRequest(articleSample, { 'x-prefinery-signature': 'junk' }), manual), 401, 'rejected', 'malformed_header');
	});

	it('accepts a missing header even without a secret configured', () => {
		emitted(handleDelivery(unsignedRequest(articleSample), settings({ allowUnsigned: true, secret: '' })));
	});
});

describe('handleDelivery: sample requests', () => {
	it('skip signature verification and are marked sample: true', () => {
		const outcome = emitted(handleDelivery({ ...unsignedRequest(allSamples()[0]), sample: true }, settings()));
		expect(outcome.item.sample).toBe(true);
		expect(outcome.item.signature_verified).toBe(false);
		expect(outcome.answer.message).toBe('Sample event emitted.');
	});

	it('of an event the trigger does not select: nothing emitted, and the answer names the samples that work', () => {
		const sample = allSamples().find((s) => s.type === 'tester_updated')!;
		const outcome = handleDelivery({ ...unsignedRequest(sample), sample: true }, settings({ events: ['tester_created', 'tester_applied'] }));
		notEmitted(outcome, 200, 'ignored', 'event_not_selected');
		expect(outcome.answer.message).toContain('"tester_updated" is not one of this trigger\'s Events');
		expect(outcome.answer.message).toContain('?event=tester_created or ?event=tester_applied');
		expect(outcome.answer.message).toMatch(/still listening/);
	});
});

describe('handleDelivery: output formats', () => {
	it('raw output is the body as sent', () => {
		const body = { ...articleSample, extra_field: { nested: [1, 2] } };
		const outcome = emitted(handleDelivery(signedRequest(body), settings({ output: 'raw' })));
		expect(outcome.item).toEqual(body);
		expect(outcome.item).not.toHaveProperty('object');
		expect(outcome.item).not.toHaveProperty('signature_verified');
	});

	it('raw output keeps values the typed output would coerce', () => {
		const body = { id: 1, type: 'tester_created', created_at: '1346878649', data: { id: '12', applied_at: 1346878649 } };
		const outcome = emitted(handleDelivery(signedRequest(body), settings({ output: 'raw' })));
		expect(outcome.item).toEqual(body);
	});

	const headers = {
		authorization: 'Bearer sk_live_should_not_leak',
		cookie: 'n8n-auth=abc',
		'Proxy-Authorization': 'Basic xyz',
		'x-api-key': 'key',
		'x-n8n-api-key': 'n8n-key',
		'user-agent': 'Prefinery-Webhooks/1.0',
		'x-forwarded-for': '203.0.113.9',
	};

	it('includeHeaders (typed) adds headers without secrets or the signature', () => {
		const outcome = emitted(handleDelivery(signedRequest(articleSample, { headers }), settings({ includeHeaders: true })));
		const out = outcome.item.headers as Record<string, string>;
		expect(out).toEqual({
			'content-type': 'application/json',
			'user-agent': 'Prefinery-Webhooks/1.0',
			'x-forwarded-for': '203.0.113.9',
		});
		expect(outcome.item.type).toBe('tester_created');
	});

	it('includeHeaders (raw) wraps body and headers', () => {
		const outcome = emitted(
			handleDelivery(signedRequest(articleSample, { headers }), settings({ includeHeaders: true, output: 'raw' })),
		);
		expect(outcome.item.body).toEqual(articleSample);
		expect(Object.keys(outcome.item.headers as object).sort()).toEqual(['content-type', 'user-agent', 'x-forwarded-for']);
	});

	it('safeHeaders lower-cases names, joins arrays, drops undefined and secret headers', () => {
		expect(
			safeHeaders({
				'X-Custom': ['a', 'b'],
				Authorization: 'x',
				'Set-Cookie': ['s'],
				'X-Prefinery-Signature': 't=1,v1=00',
				missing: undefined,
			}),
		).toEqual({ 'x-custom': 'a, b' });
	});
});

describe('no secret ever appears in an answer', () => {
	const secretHeaders = { authorization: `Bearer ${SECRET}` };
	const cases: Array<[string, () => DeliveryOutcome]> = [
		['accepted', () => handleDelivery(signedRequest(articleSample, { headers: secretHeaders }), settings({ includeHeaders: true }))],
		['accepted raw', () => handleDelivery(signedRequest(articleSample, { headers: secretHeaders }), settings({ includeHeaders: true, output: 'raw' }))],
		['mismatch', () => handleDelivery(signedRequest(articleSample, { secret: 'wrong' }), settings())],
		['missing', () => handleDelivery(unsignedRequest(articleSample), settings())],
		['malformed header', () => handleDelivery(unsignedRequest(articleSample, { 'x-prefinery-signature': SECRET }), settings())],
		['stale', () => handleDelivery(signedRequest(articleSample, { timestamp: 1 }), settings())],
		['future', () => handleDelivery(signedRequest(articleSample, { timestamp: NOW + 9999 }), settings())],
		['400', () => handleDelivery(signedRequest(bytes('nope')), settings())],
		['ignored', () => handleDelivery(signedRequest(articleSample), settings({ events: ['x'] }))],
		['project', () => handleDelivery(signedRequest(articleSample), settings({ project: { kind: 'id', id: '9' } }))],
	];

	it.each(cases)('%s', (_name, run) => {
		const outcome = run();
		const text = JSON.stringify(outcome);
		expect(text).not.toContain(SECRET);
		expect(JSON.stringify(outcome.answer)).not.toContain(SECRET);
	});
});

describe('fixable failures: 429 by default (Prefinery retries), the 4xx under the strict option', () => {
	// The decision table (docs/answers.md): [reason, default, strict].
	const table: Array<[Reason, number, number]> = [
		['missing_header', 429, 401],
		['mismatch', 429, 401],
		['timestamp_too_old', 429, 401],
		['timestamp_in_future', 429, 401],
		['no_secret', 429, 401],
		['credential_unavailable', 429, 429],
		['mismatch_recheck_pending', 429, 429],
		['invalid_project_filter', 429, 400],
		['invalid_events', 429, 400],
		['parameter_unavailable', 429, 429],
		['malformed_header', 401, 401],
		['no_v1_signature', 401, 401],
		['raw_body_unavailable', 401, 401],
		['not_a_prefinery_event', 400, 400],
		['body_too_large', 413, 413],
		['event_not_selected', 200, 200],
		['project_not_selected', 200, 200],
		['duplicate_event_id', 200, 200],
		['get_not_delivered', 200, 200],
	];

	it('covers every reason of the catalogue', () => {
		expect(table.map(([reason]) => reason).sort()).toEqual(Object.keys(ANSWERS).sort());
	});

	it.each(table)('%s: %i by default, %i strict', (reason, retry, reject) => {
		expect(httpStatusOf(reason)).toBe(retry);
		expect(httpStatusOf(reason, 'retry')).toBe(retry);
		expect(httpStatusOf(reason, 'reject')).toBe(reject);
	});

	it('through the decision: a wrong secret is 429 by default and 401 strict, with the same message', () => {
		const retry = handleDelivery(signedRequest(articleSample, { secret: 'nope' }), settings({ fixable: 'retry' }));
		const strict = handleDelivery(signedRequest(articleSample, { secret: 'nope' }), settings({ fixable: 'reject' }));
		notEmitted(retry, 429, 'rejected', 'mismatch');
		notEmitted(strict, 401, 'rejected', 'mismatch');
		expect(retry.answer.message).toBe(strict.answer.message);
	});

	it('a body that is not an event stays 400 under either policy (no fix in n8n changes it)', () => {
		notEmitted(handleDelivery(signedRequest(bytes('[]')), settings({ fixable: 'retry' })), 400, 'rejected', 'not_a_prefinery_event');
	});
});
