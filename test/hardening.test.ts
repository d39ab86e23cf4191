/**
 * The defects the outside review and the red team found in 0.1.0 (issue "Hardening"), one block per
 * item, each through the surface where the defect showed: the trigger's webhook() (a mocked n8n
 * context, or n8n-core's real WebhookContext where n8n's own helpers matter), or the pure modules.
 * Every test here failed on main b0eb86f (see the closing note: `npm run test:unit -- hardening`).
 * Items 1 and 9 (the action node) are in prefinery-node.test.ts; item 14 (n8n's own answers) in
 * e2e/reliability.e2e.test.mjs.
 */
import { createHmac } from 'crypto';
import { sleep, type IDataObject } from 'n8n-workflow';
import { MemoryRegistry } from '../lib/dedupe';
import { normalizeEvent, parseEnvelope } from '../lib/normalize';
import { SecretCache } from '../lib/secret-cache';
import { verifySignature } from '../lib/signature';
import articleSample from './fixtures/article-sample.json';
import { runInCoreContext } from './helpers/n8n-core-context';
import { bytes, signedHeader } from './helpers/signing';
import { freshWorkflow, nowSeconds, post, run, SECRET } from './helpers/trigger-calls';

const DAY = 24 * 60 * 60;
const event = (id: unknown, type = 'tester_created', data: Record<string, unknown> = { id: 1, email: 'a@example.com' }) => ({
	id,
	type,
	data,
	created_at: nowSeconds() - 5,
});
const statusOf = (called: { res: { status: jest.Mock } }) => called.res.status.mock.calls[0]?.[0] ?? 200;
const bodyOf = (called: { res: { json: jest.Mock }; result: { webhookResponse?: unknown } }) =>
	(called.res.json.mock.calls[0]?.[0] ?? called.result.webhookResponse) as Record<string, unknown>;

describe('#2 a negative, NaN or empty Signature Tolerance never turns the age check off', () => {
	it.each([[-1], [Number.NaN], [''], ['abc'], [null], [-0.5], [Number.NEGATIVE_INFINITY]])(
		'tolerance %p: a 30-day-old signature is rejected as too old (the default of 3 days applies)',
		async (tolerance) => {
			const rawBody = bytes(event(201));
			const old = nowSeconds() - 30 * DAY;
			const called = await run(
				post(rawBody, {
					params: { options: { signatureTolerance: tolerance } },
					headers: { 'content-type': 'application/json', 'x-prefinery-signature': signedHeader(SECRET, old, rawBody) },
				}),
			);
			expect(statusOf(called)).toBe(429);
			expect(bodyOf(called)).toMatchObject({ reason: 'timestamp_too_old' });
			expect(bodyOf(called).message).toContain(`${3 * DAY} s`);
			expect(called.result.workflowData).toBeUndefined();
		},
	);

	it('the pure check fails closed too', () => {
		const rawBody = bytes(event(202));
		const old = nowSeconds() - 30 * DAY;
		const check = verifySignature({ secret: SECRET, rawBody, header: signedHeader(SECRET, old, rawBody), now: nowSeconds(), toleranceSeconds: -1 });
		expect(check).toMatchObject({ valid: false, reason: 'timestamp_too_old' });
	});

	it('0 still turns the age check off, as documented', async () => {
		const rawBody = bytes(event(203));
		const old = nowSeconds() - 30 * DAY;
		const called = await run(
			post(rawBody, {
				params: { options: { signatureTolerance: 0 } },
				headers: { 'content-type': 'application/json', 'x-prefinery-signature': signedHeader(SECRET, old, rawBody) },
			}),
		);
		expect(called.result.workflowData).toBeDefined();
	});
});

