// The Prefinery Trigger on n8n's queue mode (harness/cluster.mjs): PostgreSQL 17, Redis, one
// main, two webhook processes behind a round-robin proxy and a worker, all on loopback. Proves
// where executions run, the answer contract, the sample mock through main, the start-up check for a
// missing package, and the exactly-once recipe (examples/prefinery-exactly-once-postgres.json) on a
// stream of deliveries with redeliveries and restarts, next to the trigger's in-process filter and
// n8n's Remove Duplicates node on the same stream. The stream is 400 deliveries (320 events, 80
// redeliveries: about 3 minutes); PREFINERY_QUEUE_DELIVERIES=1000 sends the 1,000 (800 + 200) that
// docs/duplicates-and-queue-mode.md quotes (about 7 minutes on 2 cores).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, startCluster, startRoundRobinProxy } from '../harness/cluster.mjs';
import { packPackage, sleep, waitForWebhook } from '../harness/n8n.mjs';
import { readmeCommands } from '../harness/readme.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { CATCH_UP_TYPE, catchUpState, exampleSetupSql } from '../harness/examples.mjs';
import { dist, readJson, runCommand, SECRET, send, startSink, TRIGGER_NAME, TRIGGER_TYPE } from './support.mjs';

const progress = (line) => process.stderr.write(`${line}\n`);
const DELIVERIES = Number(process.env.PREFINERY_QUEUE_DELIVERIES ?? 400);
const STREAM = { events: Math.round(DELIVERIES * 0.8), redeliveries: DELIVERIES - Math.round(DELIVERIES * 0.8), concurrency: 8 };

let cluster;
let proxy;
let credential;
let postgresCredential;
const sinks = [];
const temp = [];

async function newSink(options) {
	const sink = await startSink(options);
	sinks.push(sink);
	return sink;
}

/** Creates and publishes a workflow; waits until every webhook process routes its production URL. */
async function publish(workflow) {
	const trigger = workflow.nodes.find((node) => node.type === TRIGGER_TYPE);
	const created = await cluster.main.api.createWorkflow({
		name: workflow.name,
		nodes: workflow.nodes,
		connections: workflow.connections,
		settings: workflow.settings ?? { executionOrder: 'v1' },
	});
	await cluster.main.api.publish(created.id);
	const path = `/webhook/${trigger.webhookId}/webhook`;
	for (const process of cluster.webhooks) await waitForWebhook(`${process.baseUrl}${path}`);
	return { id: created.id, path, webhookId: trigger.webhookId, via: (base) => `${base}${path}` };
}

let counter = 0;
function triggerNode(parameters = {}) {
	counter += 1;
	return {
		id: `queue-trigger-${counter}`,
		name: TRIGGER_NAME,
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: `queue-${Date.now().toString(36)}-${counter}`,
		parameters: { events: ['*'], ...parameters },
		credentials: { prefineryWebhookApi: { id: credential.id, name: credential.name } },
	};
}

function sinkNode(url, name = 'Side effect') {
	return {
		id: `sink-${counter}-${name}`,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [520, 0],
		parameters: {
			method: 'POST',
			url,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: `={{ JSON.stringify({ event_id: $('${TRIGGER_NAME}').item.json.id }) }}`,
			options: {},
		},
	};
}

/** Trigger → (middle) → side effect at `url`. */
function chain(name, url, { trigger = {}, middle = [] } = {}) {
	const nodes = [triggerNode(trigger), ...middle, sinkNode(url)];
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i += 1) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { name, nodes, connections };
}

/** The shipped recipe, pointed at this cluster's credentials and the `url` side effect. */
function recipe(url) {
	const workflow = readJson('examples/prefinery-exactly-once-postgres.json');
	for (const node of workflow.nodes) {
		if (node.type === TRIGGER_TYPE) {
			node.webhookId = `${node.webhookId}-${Date.now().toString(36)}-${(counter += 1)}`;
			node.credentials.prefineryWebhookApi = { id: credential.id, name: credential.name };
		}
		if (node.credentials?.postgres) node.credentials.postgres = { id: postgresCredential.id, name: postgresCredential.name };
		if (node.type === 'n8n-nodes-base.httpRequest') node.parameters.url = url; // every CRM call of the recipe
	}
	return workflow;
}

