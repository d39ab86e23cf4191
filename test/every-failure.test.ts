/**
 * Issue 25, "Every failure reaches the user": rejection budgets no flood can starve (lib/rejections.ts),
 * trigger parameters that cannot be evaluated, an unusable Events value, the Project filter's edge
 * cases, and requests that cost much for little (lib/normalize.ts, lib/delivery.ts), through the pure
 * modules and the trigger's webhook().
 */
import { ANSWERS, httpStatusOf } from '../lib/answers';
import { eventKey, MAX_KEPT_KEY } from '../lib/delivery';
import { resolveEventSelection } from '../lib/events';
import { canonicalInteger, parseEnvelope } from '../lib/normalize';
import { kindOf, printable, RejectionReporter } from '../lib/rejections';
import { readTriggerParameters } from '../lib/trigger-settings';
import articleSample from './fixtures/article-sample.json';
import { bytes } from './helpers/signing';
import { freshWorkflow, post, run, SECRET } from './helpers/trigger-calls';
import { webhookContext } from './helpers/webhook-context';
import { PrefineryTrigger } from '../nodes/PrefineryTrigger/PrefineryTrigger.node';

const unsigned = { reason: 'missing_header', httpStatus: 429, message: 'Missing X-Prefinery-Signature header.' };
const mismatch = { reason: 'mismatch', httpStatus: 429, message: 'Signature does not match.' };
const production = { manual: false, output: true };

describe('RejectionReporter: budgets no flood can starve (item 1)', () => {
	it('kinds: signed failures, the trigger\'s own settings, and everything else are budgeted apart', () => {
		expect(['mismatch', 'mismatch_recheck_pending', 'timestamp_too_old', 'timestamp_in_future', 'no_secret'].map(kindOf)).toEqual(Array(5).fill('signed'));
		expect(['parameter_unavailable', 'invalid_events', 'invalid_project_filter', 'credential_unavailable'].map(kindOf)).toEqual(Array(4).fill('settings'));
		expect(['missing_header', 'malformed_header', 'no_v1_signature', 'not_a_prefinery_event', 'body_too_large'].map(kindOf)).toEqual(Array(5).fill('request'));
	});

	it('2,000 unsigned requests (10 a minute plus 3 an hour) do not hide a wrong-secret delivery: logged and emitted at once', () => {
		let now = Date.UTC(2026, 11, 1);
		const reporter = new RejectionReporter({ clock: () => now });
		let unsignedLines = 0;
		let unsignedItems = 0;
		for (let i = 0; i < 2_000; i++) {
			const report = reporter.report('wf:node', unsigned, production);
			if (report.log) unsignedLines += 1;
			if (report.item) unsignedItems += 1;
			now += 1_500; // 2,000 over 50 minutes: the unsigned budgets stay used up all the time
		}
		expect(unsignedItems).toBe(3);
		expect(unsignedLines).toBeLessThanOrEqual(10 * 51);
		for (let attempt = 0; attempt < 3; attempt++) {
			const real = reporter.report('wf:node', { ...mismatch, event_id: 77, type: 'tester_created' }, production);
			expect(real.log).toMatch(/429 mismatch/);
			expect(real.log).toMatch(/event 77, tester_created/);
			expect(real.item).toMatchObject({ reason: 'mismatch', event_id: 77, prefinery_retries: true });
			// The flood goes on meanwhile.
			for (let i = 0; i < 20; i++) reporter.report('wf:node', unsigned, production);
			now += 60_000;
		}
	});

	it('the first of each reason is always shown, even when its kind\'s budget is used up', () => {
		let now = 0;
		const reporter = new RejectionReporter({ clock: () => now });
		for (let i = 0; i < 100; i++) reporter.report('wf:node', unsigned, production);
		const malformed = reporter.report('wf:node', { reason: 'malformed_header', httpStatus: 401, message: 'Malformed.' }, production);
		expect(malformed.log).toMatch(/401 malformed_header/);
		expect(malformed.item).toMatchObject({ reason: 'malformed_header' });
		// …but only the first in the window: the second waits like any other.
		const again = reporter.report('wf:node', { reason: 'malformed_header', httpStatus: 401, message: 'Malformed.' }, production);
		expect(again.log).toBeNull();
		expect(again.item).toBeNull();
		now += 60_000;
		expect(reporter.report('wf:node', { reason: 'malformed_header', httpStatus: 401, message: 'Malformed.' }, production).log).not.toBeNull();
	});

	it('counts are kept per reason: the next line and item say how many of each were left out', () => {
		let now = 0;
		const reporter = new RejectionReporter({ clock: () => now });
		for (let i = 0; i < 50; i++) reporter.report('wf:node', unsigned, production);
		const first = reporter.report('wf:node', mismatch, production);
		expect(first.log).toMatch(/^\[not logged since the previous line: 40 missing_header\] Prefinery Trigger rejected .*429 mismatch/);
		expect(first.item).toMatchObject({ not_emitted_since_previous: 47, not_emitted_by_reason: { missing_header: 47 } });
		for (let i = 0; i < 19; i++) reporter.report('wf:node', mismatch, production);
		for (let i = 0; i < 5; i++) reporter.report('wf:node', unsigned, production);
		now += 61 * 60_000;
		const next = reporter.report('wf:node', mismatch, production);
		expect(next.log).toMatch(/^\[not logged since the previous line: 10 mismatch, 5 missing_header\] /);
		expect(next.item).toMatchObject({ not_emitted_since_previous: 22, not_emitted_by_reason: { mismatch: 17, missing_header: 5 } });
		const after = reporter.report('wf:node', unsigned, production);
		expect(after.log).not.toMatch(/not logged since/);
		expect(after.item).toMatchObject({ not_emitted_since_previous: 0, not_emitted_by_reason: {} });
	});

	it('bounded: per minute at most 10 lines per kind plus the first of each reason; per hour 3 items per kind plus the first of each reason', () => {
		let now = 0;
		const reporter = new RejectionReporter({ clock: () => now });
		const reasons = Object.keys(ANSWERS).filter((reason) => httpStatusOf(reason as keyof typeof ANSWERS) >= 400);
		let lines = 0;
		let items = 0;
		for (let i = 0; i < 5_000; i++) {
			const reason = reasons[i % reasons.length];
			const report = reporter.report('wf:node', { reason, httpStatus: 429, message: 'x' }, production);
			if (report.log) lines += 1;
			if (report.item) items += 1;
			now += 10; // 5,000 in 50 s
		}
		expect(lines).toBeLessThanOrEqual(3 * 10 + reasons.length);
		expect(items).toBeLessThanOrEqual(3 * 3 + reasons.length);
	});

	it('the log cleaner drops C1 controls, line and paragraph separators and bidirectional controls', () => {
		const cleaned = printable('a\u2028b\u2029c\u0085d\u009be\u202ef\u2066g\r\nh');
		expect(cleaned).toBe('a b c d e f g  h');
		const reporter = new RejectionReporter();
		const { log } = reporter.report('wf:node', { ...mismatch, event_id: 'x\u2028FAKE', type: '\u202etxt' }, production);
		expect(log).not.toMatch(/[\u2028\u2029\u0085\u009b\u202e]/);
	});
});