describe('#3 the memories are bounded across trigger nodes', () => {
	it('the duplicate memory holds at most its total across 500 triggers; the least recently used gives way first', () => {
		const registry = new MemoryRegistry({ capacity: 100, totalCapacity: 1_000 });
		registry.for('live').claim('id:0');
		for (let scope = 0; scope < 500; scope++) {
			for (let id = 0; id < 10; id++) registry.for(`wf-${scope}:node`).claim(`id:${id}`);
			registry.for('live').claim(`id:${scope + 1}`); // a live trigger keeps receiving events
		}
		expect(registry.size).toBeLessThanOrEqual(1_000);
		expect(registry.sizeOf('live')).toBe(100); // its own cap, never evicted by the others
		expect(registry.sizeOf('wf-0:node')).toBe(0); // long unused: forgotten first
		expect(registry.sizeOf('wf-499:node')).toBe(10);
		expect(registry.for('live').claim('id:500')).toBe(false); // still remembered
	});

	it('the number of triggers remembered is bounded too', () => {
		const registry = new MemoryRegistry({ maxScopes: 50 });
		for (let scope = 0; scope < 200; scope++) registry.for(`wf-${scope}:node`).claim('id:1');
		expect(registry.scopes).toBe(50);
		expect(registry.size).toBe(50);
	});

	it('expired secrets of triggers that receive nothing any more are dropped, and the cache has a maximum', () => {
		let now = 0;
		const cache = new SecretCache({ ttlMs: 60_000, maxEntries: 100, clock: () => now });
		for (let i = 0; i < 80; i++) cache.set(`deleted-${i}:node:cred`, 'dummy');
		now += 61_000;
		cache.set('live:node:cred', 'dummy');
		expect(cache.size).toBe(1);
		for (let i = 0; i < 300; i++) cache.set(`wf-${i}:node:cred`, 'dummy');
		expect(cache.size).toBe(100);
	});
});

/** The credential store's read, counting how often the trigger reads the credential. */
function countingReads() {
	let reads = 0;
	const read = async () => {
		reads += 1;
		return { webhookSigningSecret: SECRET };
	};
	return Object.assign(read, { reads: () => reads });
}

describe('#4 forged signatures do not each re-read the credential', () => {
	it('100 forgeries to one trigger read the credential at most 4 times (the first read and 3 re-reads in 5 s), then a real delivery is accepted', async () => {
		const workflowId = freshWorkflow();
		const readCredentials = countingReads();
		const answers: number[] = [];
		for (let i = 0; i < 100; i++) {
			const called = await run(post(event(300 + i), { workflowId, readCredentials }, 'forged-secret'));
			answers.push(statusOf(called));
			expect(called.result.workflowData).toBeUndefined();
		}
		expect(readCredentials.reads()).toBeLessThanOrEqual(4);
		expect(new Set(answers)).toEqual(new Set([429]));
		const real = await run(post(event(400), { workflowId, readCredentials }));
		expect(real.result.workflowData).toBeDefined();
	});
});

describe('#4 (strict option) the same bound on reads, every forgery a plain 401', () => {
	it('100 forgeries: at most 4 credential reads, all 401 mismatch', async () => {
		const workflowId = freshWorkflow();
		const readCredentials = countingReads();
		for (let i = 0; i < 100; i++) {
			const called = await run(post(event(450 + i), { workflowId, readCredentials, params: { options: { fixableFailureAnswer: 'reject' } } }, 'forged-secret'));
			expect(statusOf(called)).toBe(401);
			expect(bodyOf(called)).toMatchObject({ reason: 'mismatch' });
		}
		expect(readCredentials.reads()).toBeLessThanOrEqual(4);
	});
});

describe('#5 the Project filter is decided only after the signature', () => {
	it('an unsigned request is rejected for its signature and learns nothing of the filter', async () => {
		const called = await run(
			post(event(501), {
				params: { project: 'not-a-number-xyz' },
				headers: { 'content-type': 'application/json' },
			}),
		);
		expect(statusOf(called)).toBe(429);
		expect(bodyOf(called)).toMatchObject({ reason: 'missing_header' });
		expect(JSON.stringify(bodyOf(called))).not.toContain('not-a-number-xyz');
	});

	it('a signed event still meets the fail-closed filter', async () => {
		const called = await run(post(event(502), { params: { project: 'not-a-number-xyz' } }));
		expect(bodyOf(called)).toMatchObject({ status: 'rejected', reason: 'invalid_project_filter' });
		expect(called.result.workflowData).toBeUndefined();
	});
});

