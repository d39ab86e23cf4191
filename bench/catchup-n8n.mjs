#!/usr/bin/env node
// The catch-up's execution size and memory in a real n8n (issue 24, goals 3 and 6), today's design beside
// the Prefinery Catch-Up Trigger, in the same n8n, against the mock Prefinery API with N testers (default
// 10,000; its rate limits off: this measures size, not time; bench/catchup.mjs measures time and budget
// on a virtual clock):
//   - today: a run of the catch-up's list step, Tester → Get Many with Return All (here started by a
//     Webhook, then one more node, as in examples/prefinery-catch-up-postgres.json), holds every tester;
//   - the trigger: its first polls (every minute, the shortest n8n allows; 3 by default), each at most
//     Batch Size (500) testers, with API Budget Share at its most (50 %) so each poll fills its batch.
// Reported: the largest execution record (the bytes of its data as n8n stores it, read back through
// n8n's REST API) and n8n's peak resident memory (VmHWM of the n8n process) after each design, against
// n8n's own at rest before either, as ratios; testers emitted and doubled by the trigger's polls.
// Usage: npm run build && node bench/catchup-n8n.mjs [--testers 10000] [--polls 3] [--json]
// Writes bench-results/catchup-n8n.json (see bench/results.mjs).
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { catchUpTriggerWorkflow } from '../harness/examples.mjs';
import { packPackage, sleep, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { writeResults } from './results.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');
const { values } = parseArgs({
	options: { testers: { type: 'string', default: '10000' }, polls: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const TESTERS = Number(values.testers);
const POLLS = Number(values.polls);
const BATCH = 500;
const log = (line) => process.stderr.write(`${line}\n`);

/** Peak and current resident memory of a process, in MB (Linux /proc). */
function memory(pid) {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
	return { peakMb: Math.round(kb('VmHWM') / 1024), nowMb: Math.round(kb('VmRSS') / 1024) };
}

/** The execution's data as n8n stores it (the REST API returns the stored, flattened string). */
async function storedBytes(n8n, id) {
	const answer = await n8n.api.rest('GET', `/executions/${id}`);
	const data = answer.data.data;
	return Buffer.byteLength(typeof data === 'string' ? data : JSON.stringify(data));
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const folder = mkdtempSync(join(tmpdir(), 'prefinery-pack-'));
const api = await startMockPrefineryApi({ testers: TESTERS });
log(`[catchup-n8n] ${TESTERS} testers in the mock API; starting n8n`);
const n8n = await startN8n({ tarball: packPackage(folder).tarball, log });
const results = { date: new Date().toISOString(), testers: TESTERS, batch: BATCH };
try {
	const credential = await n8n.api.createCredential('Prefinery (mock API, bench)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
	const prefineryCredential = { prefineryApi: { id: credential.id, name: credential.name } };
	const pid = n8n.child.pid;
	await sleep(5000);
	results.atRest = memory(pid);
	log(`[catchup-n8n] n8n at rest: ${JSON.stringify(results.atRest)}`);

	// The trigger first (the smaller one), so the peak it leaves is its own.
	const trigger = await n8n.api.createWorkflow(catchUpTriggerWorkflow({ name: 'Catch-up trigger (bench)', credential, parameters: { budgetShare: 50, batchSize: BATCH, startFrom: 'wholeWaitlist' } }));
	await n8n.api.publish(trigger.id);
	const polls = Math.min(POLLS, Math.ceil(TESTERS / BATCH));
	log(`[catchup-n8n] the trigger polls every minute: waiting for ${polls} polls of ≤ ${BATCH} testers`);
	const seen = new Map();
	let executions = [];
	for (let done = 0; done < polls; ) {
		await sleep(5000);
		executions = (await n8n.api.executions(trigger.id, { includeData: false })).filter((e) => e.status === 'success' || e.status === 'error');
		if (executions.length !== done) {
			done = executions.length;
			log(`[catchup-n8n] trigger: ${done} of ${polls} polls emitted`);
		}
		if (executions.some((e) => e.status === 'error')) throw new Error('a catch-up poll failed');
	}
	await n8n.api.unpublish(trigger.id);
	let largestTrigger = 0;
	let largestItems = 0;
	for (const execution of await n8n.api.executions(trigger.id)) {
		const items = execution.data.resultData.runData['Prefinery Catch-Up Trigger'][0].data.main[0].map((item) => item.json);
		for (const item of items) seen.set(item.tester.id, (seen.get(item.tester.id) ?? 0) + 1);
		largestItems = Math.max(largestItems, items.length);
		largestTrigger = Math.max(largestTrigger, await storedBytes(n8n, execution.id));
	}
	results.trigger = {
		polls: executions.length,
		largestItems,
		largestBytes: largestTrigger,
		emitted: seen.size,
		doubled: [...seen.values()].filter((n) => n > 1).length,
		memory: memory(pid),
	};
	log(`[catchup-n8n] trigger: ${JSON.stringify(results.trigger)}`);

	// Today's list step: one run holds the whole waitlist.
	const webhookId = `catchup-bench-${Date.now().toString(36)}`;
	const today = await n8n.api.createWorkflow({
		name: "Today's catch-up list (bench)",
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId, parameters: { httpMethod: 'POST', path: webhookId, responseMode: 'onReceived', options: {} } },
			{
				id: 'list',
				name: 'List every tester',
				type: 'n8n-nodes-prefinery.prefinery',
				typeVersion: 1.2,
				position: [240, 0],
				parameters: { resource: 'tester', operation: 'getAll', project: { __rl: true, mode: 'id', value: '1' }, returnAll: true, filters: {}, options: {} },
				credentials: prefineryCredential,
			},
			{ id: 'next', name: 'Next', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [480, 0], parameters: {} },
		],
		connections: { Start: { main: [[{ node: 'List every tester', type: 'main', index: 0 }]] }, 'List every tester': { main: [[{ node: 'Next', type: 'main', index: 0 }]] } },
	});
	await n8n.api.publish(today.id);
	const url = `${n8n.baseUrl}/webhook/${webhookId}`;
	await waitForWebhook(url, { method: 'POST' });
	// waitForWebhook may have started a run already: wait for it, then take the largest.
	await fetch(url, { method: 'POST' });
	let todayRuns = [];
	for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; await sleep(2000)) {
		todayRuns = (await n8n.api.executions(today.id, { includeData: false })).filter((e) => e.status === 'success' || e.status === 'error');
		const counts = await n8n.api.executionCounts(today.id);
		if (todayRuns.length > 0 && counts.inProgress === 0) break;
	}
	if (todayRuns.length === 0) throw new Error("today's list run did not finish in 10 minutes");
	let largestToday = 0;
	for (const execution of todayRuns) largestToday = Math.max(largestToday, await storedBytes(n8n, execution.id));
	results.today = { runs: todayRuns.length, largestItems: TESTERS, largestBytes: largestToday, memory: memory(pid) };
	log(`[catchup-n8n] today: ${JSON.stringify(results.today)}`);
	results.ratios = {
		largestBytesTodayOverTrigger: round(largestToday / largestTrigger),
		peakMemoryGrowthTodayOverTrigger: round((results.today.memory.peakMb - results.atRest.peakMb) / Math.max(1, results.trigger.memory.peakMb - results.atRest.peakMb)),
	};
} finally {
	await n8n.dispose();
	await api.close();
	rmSync(folder, { recursive: true, force: true });
}

const written = writeResults('catchup-n8n', {
	command: 'node bench/catchup-n8n.mjs',
	options: { testers: TESTERS, polls: POLLS },
	comparable: TESTERS === 10_000 && POLLS === 3,
	figures: {
		'trigger.largestItems': results.trigger.largestItems,
		'trigger.doubled': results.trigger.doubled,
		'ratios.largestBytesTodayOverTrigger': results.ratios.largestBytesTodayOverTrigger,
	},
	result: results,
});
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
else {
	const t = results.trigger;
	const d = results.today;
	const mb = (bytes) => `${round(bytes / 1e6, 2)} MB`;
	process.stdout.write(
		[
			`The catch-up in a real n8n, ${TESTERS} testers (mock API, no rate limits)`,
			`  n8n at rest: peak ${results.atRest.peakMb} MB resident`,
			`  Catch-Up Trigger: ${t.polls} polls, largest ${t.largestItems} items, ${mb(t.largestBytes)} stored; ${t.emitted} emitted, ${t.doubled} doubled; n8n peak ${t.memory.peakMb} MB`,
			`  today (Return All): ${d.largestItems} items in one run, ${mb(d.largestBytes)} stored; n8n peak ${d.memory.peakMb} MB`,
			`  largest execution, today ÷ trigger: ${results.ratios.largestBytesTodayOverTrigger}×; peak memory growth over rest, today ÷ trigger: ${results.ratios.peakMemoryGrowthTodayOverTrigger}×`,
			`  ${written} written`,
			'',
		].join('\n'),
	);
}