describe('webhook(): a flood of unsigned requests does not hide a real wrong-secret delivery (item 1)', () => {
	it('after 2,000 unsigned POSTs, a delivery signed with another secret is logged naming mismatch and emitted on Rejected', async () => {
		const workflowId = freshWorkflow();
		const floodCall = post(articleSample, { workflowId, params: { rejectedOutput: true } });
		floodCall.headers = { 'content-type': 'application/json' };
		const node = new PrefineryTrigger();
		const context = webhookContext(floodCall);
		for (let i = 0; i < 2_000; i++) await node.webhook.call(context.ctx);
		expect(context.res.status).toHaveBeenCalledWith(429);
		for (let attempt = 0; attempt < 3; attempt++) {
			const real = await run(post({ ...articleSample, id: 4242 }, { workflowId, params: { rejectedOutput: true } }, 'whsec_another_project'));
			expect(real.res.status).toHaveBeenCalledWith(429);
			const lines = real.logger.warn.mock.calls.map((call) => String(call[0]));
			if (attempt === 0) {
				expect(lines.join('\n')).toMatch(/429 mismatch/);
				expect(real.result.workflowData?.[1]?.[0]?.json).toMatchObject({ reason: 'mismatch', rejected: true });
			}
			expect(JSON.stringify([lines, real.result, real.res.json.mock.calls])).not.toContain(SECRET);
		}
	});
});

