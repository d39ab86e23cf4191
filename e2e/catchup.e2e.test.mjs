// The Prefinery Catch-Up Trigger (a polling trigger) in a real n8n, against the mock Prefinery API:
// n8n schedules its polls, keeps its state (the node's static data) from one poll to the next, and
// starts an execution with what a poll found. The planner's rules themselves (budget, order detection,
// head and sweep) are unit-tested in test/catch-up.test.ts; this suite proves the wiring n8n owns.
// `npm run test:e2e -- catchup` runs it alone.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../harness/n8n.mjs';
import { catchUpTriggerWorkflow } from '../harness/examples.mjs';
import { startSuiteN8n } from './support.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');

const EARLIER = 30;
const NEW = 5;

let n8n;
let api;

/** The trigger's executions, oldest first, once `count` of them have finished (at most 3 minutes: polls come a minute apart). */
async function pollExecutions(workflowId, count) {
	const deadline = Date.now() + 180_000;
	for (;;) {
		const finished = (await n8n.api.executions(workflowId, { includeData: false })).filter((e) => e.status === 'success' || e.status === 'error');
		if (finished.length >= count) {
			const all = await n8n.api.executions(workflowId);
			return all.filter((e) => finished.some((f) => f.id === e.id)).sort((a, b) => Number(a.id) - Number(b.id));
		}
		assert.ok(Date.now() < deadline, `${finished.length} of ${count} poll executions within 3 minutes`);
		await sleep(500);
	}
}

const emitted = (execution) => (execution.data?.resultData?.runData?.['Prefinery Catch-Up Trigger']?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);

describe('Prefinery Catch-Up Trigger in a real n8n', { timeout: 600_000 }, () => {
	before(async () => {
		api = await startMockPrefineryApi({ testers: EARLIER, testerOrder: 'newest-first' });
		({ n8n } = await startSuiteN8n());
	});
	after(async () => {
		await n8n?.dispose();
		await api?.close();
	});

	it('its first poll backfills every tester; a later poll brings each new sign-up, in the webhook trigger\'s tester_created shape', async () => {
		const credential = await n8n.api.createCredential('Prefinery (mock API, catch-up)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
		const created = await n8n.api.createWorkflow(catchUpTriggerWorkflow({ name: 'Catch-up trigger (e2e)', credential, parameters: { startFrom: 'wholeWaitlist' } }));
		const earlier = api.state.testers.get(1).map((tester) => tester.id);
		assert.equal(earlier.length, EARLIER);
		await n8n.api.publish(created.id);

		// n8n starts an execution only when a poll found something: the first one is the backfill.
		const [first] = await pollExecutions(created.id, 1);
		const backfilled = emitted(first);
		assert.deepEqual(backfilled.map((item) => item.tester.id).sort((a, b) => a - b), [...earlier].sort((a, b) => a - b), 'every earlier tester, once');
		for (const item of backfilled) {
			assert.equal(item.type, 'tester_created');
			assert.equal(item.source, 'catch_up');
			assert.equal(item.id, null, 'no event id: a claim keys on the tester id');
			assert.equal(typeof item.tester.email, 'string');
		}

		// Sign-ups the webhook never delivered: the next polls find them (the state n8n kept says where
		// the last poll stopped). The sweep may bring testers again; the claim downstream decides.
		const template = api.state.testers.get(1)[0];
		const fresh = [];
		for (let n = 0; n < NEW; n += 1) {
			const tester = { ...structuredClone(template), id: api.state.nextId.tester++, email: `catchup${n}@example.com` };
			api.state.testers.get(1).push(tester);
			fresh.push(tester.id);
		}
		const deadline = Date.now() + 180_000;
		let seen = new Map();
		let polls = 1;
		while (fresh.some((id) => !seen.has(id))) {
			assert.ok(Date.now() < deadline, `new sign-ups found: ${JSON.stringify([...seen])}`);
			polls += 1;
			const executions = await pollExecutions(created.id, polls);
			seen = new Map();
			for (const execution of executions.slice(1)) {
				for (const item of emitted(execution)) if (fresh.includes(item.tester.id)) seen.set(item.tester.id, (seen.get(item.tester.id) ?? 0) + 1);
			}
		}
		// Within one execution no tester comes twice (later sweeps may bring a tester again: the claim's job).
		for (const execution of await pollExecutions(created.id, polls)) {
			const ids = emitted(execution).map((item) => item.tester.id);
			assert.equal(new Set(ids).size, ids.length, `execution ${execution.id} emits a tester twice`);
		}
		const listRequests = api.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/betas/1/testers');
		assert.ok(listRequests.length > 0 && listRequests.every((r) => /^Bearer /.test(r.headers.authorization ?? '')), 'it lists through the credential');
	});
});
