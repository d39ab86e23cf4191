/**
 * Rejections visible inside n8n, within bounds (lib/rejections.ts), and through the trigger's webhook():
 * a log line per rejection (at most 10 a minute per trigger), an item on the Rejected output (every one
 * on the Test URL, at most 3 an hour in production, each with the count of the rest).
 */
import { RejectionReporter } from '../lib/rejections';
import articleSample from './fixtures/article-sample.json';
import { freshWorkflow, post, run, SECRET } from './helpers/trigger-calls';

const mismatch = { reason: 'mismatch', httpStatus: 429, message: 'Signature does not match.' };

describe('RejectionReporter', () => {
	it('production: at most 3 items an hour per trigger; the next one counts those left out', () => {
		let now = Date.UTC(2026, 11, 1);
		const reporter = new RejectionReporter({ clock: () => now });
		const items = [];
		for (let i = 0; i < 50; i++) {
			const { item } = reporter.report('wf:node', mismatch, { manual: false, output: true });
			if (item) items.push(item);
			now += 1_000;
		}
		expect(items).toHaveLength(3);
		expect(items.map((item) => item.not_emitted_since_previous)).toEqual([0, 0, 0]);
		now += 60 * 60_000; // an hour later
		const { item } = reporter.report('wf:node', mismatch, { manual: false, output: true });
		expect(item).toMatchObject({ rejected: true, reason: 'mismatch', http_status: 429, prefinery_retries: true, url: 'production', not_emitted_since_previous: 47 });
		// Another trigger has its own budget.
		expect(reporter.report('wf2:node', mismatch, { manual: false, output: true }).item).not.toBeNull();
	});

	it('Test URL: every rejection is an item (the user is listening), not counted against production', () => {
		const reporter = new RejectionReporter();
		for (let i = 0; i < 10; i++) expect(reporter.report('wf:node', mismatch, { manual: true, output: true }).item).toMatchObject({ url: 'test' });
		expect(reporter.report('wf:node', mismatch, { manual: false, output: true }).item).not.toBeNull();
	});

	it('without the Rejected output nothing is emitted, and the log still says it', () => {
		const reporter = new RejectionReporter();
		const report = reporter.report('wf:node', mismatch, { manual: false, output: false });
		expect(report.item).toBeNull();
		expect(report.log).toMatch(/rejected a delivery to the Production URL: 429 mismatch\. Signature does not match\./);
	});

	it('log: at most 10 lines a minute per trigger; the first line after says how many were left out', () => {
		let now = 0;
		const reporter = new RejectionReporter({ clock: () => now });
		const lines = [];
		for (let i = 0; i < 1000; i++) {
			const { log } = reporter.report('wf:node', mismatch, { manual: false, output: false });
			if (log) lines.push(log);
			now += 10; // 1,000 rejections in 10 s
		}
		expect(lines).toHaveLength(10);
		now += 60_000;
		const { log } = reporter.report('wf:node', mismatch, { manual: false, output: false });
		expect(log).toMatch(/^\[not logged since the previous line: 990 mismatch\] Prefinery Trigger rejected/);
	});

	it('values from a body are made safe for one log line', () => {
		const reporter = new RejectionReporter();
		const { log } = reporter.report('wf:node', { ...mismatch, event_id: 'a\nFAKE LOG LINE', type: 'x'.repeat(500) }, { manual: false, output: false });
		expect(log).not.toContain('\n');
		expect(log!.length).toBeLessThan(400);
	});
});

describe('webhook(): rejections in n8n (trigger 1.2, "Rejected Output" on by default)', () => {
	const v12 = { rejectedOutput: true };

	it('a wrong secret on the Test URL: 429 to Prefinery, and an item on the Rejected output saying why', async () => {
		const called = await run(post(articleSample, { mode: 'manual', params: v12 }, 'whsec_not_the_secret'));
		expect(called.res.status).toHaveBeenCalledWith(429);
		expect(called.result.noWebhookResponse).toBe(true);
		expect(called.result.workflowData![0]).toEqual([]);
		const item = called.result.workflowData![1][0].json;
		expect(item).toMatchObject({ rejected: true, reason: 'mismatch', http_status: 429, url: 'test' });
		expect(String(item.message)).toMatch(/Signature does not match/);
		expect(JSON.stringify(called.result)).not.toContain(SECRET);
		expect(called.logger.warn).toHaveBeenCalledTimes(1);
		expect(called.logger.warn.mock.calls[0][0]).toMatch(/rejected a delivery to the Test URL \(workflow id wf-1, node "Prefinery Trigger"\) \(event 123, tester_created, unverified\): 429 mismatch/);
		expect(JSON.stringify(called.logger.warn.mock.calls)).not.toContain(SECRET);
	});

	it('production: a flood of forgeries starts at most 3 executions, and every one is logged within bounds', async () => {
		const workflowId = freshWorkflow();
		let executions = 0;
		let logged = 0;
		for (let i = 0; i < 40; i++) {
			const called = await run(post({ ...articleSample, id: 5000 + i }, { workflowId, params: v12 }, 'forged'));
			expect(called.res.status).toHaveBeenCalledWith(429);
			if (called.result.workflowData) {
				executions += 1;
				expect(called.result.workflowData[0]).toEqual([]);
			}
			logged += called.logger.warn.mock.calls.length;
		}
		expect(executions).toBe(3);
		expect(logged).toBe(10);
	});

	it('without the Rejected output (1 and 1.1 by default): logged, no execution', async () => {
		const called = await run(post(articleSample, { params: {} }, 'forged'));
		expect(called.result).toEqual({ noWebhookResponse: true });
		expect(called.logger.warn).toHaveBeenCalledTimes(1);
	});

	it('accepted, ignored and duplicate deliveries are not rejections', async () => {
		const workflowId = freshWorkflow();
		for (const call of [
			post(articleSample, { workflowId, params: v12 }),
			post(articleSample, { workflowId, params: v12 }),
			post(articleSample, { params: { ...v12, events: ['tester_updated'] } }),
		]) {
			const called = await run(call);
			expect(called.logger.warn).not.toHaveBeenCalled();
			expect(called.result.workflowData?.[1]).toBeUndefined();
		}
	});
});