describe('webhook(): a parameter whose expression fails is a 429 naming it, never a 5xx (item 2)', () => {
	const failing = (parameter: string) => (name: string, fallback: unknown) => {
		if (name === parameter || name.startsWith(`${parameter}.`)) throw new Error(`ExpressionError: Referenced node doesn't exist at /usr/lib/n8n/stack.js:1 $('Nope') ${SECRET}`);
		return fallback;
	};
	it.each([
		['events', 'Events'],
		['verifySignature', 'Verify Signature'],
		['project', 'Project'],
		['output', 'Output'],
		['options', 'Options → Answer Fixable Failures With'],
	])('%s throws → 429 parameter_unavailable naming %s, logged, on Rejected, no stack, no secret', async (parameter, shown) => {
		const call = post(articleSample, { params: { rejectedOutput: true } });
		const context = webhookContext(call);
		const base = context.ctx.getNodeParameter.getMockImplementation()!;
		context.ctx.getNodeParameter.mockImplementation(((name: string, fallback: unknown, options?: unknown) =>
			name === 'rejectedOutput' ? true : failing(parameter)(name, (base as (n: string, f: unknown, o?: unknown) => unknown)(name, fallback, options))) as never);
		const result = await new PrefineryTrigger().webhook.call(context.ctx);
		expect(context.res.status).toHaveBeenCalledWith(429);
		const body = context.res.json.mock.calls[0][0];
		expect(body).toMatchObject({ status: 'rejected', reason: 'parameter_unavailable' });
		expect(body.message).toContain(`"${shown}"`);
		expect(result.workflowData?.[0]).toEqual([]);
		expect(result.workflowData?.[1]?.[0]?.json).toMatchObject({ reason: 'parameter_unavailable', http_status: 429, prefinery_retries: true });
		expect(context.logger.warn).toHaveBeenCalledTimes(1);
		const everything = JSON.stringify([result, context.res.json.mock.calls, context.logger.warn.mock.calls]);
		for (const leaked of ['stack.js', 'ExpressionError', SECRET, 'Nope']) expect(everything).not.toContain(leaked);
	});

	it('the sub-option of Options that fails is named (Signature Tolerance)', () => {
		const read = readTriggerParameters((name, fallback) => {
			if (name === 'options' || name === 'options.signatureTolerance') throw new Error('boom');
			// As n8n does: an absent parameter without a fallback throws "Could not get parameter".
			if (fallback === undefined) throw new Error('Could not get parameter');
			return fallback;
		});
		expect(read).toEqual({ ok: false, parameter: 'Options → Signature Tolerance (Seconds)' });
	});

	it('under the strict option it is still 429 (the option itself may be what fails)', () => {
		expect(httpStatusOf('parameter_unavailable', 'reject')).toBe(429);
	});

	it('a flood of deliveries to a broken parameter starts at most 3 executions an hour, not one per request', async () => {
		const workflowId = freshWorkflow();
		let executions = 0;
		for (let i = 0; i < 200; i++) {
			const call = post({ ...articleSample, id: i }, { workflowId, params: { rejectedOutput: true } });
			call.headers = { 'content-type': 'application/json' };
			const context = webhookContext(call);
			context.ctx.getNodeParameter.mockImplementation(((name: string, fallback: unknown) => {
				if (name === 'events') throw new Error('boom');
				return name === 'rejectedOutput' ? true : fallback;
			}) as never);
			const result = await new PrefineryTrigger().webhook.call(context.ctx);
			expect(context.res.status).toHaveBeenCalledWith(429);
			if (result.workflowData) executions += 1;
		}
		expect(executions).toBe(3);
	});
});

describe('Events set by an expression to an unusable value: 429 naming Events, never 200 ignored (item 3)', () => {
	it.each([[[]], ['tester_creatd'], [5], [null], [''], [{ a: 1 }], ['a;b'], [['tester_created', 7]], [' , ']])('%p is refused', (value) => {
		expect(resolveEventSelection(value)).toEqual({ ok: false, value });
	});

	it.each([
		['TESTER_CREATED', ['tester_created']],
		[' tester_created , Tester_Applied ,', ['tester_created', 'tester_applied']],
		[['*'], ['*']],
		[['tester_created', 'tester_created'], ['tester_created']],
	])('%p is %p (names are matched without regard to case)', (value, events) => {
		expect(resolveEventSelection(value)).toEqual({ ok: true, events });
	});

	it.each([[[]], ['tester_creatd'], [5], [null], [''], [{ a: 1 }], ['a;b']])('a signed delivery with Events = %p → 429 invalid_events, logged, on Rejected', async (events) => {
		const called = await run(post(articleSample, { params: { events, rejectedOutput: true } }));
		expect(called.res.status).toHaveBeenCalledWith(429);
		const body = called.res.json.mock.calls[0][0];
		expect(body).toMatchObject({ status: 'rejected', reason: 'invalid_events' });
		expect(body.message).toMatch(/Events parameter evaluates to/);
		expect(called.logger.warn.mock.calls[0][0]).toMatch(/429 invalid_events/);
		expect(called.result.workflowData?.[1]?.[0]?.json).toMatchObject({ reason: 'invalid_events' });
	});

	it('"TESTER_CREATED" selects tester_created: the delivery is emitted', async () => {
		const called = await run(post(articleSample, { params: { events: 'TESTER_CREATED' } }));
		expect(called.result.workflowData?.[0]?.[0]?.json).toMatchObject({ type: 'tester_created' });
	});

	it('the bad value is cut short in the message; the strict option answers 400', async () => {
		const called = await run(post(articleSample, { params: { events: 'x'.repeat(10_000), options: { fixableFailureAnswer: 'reject' } } }));
		expect(called.res.status).toHaveBeenCalledWith(400);
		expect(called.res.json.mock.calls[0][0].message.length).toBeLessThan(400);
	});
});