describe('#6 Events from an expression that returns a string match whole names only', () => {
	it.each([
		['tester_created', 'tester_create', false],
		['tester_created', 'tester_created', true],
		['tester_created, tester_applied', 'tester_applied', true],
		['tester_created,tester_applied', 'applied', false],
	])('events %p, event type %p → emitted: %p', async (events, type, emitted) => {
		const called = await run(post(event(600, type), { params: { events } }));
		expect(called.result.workflowData !== undefined).toBe(emitted);
		if (!emitted) expect(bodyOf(called)).toMatchObject({ reason: 'event_not_selected' });
	});

	it('a name that is no Prefinery event ("tester_createdX_v2") is refused as Events, never a silent 200', async () => {
		const called = await run(post(event(601, 'tester_createdX'), { params: { events: 'tester_createdX_v2' } }));
		expect(called.result.workflowData?.[0] ?? []).toEqual([]);
		expect(statusOf(called)).toBe(429);
		expect(bodyOf(called)).toMatchObject({ reason: 'invalid_events' });
	});
});

describe('#7 normalisation never loses data', () => {
	const typed = (body: string) => {
		const parsed = parseEnvelope(Buffer.from(body, 'utf8'));
		if (!parsed.ok) throw new Error(parsed.message);
		return normalizeEvent(parsed.envelope);
	};

	it('a known field of an unexpected type is kept as sent (an array in groups, an object in profile)', () => {
		const item = typed(
			JSON.stringify(event(701, 'tester_updated', { id: 9, groups: ['Investors', 'Friends'], profile: { first_name: { given: 'Ada' }, city: 'London' } })),
		);
		expect(item.tester!.groups).toEqual(['Investors', 'Friends']);
		expect(item.tester!.profile.first_name).toEqual({ given: 'Ada' });
		expect(item.tester!.profile.city).toBe('London');
	});

	it('integers beyond 2^53 keep every digit (as strings), in the event id and in data', () => {
		const item = typed('{"id":12345678901234567891,"type":"tester_created","data":{"id":98765432109876543210,"email":"a@example.com","share_clicks_count":7},"created_at":1772443200}');
		expect(item.id).toBe('12345678901234567891');
		expect(item.tester!.id).toBe('98765432109876543210');
		expect(item.tester!.share_clicks_count).toBe(7);
	});

	it('a timestamp in milliseconds is read as milliseconds, not as the year 55840', () => {
		const item = typed(JSON.stringify({ ...event(702, 'tester_created', { id: 1, applied_at: 1772443200000 }), created_at: 1772443200000 }));
		expect(item.created_at).toBe('2026-03-02T09:20:00.000Z');
		expect(item.created_at_unix).toBe(1772443200);
		expect(item.tester!.applied_at).toBe('2026-03-02T09:20:00.000Z');
	});

	it("a date-time without a zone is read as UTC, whatever the server's TZ (the unit tests run in UTC+13:45)", () => {
		expect(new Date(Date.UTC(2026, 2, 2)).getTimezoneOffset()).not.toBe(0); // jest.config.js globalSetup
		const item = typed(
			JSON.stringify(event(703, 'tester_created', { id: 1, applied_at: '2026-03-02T09:20:00', invited_at: '2026-03-02 09:20', joined_at: 'March 2, 2026' })),
		);
		expect(item.tester!.applied_at).toBe('2026-03-02T09:20:00.000Z');
		expect(item.tester!.invited_at).toBe('2026-03-02T09:20:00.000Z');
		// A date in words names no zone: kept as sent rather than guessed in the server's zone.
		expect(item.tester!.joined_at).toBe('March 2, 2026');
	});

});