/** Like Prefinery: retries connection errors, timeouts and 429; any other answer is final. */
async function deliver(url, body) {
	for (let attempt = 1; attempt <= 40; attempt += 1) {
		try {
			const res = await send(url, body);
			if (res.status !== 429) return { status: res.status, answer: res.json, attempts: attempt };
		} catch {
			// connection refused or reset (a process restarting): retry
		}
		await sleep(Math.min(250 * attempt, 2000));
	}
	return { status: 0, attempts: 40 };
}

/** Side effects per event id at a sink (successful ones only). */
function effects(sink) {
	const counts = new Map();
	for (const request of sink.requests) {
		if (request.status >= 400) continue;
		const id = String(request.body?.event_id);
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/**
 * Waits until no execution of the workflow is new, waiting or running. `timeoutMs` only bounds a broken
 * run: past it the test fails, saying what was still pending (never goes on as if all had finished).
 */
async function waitForFinishedExecutions(workflowId, timeoutMs = 300_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const { inProgress } = await cluster.main.api.executionCounts(workflowId);
		const executions = inProgress > 0 ? [] : await cluster.main.api.executions(workflowId, { includeData: false });
		const pending = executions.filter((e) => ['new', 'waiting', 'running'].includes(e.status));
		if (inProgress === 0 && pending.length === 0) return;
		if (Date.now() > deadline) {
			throw new Error(`${inProgress || pending.length} execution(s) of ${workflowId} still in progress after ${timeoutMs / 1000} s`);
		}
		await sleep(1_000);
	}
}

/** Waits until n8n's database holds at least `count` executions of the workflow (bounded like the above). */
async function waitForExecutionCount(workflowId, count, timeoutMs = 300_000) {
	const deadline = Date.now() + timeoutMs;
	for (let total = 0; (total = (await cluster.main.api.executionCounts(workflowId)).total) < count; await sleep(500)) {
		if (Date.now() > deadline) throw new Error(`${total} execution(s) of ${workflowId} after ${timeoutMs / 1000} s, expected ${count}`);
	}
}

async function settleSinks(watched, { quietMs = 8_000, timeoutMs = 300_000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last = -1;
	let since = Date.now();
	while (Date.now() < deadline) {
		const total = watched.reduce((sum, sink) => sum + sink.requests.length, 0);
		if (total !== last) {
			last = total;
			since = Date.now();
		} else if (Date.now() - since > quietMs) {
			return;
		}
		await sleep(500);
	}
	throw new Error('side effects did not settle in time');
}

// No bound on the whole suite: each wait has its own (CI runs on a 2-core machine on 2026-12-07 took
// 498–559 s of the 1,200 s it had, depending on what ran beside it).
describe('queue mode: main, two webhook processes, a worker, PostgreSQL 17 and Redis', () => {
	before(async () => {
		const pack = packPackage();
		temp.push(join(pack.tarball, '..'));
		cluster = await startCluster({ tarball: pack.tarball, webhooks: 2, workers: 1, log: progress });
		proxy = await startRoundRobinProxy(cluster.webhooks.map((process) => process.baseUrl));
		credential = await cluster.main.api.createCredential('Prefinery Webhook (queue)', 'prefineryWebhookApi', { webhookSigningSecret: SECRET });
		await sql(cluster.pg.port, 'CREATE DATABASE app');
		await sql(
			cluster.pg.port,
			'CREATE TABLE prefinery_processed_events (event_id text PRIMARY KEY, event_type text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now())',
			{ database: 'app' },
		);
		postgresCredential = await cluster.main.api.createCredential('Postgres (app)', 'postgres', cluster.pg.n8nCredential('app'));
	});

	after(async () => {
		await proxy?.close();
		for (const sink of sinks) await sink.close();
		await cluster?.stop();
		for (const folder of temp) rmSync(folder, { recursive: true, force: true });
	});

	it('a signed delivery to a webhook process is enqueued and runs exactly once, on the worker', async () => {
		const sink = await newSink();
		const wf = await publish(chain('queue: one delivery', sink.url));
		const { samplePayload } = await dist('lib/samples.js');
		const res = await send(wf.via(cluster.webhooks[0].baseUrl), samplePayload('tester_created', 5100001));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json.status, 'accepted');
		// Its execution has finished on the worker (not: 3 s without a request, which a busy machine can spend
		// before the execution even starts).
		await waitForExecutionCount(wf.id, 1);
		await waitForFinishedExecutions(wf.id);
		assert.equal(sink.requests.length, 1);
		const [execution] = (await cluster.main.api.executions(wf.id, { includeData: false }));
		assert.equal(execution.status, 'success');
		const workerLog = readFileSync(cluster.workers[0].logFile, 'utf8');
		assert.match(workerLog, new RegExp(`Worker finished execution ${execution.id}\\b`));
		for (const process of [cluster.main, ...cluster.webhooks]) {
			assert.doesNotMatch(readFileSync(process.logFile, 'utf8'), new RegExp(`finished execution ${execution.id}\\b`));
		}
	});

	it('answers the whole delivery contract on a webhook process, starting nothing for the rejected ones', async () => {
		const sink = await newSink();
		const wf = await publish(chain('queue: contract', sink.url, { trigger: { events: ['tester_created'] } }));
		const url = wf.via(cluster.webhooks[1].baseUrl);
		const { samplePayload } = await dist('lib/samples.js');
		const event = samplePayload('tester_created', 5200001);
		const cases = [
			[await send(url, event), 200, 'accepted'],
			[await send(url, event), 200, 'duplicate'],
			[await send(url, samplePayload('tester_updated', 5200002)), 200, 'ignored'],
			[await send(url, samplePayload('tester_created', 5200003), { secret: 'not-the-secret' }), 429, 'rejected'],
			[await send(url, samplePayload('tester_created', 5200004), { secret: null }), 429, 'rejected'],
			[await send(url, '{"hello":"world"}'), 400, 'rejected'],
			[await (async () => {
				const res = await fetch(url);
				return { status: res.status, json: await res.json() };
			})(), 200, 'ignored'],
		];
		for (const [res, status, answer] of cases) {
			assert.equal(res.status, status, JSON.stringify(res.json));
			assert.equal(res.json.status, answer, JSON.stringify(res.json));
		}
		await waitForExecutionCount(wf.id, 1);
		await waitForFinishedExecutions(wf.id);
		assert.equal(sink.requests.length, 1, 'only the accepted delivery ran');
	});

	it('the browser sample works through main; webhook processes answer 404 on the Test URL', async () => {
		const sink = await newSink();
		const wf = await publish(chain('queue: sample', sink.url));
		const testPath = `/webhook-test/${wf.webhookId}/webhook`;
		const listening = await cluster.main.api.listen(wf.id, TRIGGER_NAME);
		assert.equal(listening.data.waitingForWebhook, true);
		assert.equal((await fetch(`${cluster.webhooks[0].baseUrl}${testPath}`)).status, 404);
		const res = await fetch(`${cluster.main.baseUrl}${testPath}`);
		const answer = await res.json();
		assert.equal(res.status, 200);
		assert.equal(answer.status, 'accepted', JSON.stringify(answer));
		assert.equal(answer.message, 'Sample event emitted.');
	});

	it('the documented start-up check (docs/duplicates-and-queue-mode.md) refuses a process whose user folder lacks the package', async () => {
		const { queueCheck } = readmeCommands();
		const empty = mkdtempSync(join(tmpdir(), 'prefinery-no-package-'));
		temp.push(empty);
		const run = (folder) => runCommand('bash', ['-c', queueCheck], { env: { ...process.env, N8N_USER_FOLDER: folder } });
		const missing = await run(empty);
		assert.notEqual(missing.status, 0);
		assert.match(missing.stderr, /n8n-nodes-prefinery is not installed/);
		for (const process of [cluster.main, ...cluster.webhooks, ...cluster.workers]) {
			assert.equal((await run(process.userFolder)).status, 0, `${process.name} has the package`);
		}
	});

	it(`${DELIVERIES} deliveries (${STREAM.events} events, ${STREAM.redeliveries} redeliveries) through a round-robin proxy, webhook-1 and the worker restarted mid-stream: the recipe is exactly-once`, async () => {
		const sinkTrigger = await newSink();
		const sinkRemoveDuplicates = await newSink();
		const sinkRecipe = await newSink();
		const flows = {
			trigger: await publish(chain('queue: in-process filter only', sinkTrigger.url)),
			removeDuplicates: await publish(
				chain('queue: Remove Duplicates', sinkRemoveDuplicates.url, {
					trigger: { options: { ignoreDuplicates: false } },
					middle: [
						{
							id: `rd-${counter}`,
							name: 'Remove Duplicates',
							type: 'n8n-nodes-base.removeDuplicates',
							typeVersion: 2,
							position: [260, 0],
							parameters: {
								operation: 'removeItemsSeenInPreviousExecutions',
								logic: 'removeItemsWithAlreadySeenKeyValues',
								dedupeValue: '={{ $json.id }}',
								options: { scope: 'workflow' },
							},
						},
					],
				}),
			),
			recipe: await publish(recipe(sinkRecipe.url)),
		};
		const { samplePayload } = await dist('lib/samples.js');
		const types = ['tester_created', 'tester_applied', 'tester_updated'];
		const events = Array.from({ length: STREAM.events }, (_, i) => samplePayload(types[i % 3], 6_000_000 + i));
		// Redeliveries of random events, spread through the stream (the proxy alternates processes).
		const deliveries = [...events];
		for (let i = 0; i < STREAM.redeliveries; i += 1) {
			const at = Math.floor(Math.random() * deliveries.length) + 1;
			deliveries.splice(at, 0, events[Math.floor(Math.random() * events.length)]);
		}
		const answered = { trigger: new Map(), removeDuplicates: new Map(), recipe: new Map() };
		let index = 0;
		let restarts = Promise.resolve();
		/** While set, no new delivery starts (the stream waits for webhook-1 before the worker restarts). */
		let hold;
		const worker = async () => {
			while (index < deliveries.length) {
				if (hold) await hold;
				const body = deliveries[index];
				index += 1;
				if (index === Math.floor(deliveries.length / 3)) {
					// As docs/duplicates-and-queue-mode.md says: take a webhook process out of the load balancer, let its
					// in-flight requests finish, then restart it and put it back once it is ready.
					progress('  draining and restarting webhook-1 mid-stream');
					const webhook1 = cluster.webhooks[0];
					restarts = restarts.then(async () => {
						proxy.drain(webhook1.baseUrl);
						await sleep(2_000);
						await webhook1.restart();
						proxy.restore(webhook1.baseUrl);
					});
				}
				if (index === Math.floor((2 * deliveries.length) / 3)) {
					// After webhook-1 is back, never while it stops: a stopping webhook process waits for the
					// executions it enqueued, and a worker stopping meanwhile can leave one of them to fail as
					// stalled with no process left to record it (CI run 39: "still in progress"). The stream
					// holds here until webhook-1's restart has happened, however long it takes on this machine,
					// so both restarts stay mid-stream.
					const held = Date.now();
					hold = restarts;
					await hold;
					hold = undefined;
					progress(`  webhook-1 is back${Date.now() - held > 1000 ? ` (the stream held ${Math.round((Date.now() - held) / 1000)} s for it)` : ''}; restarting the worker mid-stream`);
					restarts = cluster.workers[0].restart();
				}
				await Promise.all(
					Object.entries(flows).map(async ([name, flow]) => {
						const result = await deliver(flow.via(proxy.url), body);
						const list = answered[name].get(String(body.id)) ?? [];
						list.push(result.status);
						answered[name].set(String(body.id), list);
					}),
				);
			}
		};
		const started = Date.now();
		await Promise.all(Array.from({ length: STREAM.concurrency }, worker));
		await restarts;
		progress(`  stream sent in ${Math.round((Date.now() - started) / 1000)} s; waiting for the executions`);
		await settleSinks([sinkTrigger, sinkRemoveDuplicates, sinkRecipe]);
		// Wait until nothing is pending. (A job a stopping worker had fetched but not started is failed as
		// stalled by the next worker's check, up to about a minute: n8n 2.41.1 sets maxStalledCount to 0,
		// and the process that enqueued it records the failure; see harness/cluster.mjs.)
		for (const flow of Object.values(flows)) await waitForFinishedExecutions(flow.id);
		await settleSinks([sinkTrigger, sinkRemoveDuplicates, sinkRecipe], { quietMs: 3_000 });
		// A failed execution's contract (docs/duplicates-and-queue-mode.md): it shows in Executions and the
		// user retries it; the recipe's keeps its claim, so the retry runs the side effect once. Clean-clone
		// runs saw one execution (the recipe's, once the trigger-only flow's) fail while the worker restarted.
		// Each failed one of the two asserted flows is named here with its error and retried as a user does
		// (Executions → Retry), but for a job n8n failed as stalled (one a stopping worker had fetched:
		// n8n 2.41.1 sets maxStalledCount to 0): n8n replaces its data with the error alone, so its Retry
		// runs an empty workflow (read in n8n's WorkflowRunner.processError and ExecutionService.retry), and
		// only a catch-up brings that event back. Those are counted, and the assertions below allow at most
		// that many losses: a loss without a failed execution that shows it, or a retry that doubles, still
		// fails.
		const STALLED = /failed to be processed too many times/;
		const retried = { trigger: [], recipe: [] };
		const stalled = { trigger: 0, recipe: 0 };
		for (const name of Object.keys(retried)) {
			const failed = (await cluster.main.api.executions(flows[name].id)).filter((execution) => execution.status === 'error');
			for (const execution of failed) {
				const error = execution.data?.resultData?.error;
				const message = error?.message ?? JSON.stringify(error ?? null).slice(0, 300);
				if (STALLED.test(message)) {
					stalled[name] += 1;
					progress(`  ${name} execution ${execution.id} failed as stalled (n8n kept no data to retry: only a catch-up brings its event back): ${message}`);
					continue;
				}
				progress(`  ${name} execution ${execution.id} failed at ${execution.data?.resultData?.lastNodeExecuted}: ${message}; retrying it (Executions → Retry)`);
				await cluster.main.api.rest('POST', `/executions/${execution.id}/retry`, { loadWorkflow: false });
				retried[name].push(execution);
			}
			if (retried[name].length > 0) await waitForFinishedExecutions(flows[name].id);
		}
		if (retried.trigger.length + retried.recipe.length > 0) await settleSinks([sinkTrigger, sinkRecipe], { quietMs: 3_000 });
		const report = {};
		for (const [name, sink] of Object.entries({ trigger: sinkTrigger, removeDuplicates: sinkRemoveDuplicates, recipe: sinkRecipe })) {
			const counts = effects(sink);
			const ok = [...answered[name].entries()].filter(([, statuses]) => statuses.includes(200)).map(([id]) => id);
			const statuses = {};
			for (const list of answered[name].values()) for (const status of list) statuses[status] = (statuses[status] ?? 0) + 1;
			const executions = await cluster.main.api.executions(flows[name].id, { includeData: false });
			const byStatus = {};
			for (const execution of executions) byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
			report[name] = {
				answers: statuses,
				executions: byStatus,
				lostIds: ok.filter((id) => !counts.has(id)).slice(0, 5),
				deliveries: deliveries.length,
				eventsAnswered200: ok.length,
				notAnswered200: STREAM.events - ok.length,
				sideEffects: [...counts.values()].reduce((a, b) => a + b, 0),
				doubled: [...counts.values()].filter((n) => n > 1).length,
				lost: ok.filter((id) => !counts.has(id)).length,
			};
		}
		for (const name of Object.keys(retried)) Object.assign(report[name], { failedAndRetried: retried[name].length, failedAsStalled: stalled[name] });
		progress(`  per workflow: ${JSON.stringify(report, null, 1)}`);
		// An event not answered 200 got n8n's own 5xx (e.g. 503 "Database is not ready!" on a loaded
		// machine, or a process restarting): Prefinery drops it, the catch-up's job (e2e/chaos). The trigger
		// itself never answers 5xx, so any other final answer fails here. How many: the machine's load.
		for (const name of Object.keys(flows)) {
			const other = Object.keys(report[name].answers).filter((status) => status !== '200' && !(Number(status) >= 500));
			assert.deepEqual(other, [], `${name}: answers besides 200 and n8n's own 5xx`);
		}
		assert.equal(report.recipe.doubled, 0, 'the Postgres claim: no side effect twice');
		assert.ok(report.recipe.lost <= stalled.recipe, `the Postgres claim: no event answered 200 without its side effect, but for a job n8n failed as stalled (${stalled.recipe}): ${JSON.stringify(report.recipe)}`);
		assert.ok(report.recipe.sideEffects >= report.recipe.eventsAnswered200 - stalled.recipe && report.recipe.sideEffects <= STREAM.events, `side effects: ${report.recipe.sideEffects}`);
		assert.ok(report.trigger.lost <= stalled.trigger, `trigger: no event answered 200 without its side effect, but for a job n8n failed as stalled (${stalled.trigger}): ${JSON.stringify(report.trigger)}`);
		assert.ok(report.trigger.doubled <= STREAM.redeliveries);
	});

	it('the catch-up example in queue mode: the Catch-Up Trigger polls while sign-ups arrive, and each sign-up reaches the CRM once', async () => {
		const { startMockPrefineryApi } = createRequire(import.meta.url)('../test/support/mock-prefinery-api.js');
		const api = await startMockPrefineryApi({ testers: 10 }); // 10 testers from before the workflow existed
		try {
			await sql(cluster.pg.port, exampleSetupSql('prefinery-catch-up-postgres.json'), { database: 'app' });
			const apiCredential = await cluster.main.api.createCredential('Prefinery (mock API, queue)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
			const sink = await newSink();
			const example = readJson('examples/prefinery-catch-up-postgres.json');
			// The example saves failed executions only; the suite counts the ones its triggers started.
			example.settings = { ...example.settings, saveDataSuccessExecution: 'all' };
			for (const node of example.nodes) {
				if (node.credentials?.prefineryWebhookApi) node.credentials.prefineryWebhookApi = { id: credential.id, name: credential.name };
				if (node.credentials?.postgres) node.credentials.postgres = { id: postgresCredential.id, name: postgresCredential.name };
				if (node.credentials?.prefineryApi) node.credentials.prefineryApi = { id: apiCredential.id, name: apiCredential.name };
				// Polls every minute (the shortest n8n allows) at half the list budget, instead of every 15
				// minutes at 10 %, so the catch-up overlaps the live deliveries; the retry of open claims every 5 s.
				if (node.type === CATCH_UP_TYPE) Object.assign(node.parameters, { pollTimes: { item: [{ mode: 'everyMinute' }] }, budgetShare: 50, project: { ...node.parameters.project, value: '1' } });
				if (node.name === 'Create CRM contact') node.parameters.url = sink.url;
				if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 5 }] };
				if (node.type === TRIGGER_TYPE) node.webhookId = `queue-catch-up-${Date.now().toString(36)}`;
			}
			const flow = await publish(example);
			// 60 sign-ups over about 12 s: Prefinery delivers 40 of them (each twice, through both webhook
			// processes); 20 never arrive (dropped on a 404 during an unpublished stretch, say).
			const template = api.state.testers.get(1)[0];
			const { samplePayload } = await dist('lib/samples.js');
			const ids = [];
			for (let n = 0; n < 60; n += 1) {
				const tester = { ...structuredClone(template), id: api.state.nextId.tester++, email: `queue${n}@example.com` };
				api.state.testers.get(1).push(tester);
				ids.push(String(tester.id));
				if (n % 3 !== 2) {
					const event = { ...samplePayload('tester_created', 8_800_000 + n), data: tester };
					const answers = await Promise.all([send(flow.via(proxy.url), event), send(flow.via(proxy.url), event)]);
					assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.text)));
				}
				await sleep(200);
			}
			// The workflow runs until the Catch-Up Trigger's saved state has its head at the newest tester and
			// a sweep round behind it (the backfill), with no execution in progress twice in a row; then it is
			// unpublished and every execution is waited for: what happened decides, not a number of seconds.
			const newest = Math.max(...api.state.testers.get(1).map((t) => t.id));
			const deadline = Date.now() + 300_000;
			for (let calm = 0, last = ''; calm < 2; ) {
				const state = await catchUpState(cluster.main, flow.id);
				const { inProgress } = await cluster.main.api.executionCounts(flow.id);
				const line = `queue catch-up: head at ${state?.watermark ?? 'none'} of ${newest}, sweep rounds ${state?.sweepRounds ?? 0}, executions in progress ${inProgress}`;
				if (line !== last) progress(line);
				last = line;
				calm = (state?.watermark ?? 0) >= newest && (state?.sweepRounds ?? 0) >= 1 && inProgress === 0 ? calm + 1 : 0;
				if (Date.now() > deadline) throw new Error(`the Catch-Up Trigger did not catch up within 300 s of the last sign-up: ${line}`);
				if (calm < 2) await sleep(1_000);
			}
			await cluster.main.api.unpublish(flow.id);
			await waitForFinishedExecutions(flow.id);
			await settleSinks([sink], { quietMs: 2_000 });
			const executions = await cluster.main.api.executions(flow.id, { includeData: false });
			const scheduled = executions.filter((e) => e.mode === 'trigger').length;
			const calls = new Map();
			for (const request of sink.requests) calls.set(request.body.tester_id, [...(calls.get(request.body.tester_id) ?? []), request.body.source]);
			const earlier = api.state.testers.get(1).slice(0, 10).map((t) => String(t.id));
			const lost = [...earlier, ...ids].filter((id) => !calls.has(id));
			const doubled = [...calls.entries()].filter(([, sources]) => sources.length > 1);
			const bySource = {};
			for (const sources of calls.values()) for (const source of sources) bySource[source] = (bySource[source] ?? 0) + 1;
			progress(`queue catch-up: ${scheduled} executions started by its poll and schedule triggers, ${sink.requests.length} CRM calls by source ${JSON.stringify(bySource)}, lost ${lost.length}, doubled ${doubled.length}`);
			assert.ok(scheduled >= 1, `the Catch-Up Trigger's polls ran executions on the cluster (${scheduled})`);
			assert.deepEqual(lost, [], 'every sign-up and every earlier tester reached the CRM');
			assert.deepEqual(doubled, [], 'none twice');
			assert.ok(bySource.webhook > 0 && bySource['catch-up'] >= 30, `both ways in were used: ${JSON.stringify(bySource)}`);
			const { rows } = await sql(cluster.pg.port, 'SELECT count(*)::int AS claims, count(done_at)::int AS done FROM prefinery_claims', { database: 'app' });
			assert.deepEqual(rows[0], { claims: 70, done: 70 });
		} finally {
			await api.close();
		}
	});

	it('a failing side effect fails the execution with its claim kept: retrying it runs the side effect once', async () => {
		const failing = new Set(['7000001']);
		const sink = await newSink({ statusFor: (request) => (failing.has(String(request.body?.event_id)) ? 503 : 201) });
		const flow = await publish(recipe(sink.url));
		const { samplePayload } = await dist('lib/samples.js');
		const res = await send(flow.via(proxy.url), samplePayload('tester_created', 7000001));
		assert.equal(res.json.status, 'accepted');
		let failed;
		for (let i = 0; i < 120 && !failed; i += 1) {
			await sleep(500);
			failed = (await cluster.main.api.executions(flow.id, { includeData: false })).find((e) => e.status === 'error');
		}
		assert.ok(failed, 'the execution failed (after the HTTP node\'s 3 tries)');
		assert.equal(sink.requests.length, 3, 'three tries, all failed');
		const claims = () => sql(cluster.pg.port, "SELECT 1 FROM prefinery_processed_events WHERE event_id = '7000001'", { database: 'app' });
		assert.equal((await claims()).rowCount, 1, 'the claim is kept');
		const executionsBefore = (await cluster.main.api.executionCounts(flow.id)).total;
		const redelivery = await send(flow.via(proxy.url), samplePayload('tester_created', 7000001));
		assert.equal(redelivery.json.status, 'accepted');
		// The redelivery's own execution has finished (it stopped at the claim), whatever the machine's speed.
		await waitForExecutionCount(flow.id, executionsBefore + 1);
		await waitForFinishedExecutions(flow.id);
		assert.equal(sink.requests.length, 3, 'a redelivery stops at the claim: the retry is the way to recover');
		failing.clear();
		await cluster.main.api.rest('POST', `/executions/${failed.id}/retry`, { loadWorkflow: false });
		await waitForExecutionCount(flow.id, executionsBefore + 2);
		await waitForFinishedExecutions(flow.id);
		assert.equal(sink.requests.filter((r) => r.status < 400).length, 1, 'the retry ran the side effect once');
	});
});