describe('the Project filter lets through only events that name its project (item 4)', () => {
	const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...articleSample, ...extra, data: { ...articleSample.data, project_id: undefined, ...data } });
	it.each([
		['no project id', event({})],
		['project_id "abc"', event({ project_id: 'abc' })],
		['project_id [9999]', event({ project_id: [9999] })],
		['project_id [1]', event({ project_id: [1] })],
		['another project', event({ project_id: 9999 })],
		['a second project field naming another project', event({ project_id: 1 }, { beta_id: 2 })],
		['project_id 1.5', event({ project_id: 1.5 })],
	])('%s → 200 ignored project_not_selected, nothing emitted', async (_, body) => {
		const called = await run(post(body, { params: { project: '1' } }));
		expect(called.result.workflowData).toBeUndefined();
		expect(called.result.webhookResponse).toMatchObject({ status: 'ignored', reason: 'project_not_selected' });
	});

	it('the event of its project is emitted; a 4 MB project_id is not echoed back', async () => {
		expect((await run(post(articleSample, { params: { project: '1' } }))).result.workflowData).toBeDefined();
		const called = await run(post(event({ project_id: '9'.repeat(4_000_000) }), { params: { project: '1' } }));
		expect(JSON.stringify(called.result.webhookResponse).length).toBeLessThan(500);
	});
});

describe('cheap requests that cost a lot (item 7) and a large id (item 8)', () => {
	it('canonicalInteger of 4 million digits takes milliseconds (no BigInt), and strips zeros as before', () => {
		const started = Date.now();
		expect(canonicalInteger(`000${'7'.repeat(4_000_000)}`)?.length).toBe(4_000_000);
		expect(canonicalInteger(`${'0'.repeat(4_000_000)}x`)).toBeNull();
		expect(Date.now() - started).toBeLessThan(1_000);
		expect([canonicalInteger('007'), canonicalInteger('-007'), canonicalInteger('-0'), canonicalInteger('000'), canonicalInteger(' 12 ')]).toEqual(['7', '-7', '0', '0', '12']);
	});

	it('a long id is remembered by its hash: the memory holds at most a few dozen bytes per id', () => {
		const key = eventKey({ id: 'x'.repeat(1 << 20), type: 't', data: {} });
		expect(key.length).toBeLessThanOrEqual(MAX_KEPT_KEY);
		expect(eventKey({ id: 'x'.repeat(1 << 20), type: 't', data: {} })).toBe(key);
		expect(eventKey({ id: `${'x'.repeat(1 << 20)}y`, type: 't', data: {} })).not.toBe(key);
		expect(eventKey({ id: '00123', type: 't', data: {} })).toBe('id:123');
		// Characters beyond ASCII take two bytes each in memory: hashed too.
		expect(eventKey({ id: 'évènement-1', type: 't', data: {} })).toMatch(/^sha256:[0-9a-f]{64}$/);
		expect(eventKey({ id: 'evt_7', type: 't', data: {} })).toBe('text:evt_7');
	});

	it('a huge id is not echoed back in the answer', async () => {
		const called = await run(post({ ...articleSample, id: 'x'.repeat(1_000_000) }));
		expect(JSON.stringify(called.result.webhookResponse).length).toBeLessThan(500);
	});

	it.each(['10000000000000000000', '10000000000000000001', '1152921504606846976'])('a signed event with id %s is accepted, its id kept exact as text', async (digits) => {
		const raw = Buffer.from(`{"id":${digits},"type":"tester_created","data":{},"created_at":1346878649}`);
		const parsed = parseEnvelope(raw);
		expect(parsed.ok && parsed.envelope.id).toBe(digits);
		const called = await run(post(raw));
		expect(called.result.workflowData?.[0]?.[0]?.json).toMatchObject({ id: digits });
	});

	it('a rounded id from a body n8n parsed (no raw bytes) is still refused', () => {
		expect(parseEnvelope(undefined, { id: 1e19, type: 'tester_created', data: {} }).ok).toBe(false);
		expect(parseEnvelope(bytes({ id: 1e21, type: 'tester_created', data: {} })).ok).toBe(false);
	});
});