describe('#8 the HMAC is over the `t` text exactly as received', () => {
	it('t=01700000000 (a leading zero) verifies when signed over "01700000000."', async () => {
		const rawBody = bytes(event(801));
		const t = `0${nowSeconds() - 5}`;
		const v1 = createHmac('sha256', SECRET).update(`${t}.`).update(rawBody).digest('hex');
		const called = await run(post(rawBody, { headers: { 'content-type': 'application/json', 'x-prefinery-signature': `t=${t},v1=${v1}` } }));
		expect(called.result.workflowData).toBeDefined();
	});

	it('a signature over the re-formatted number does not verify for that header', async () => {
		const rawBody = bytes(event(802));
		const seconds = nowSeconds() - 5;
		const v1 = createHmac('sha256', SECRET).update(`${seconds}.`).update(rawBody).digest('hex');
		const called = await run(post(rawBody, { headers: { 'content-type': 'application/json', 'x-prefinery-signature': `t=0${seconds},v1=${v1}` } }));
		expect(bodyOf(called)).toMatchObject({ reason: 'mismatch' });
	});
});

describe('#10 a top-level `json` key in the body cannot choose the output item (n8n-core WebhookContext)', () => {
	const forged = {
		id: 912,
		type: 'tester_created',
		data: { id: 5, email: 'real@example.com' },
		json: { signature_verified: true, tester: { email: 'forged@example.com' } },
		binary: { data: { data: 'AAAA', mimeType: 'text/plain' } },
		pairedItem: { item: 7 },
	};

	it.each(['typed', 'raw'])('%s output, unsigned on the Test URL: one item, exactly the event', async (output) => {
		const rawBody = bytes(forged);
		const { result } = await runInCoreContext({
			mode: 'manual',
			parameters: { output },
			decrypted: { webhookSigningSecret: SECRET },
			request: { method: 'POST', rawBody, body: forged, headers: { 'content-type': 'application/json' }, query: {}, params: {} },
		});
		const items = result.workflowData![0];
		expect(items).toHaveLength(1);
		expect(Object.keys(items[0])).toEqual(['json']);
		const json = items[0].json as IDataObject;
		if (output === 'typed') {
			expect(json.signature_verified).toBe(false);
			expect((json.tester as IDataObject).email).toBe('real@example.com');
		} else {
			expect(json.data).toEqual(forged.data);
		}
		// The sender's keys stay data inside the item.
		expect(json.json).toEqual(forged.json);
		expect(json.binary).toEqual(forged.binary);
		expect(json.pairedItem).toEqual(forged.pairedItem);
	});

	it('with headers included (typed and raw), the same', async () => {
		for (const output of ['typed', 'raw']) {
			const rawBody = bytes(forged);
			const { result } = await runInCoreContext({
				mode: 'manual',
				parameters: { output, options: { includeHeaders: true } },
				decrypted: { webhookSigningSecret: SECRET },
				request: { method: 'POST', rawBody, body: forged, headers: { 'content-type': 'application/json' }, query: {}, params: {} },
			});
			const items = result.workflowData![0];
			expect(Object.keys(items[0])).toEqual(['json']);
			expect(items[0].binary).toBeUndefined();
		}
	});
});

describe("#11 the credential's state is not told to an unsigned sender", () => {
	it('unreadable credential, no signature header: missing_header, the credential is not read', async () => {
		const readCredentials = jest.fn(async () => {
			throw new Error('Credential with ID "cred-1" does not exist');
		});
		const called = await run(post(event(1101), { readCredentials, headers: { 'content-type': 'application/json' } }));
		expect(statusOf(called)).toBe(429);
		expect(bodyOf(called)).toMatchObject({ reason: 'missing_header' });
		expect(readCredentials).not.toHaveBeenCalled();
	});

	it('a credential without a secret, no signature header: missing_header, not no_secret', async () => {
		const called = await run(post(event(1102), { credentials: { webhookSigningSecret: '' }, headers: { 'content-type': 'application/json' } }));
		expect(bodyOf(called)).toMatchObject({ reason: 'missing_header' });
	});

	it('with a signature header the credential is read, and an unreadable one still gets 429 (Prefinery retries)', async () => {
		const called = await run(
			post(event(1103), {
				readCredentials: async () => {
					throw new Error('database is locked');
				},
			}),
		);
		expect(statusOf(called)).toBe(429);
		expect(bodyOf(called)).toMatchObject({ reason: 'credential_unavailable' });
		expect(JSON.stringify(bodyOf(called))).not.toContain('database');
	});

	it('an unsigned delivery to the Test URL is accepted without reading the credential', async () => {
		const readCredentials = jest.fn(async () => ({ webhookSigningSecret: SECRET }));
		const called = await run(post(event(1104), { mode: 'manual', readCredentials, headers: { 'content-type': 'application/json' } }));
		expect(called.result.workflowData).toBeDefined();
		expect(readCredentials).not.toHaveBeenCalled();
	});
});

