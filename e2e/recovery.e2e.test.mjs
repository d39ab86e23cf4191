// When something around the trigger is wrong: Prefinery's deliveries, simulated by its documented rules
// (harness/prefinery-sim.mjs), against a real n8n. First the simulator itself against a scripted
// server (so its rules are what the suites rely on), then recovery: a wrong signing secret fixed within
// Prefinery's retry window loses no sign-up, by default; with the strict option every one is lost.
// Every simulator here runs on a virtual clock (harness/prefinery-sim.mjs): Prefinery's schedule moves
// only when a test advances it, and each retry is answered before the clock moves on, so no outcome
// depends on how fast or busy the machine is.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { MAX_RETRIES, PrefinerySimulator, RETRY_WINDOW_SECONDS, retryDelaySeconds } from '../harness/prefinery-sim.mjs';
import { sleep } from '../harness/n8n.mjs';
import { createTriggerWorkflow, dist, outputItems, SECRET, send, settle, startSuiteN8n } from './support.mjs';

/** A loopback server answering each POST with `answer(count)` (a status, or 'hang'). */
async function scripted(answer) {
	let count = 0;
	const times = [];
	const server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			times.push(Date.now());
			const status = answer(++count);
			if (status === 'hang') return; // never answers
			res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/hook`,
		times,
		count: () => count,
		close: () => new Promise((resolve) => server.closeAllConnections() || server.close(resolve)),
	};
}

describe('the Prefinery delivery simulator follows Prefinery\'s documented rules', { timeout: 120_000 }, () => {
	const event = (id) => ({ id, type: 'tester_created', data: { id }, created_at: 1772443200 });

	it('200 and 201 are delivered at once; any other 4xx or 5xx is dropped after one attempt', async () => {
		for (const [status, fate] of [[200, 'delivered'], [201, 'delivered'], [401, 'dropped'], [404, 'dropped'], [500, 'dropped'], [400, 'dropped']]) {
			const server = await scripted(() => status);
			const sim = new PrefinerySimulator({ url: server.url, secret: SECRET, virtual: true });
			await sim.deliver(event(1));
			assert.equal(sim.fates().records[0].fate, fate, `status ${status}`);
			assert.equal(server.count(), 1);
			await server.close();
		}
	});

	it('429 is retried: the first delivery and 15 retries, the N-th 5 s + N⁴ s after the attempt before', async () => {
		const server = await scripted(() => 429);
		const sim = new PrefinerySimulator({ url: server.url, secret: SECRET, virtual: true });
		const fate = sim.deliver(event(2));
		// One simulated day: retries 1–12 are due within it (5 s + N⁴ s each, 60,770 s in all), 13 is not.
		await sim.advance(86_400);
		assert.equal(server.count(), 1 + 12);
		await sim.drain();
		assert.equal(await fate, 'exhausted');
		assert.equal(server.count(), 1 + MAX_RETRIES);
		const at = sim.fates().records[0].attempts.map((a) => a.simulatedAt);
		const gaps = at.slice(1).map((t, i) => t - at[i]);
		assert.deepEqual(gaps, Array.from({ length: MAX_RETRIES }, (_, i) => retryDelaySeconds(i + 1) * 1000));
		assert.equal(at.at(-1) / 1000, RETRY_WINDOW_SECONDS);
		assert.ok(Math.abs(RETRY_WINDOW_SECONDS - 178_387) < 1, `window ${RETRY_WINDOW_SECONDS} s`);
		await server.close();
	});

	it('a connection error and no answer within the limit are retried; 200 after them is delivered', async () => {
		const server = await scripted((n) => (n === 1 ? 'hang' : 200));
		const sim = new PrefinerySimulator({ url: server.url, secret: SECRET, virtual: true, answerLimitMs: 300 });
		sim.deliver(event(3));
		assert.equal(sim.unanswered(), 1, 'a delivery waiting for its first answer');
		await sim.drain();
		assert.deepEqual(sim.fates().records[0].attempts.map((a) => a.status), ['timeout', 200]);
		assert.equal(sim.unanswered(), 0);
		await server.close();
		const closed = new PrefinerySimulator({ url: 'http://127.0.0.1:9/hook', secret: SECRET, virtual: true });
		closed.deliver(event(4));
		await closed.drain();
		assert.equal(closed.fates().records[0].fate, 'exhausted');
		assert.ok(closed.fates().records[0].attempts.every((a) => a.status === 'connection_error'));
	});

	it('410 removes the endpoint: that event and every later one are dropped', async () => {
		const server = await scripted(() => 410);
		const sim = new PrefinerySimulator({ url: server.url, secret: SECRET, virtual: true });
		await sim.deliver(event(5));
		await sim.deliver(event(6));
		assert.deepEqual(sim.fates().counts, { delivered: 0, dropped: 0, exhausted: 0, endpoint_removed: 2, pending: 0 });
		assert.equal(server.count(), 1);
		await server.close();
	});
});

describe('recovery in a real n8n: a wrong signing secret, fixed within Prefinery\'s retry window', { timeout: 300_000 }, () => {
	let n8n;
	before(async () => {
		({ n8n } = await startSuiteN8n());
	});
	after(async () => {
		await n8n?.dispose();
	});

	it('by default (429) every sign-up sent while the secret was wrong arrives exactly once; strict (401) loses every one', async () => {
		const { samplePayload } = await dist('lib/samples.js');
		const targets = {};
		for (const [name, options] of [['default', {}], ['strict', { fixableFailureAnswer: 'reject' }]]) {
			// The most likely set-up mistake: another project's secret pasted into the credential.
			const credential = await n8n.api.createCredential(`Prefinery Webhook (${name}, wrong)`, 'prefineryWebhookApi', { webhookSigningSecret: 'whsec_another_projects_secret' });
			const wf = await createTriggerWorkflow(n8n, credential, { events: ['tester_created'], options }, { typeVersion: 1.2 });
			targets[name] = { credential, wf, sim: new PrefinerySimulator({ url: wf.urls.production, secret: SECRET, virtual: true }) };
		}
		const ids = Array.from({ length: 20 }, (_, i) => 883_000 + i);
		for (const id of ids) for (const target of Object.values(targets)) target.sim.deliver(samplePayload('tester_created', id));
		// One simulated day of Prefinery's retries (each answered while the secret is wrong); then the user
		// notices (Rejected output, n8n's log) and pastes the right secret; then the rest of the window.
		for (const target of Object.values(targets)) await target.sim.advance(86_400);
		for (const target of Object.values(targets)) await n8n.api.updateCredential(target.credential.id, { webhookSigningSecret: SECRET });
		// Prefinery's next retry comes hours after the fix; the virtual clock would send it at once, inside
		// the trigger's 5 s of real time between credential re-reads (a flood guard), where n8n could not
		// yet have read the new secret. So the schedule goes on once the fix has taken effect in n8n: a
		// signed probe (an event id of its own) is accepted.
		for (const target of Object.values(targets)) {
			const deadline = Date.now() + 60_000;
			for (let probe = await send(target.wf.urls.production, samplePayload('tester_created', 883_999)); probe.status !== 200; probe = await send(target.wf.urls.production, samplePayload('tester_created', 883_999))) {
				assert.ok(Date.now() < deadline, `the fixed secret did not take effect within 60 s: ${probe.status} ${probe.text}`);
				await sleep(500);
			}
		}
		for (const target of Object.values(targets)) await target.sim.drain();

		const report = {};
		for (const [name, target] of Object.entries(targets)) {
			const { counts, records } = target.sim.fates();
			const executions = await settle(n8n, target.wf);
			const runs = new Map();
			for (const item of executions.flatMap(outputItems)) runs.set(item.id, (runs.get(item.id) ?? 0) + 1);
			report[name] = { ...counts, attempts: records.reduce((sum, r) => sum + r.attempts.length, 0), executedOnce: ids.filter((id) => runs.get(id) === 1).length, doubled: ids.filter((id) => (runs.get(id) ?? 0) > 1).length };
		}
		process.stderr.write(`wrong secret fixed after 1 simulated day: ${JSON.stringify(report)}\n`);
		// Each delivery of the default was tried 13 times during the simulated day (the first attempt and
		// retries 1–12), none of them accepted while the secret was wrong.
		const wrongDay = targets.default.sim.fates().records.map((r) => r.attempts.filter((a) => a.simulatedAt <= 86_400_000).map((a) => a.status));
		assert.ok(wrongDay.every((statuses) => statuses.length === 13 && statuses.every((status) => status === 429 || status === 'timeout')), JSON.stringify(wrongDay));
		assert.ok(wrongDay.flat().includes(429));
		assert.equal(report.default.delivered, ids.length, JSON.stringify(report.default));
		assert.equal(report.default.executedOnce, ids.length);
		assert.equal(report.default.doubled, 0);
		assert.equal(report.strict.dropped, ids.length, JSON.stringify(report.strict));
		assert.equal(report.strict.executedOnce, 0);
	});
});