describe('the signing secret changed in n8n (item 6)', () => {
	const event = (id: number) => ({ ...articleSample, id });
	it('strict option: one forged request just before the change does not make the real delivery with the new secret a 401', async () => {
		const workflowId = freshWorkflow();
		const strict = { options: { fixableFailureAnswer: 'reject' } };
		await run(post(event(1), { workflowId, params: strict }));
		const forged = await run(post(event(2), { workflowId, params: strict }, 'forged'));
		expect(forged.res.status).toHaveBeenCalledWith(401);
		const rotated = 'whsec_node_test_rotated_value_2';
		const real = await run(post(event(3), { workflowId, params: strict, credentials: { webhookSigningSecret: rotated } }, rotated));
		expect(real.result.workflowData?.[0]?.[0]?.json).toMatchObject({ id: 3 });
	});

	it('mismatch_recheck_pending does not tell the user they changed the secret', async () => {
		const { MESSAGES } = await import('../lib/answers');
		expect(MESSAGES.mismatch_recheck_pending).not.toMatch(/just changed/);
	});

	it('an unreadable credential is read once, not once per signed request', async () => {
		const workflowId = freshWorkflow();
		const reads = jest.fn(async () => {
			throw new Error('database error');
		});
		for (let i = 0; i < 20; i++) {
			const called = await run(post(event(i), { workflowId, readCredentials: reads }));
			expect(called.res.json).toHaveBeenCalledWith(expect.objectContaining({ reason: 'credential_unavailable' }));
		}
		expect(reads).toHaveBeenCalledTimes(1);
	});
});

describe('smaller (item 8): raw output marker, request headers', () => {
	const forgedClaim = { ...articleSample, signature_verified: true };
	it('raw output of an unsigned body on the Test URL is marked signature_verified: false, whatever the body says', async () => {
		const call = post(forgedClaim, { mode: 'manual', params: { output: 'raw' } });
		call.headers = { 'content-type': 'application/json' };
		const { result } = await run(call);
		expect(result.workflowData?.[0]?.[0]?.json).toMatchObject({ id: 123, signature_verified: false });
	});

	it('raw output with Verify Signature off is marked too; a verified raw body is exactly as sent', async () => {
		const off = post(forgedClaim, { params: { output: 'raw', verifySignature: false } });
		off.headers = { 'content-type': 'application/json' };
		expect((await run(off)).result.workflowData?.[0]?.[0]?.json).toMatchObject({ signature_verified: false });
		const signed = await run(post(articleSample, { params: { output: 'raw' } }));
		expect(signed.result.workflowData?.[0]?.[0]?.json).toEqual(articleSample);
	});

	it('Include Request Headers drops any header named like a credential (x-auth-token, x-api-secret, x-session-id)', async () => {
		const call = post(articleSample, { params: { options: { includeHeaders: true } } });
		call.headers = { ...call.headers, 'x-auth-token': 't0k', 'x-api-secret': 's3c', 'x-session-id': 'sid', 'x-csrf-token': 'c', 'user-agent': 'Prefinery', 'x-request-id': 'r1' };
		const item = (await run(call)).result.workflowData?.[0]?.[0]?.json as { headers: Record<string, string> };
		expect(item.headers).toEqual({ 'content-type': 'application/json', 'user-agent': 'Prefinery', 'x-request-id': 'r1' });
	});
});

describe('a mismatch that could not be re-checked yet counts as a mismatch for "the first of each reason"', () => {
	it('4 mismatches then 30 mismatch_recheck_pending: 3 items, 10 lines', () => {
		const reporter = new RejectionReporter({ clock: () => 0 });
		let items = 0;
		let lines = 0;
		for (let i = 0; i < 34; i++) {
			const report = reporter.report('wf:node', { ...mismatch, reason: i < 4 ? 'mismatch' : 'mismatch_recheck_pending' }, production);
			if (report.item) items += 1;
			if (report.log) lines += 1;
		}
		expect([items, lines]).toEqual([3, 10]);
	});
});