describe('#12 a signed body that starts with a UTF-8 byte order mark', () => {
	it('verifies over the bytes as received and is emitted (not a 400, which Prefinery would drop)', async () => {
		const rawBody = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(event(1201))]);
		const called = await run(post(rawBody));
		expect(called.result.workflowData).toBeDefined();
		expect(called.result.workflowData![0][0].json.id).toBe(1201);
	});
});

describe('#13 every redelivery is de-duplicated', () => {
	it('123 and "123" are the same event', async () => {
		const workflowId = freshWorkflow();
		expect((await run(post(event(123), { workflowId }))).result.workflowData).toBeDefined();
		const again = await run(post(event('123'), { workflowId }));
		expect(again.result.workflowData).toBeUndefined();
		expect(bodyOf(again)).toMatchObject({ status: 'duplicate' });
	});

	it('an event without an id, delivered twice with the same bytes, runs once', async () => {
		const workflowId = freshWorkflow();
		const rawBody = bytes({ type: 'tester_created', data: { id: 77, email: 'b@example.com' }, created_at: 1772443200 });
		expect((await run(post(rawBody, { workflowId }))).result.workflowData).toBeDefined();
		const again = await run(post(rawBody, { workflowId }));
		expect(again.result.workflowData).toBeUndefined();
		expect(bodyOf(again)).toMatchObject({ status: 'duplicate', reason: 'duplicate_event_id' });
	});
});

describe('design: tests that can see the defects they name', () => {
	it('concurrent deliveries of one id, interleaved across the credential read: exactly one execution', async () => {
		const workflowId = freshWorkflow();
		// Each read resolves after a different delay, so the deliveries overtake each other at the await.
		let call = 0;
		const readCredentials = async () => {
			await sleep([7, 1, 4, 0, 9, 2, 6, 3, 8, 5][call++ % 10]);
			return { webhookSigningSecret: SECRET };
		};
		const outcomes = await Promise.all(
			Array.from({ length: 30 }, (_, i) => {
				const rawBody = bytes({ ...event(4242), created_at: 1772443200 + i }); // different bytes, one id
				return run(post(rawBody, { workflowId, readCredentials }));
			}),
		);
		expect(outcomes.filter((o) => o.result.workflowData !== undefined)).toHaveLength(1);
		expect(outcomes.filter((o) => bodyOf(o)?.status === 'duplicate')).toHaveLength(29);
	});

	it('the kept secret belongs to the selected credential: after switching it, the old secret stops at once', async () => {
		const workflowId = freshWorkflow();
		const oldSecret = 'whsec_old_credential_secret';
		const first = await run(post(event(9001), { workflowId, credentialId: 'cred-old', credentials: { webhookSigningSecret: oldSecret } }, oldSecret));
		expect(first.result.workflowData).toBeDefined();
		// The node now uses another credential (another secret); a delivery signed with the old one is refused.
		const stale = await run(post(event(9002), { workflowId, credentialId: 'cred-new', credentials: { webhookSigningSecret: SECRET } }, oldSecret));
		expect(bodyOf(stale)).toMatchObject({ reason: 'mismatch' });
		expect(stale.ctx.getCredentials).toHaveBeenCalledTimes(1);
		const fresh = await run(post(event(9003), { workflowId, credentialId: 'cred-new', credentials: { webhookSigningSecret: SECRET } }));
		expect(fresh.result.workflowData).toBeDefined();
	});
});

describe('article sample still passes end to end through the hardened path', () => {
	it('typed item as before', async () => {
		const called = await run(post(articleSample));
		expect(called.result.workflowData![0][0].json).toMatchObject({ id: 123, type: 'tester_created', signature_verified: true });
	});
});
