#!/usr/bin/env node
// `npm run bench` (bench/run.mjs): every figure docs/performance-and-reliability.md quotes, from one run, as ratios against
// baselines measured in the same run. Each part writes its own bench-results/<name>.json (git-ignored; see bench/results.mjs),
// also when run alone; this script measures parts 2 and 3 itself and writes them to bench-results/run.json.
// `npm run bench:check` then compares the docs' quoted ranges with those files (checks/bench-figures.test.mjs).
//   1. handler cost vs JSON.parse (bench/handler.mjs)
//   2. package: packed/unpacked size, runtime dependencies, time to load the node modules
//   3. in a real n8n, default and lazy expression isolate: Prefinery Trigger 1 and 1.1 vs n8n's core
//      Webhook node and a no-op community trigger, same payload, same concurrency
//   4. queue mode vs one process, and the exactly-once recipe's cost (bench/queue.mjs)
//   5. a realistic Prefinery stream: the trigger vs a core-node workflow (bench/stream.mjs)
//   6. the trigger's memories with many workflows, bounded vs kept as 0.1.0 did (bench/memory.mjs)
//   7. the Prefinery node at Prefinery's rate limits: a 10,000-tester backfill and 1,000 point awards
//      against the mock API enforcing them, time compressed (bench/ratelimit.mjs)
//   8. a backfill in a real n8n at the real limits: the Prefinery node vs n8n's HTTP Request node with
//      pagination and Retry On Fail as n8n's docs suggest, and paced by hand (bench/backfill.mjs)
//   9. the catch-up at 1,000 / 10,000 / 100,000 / 1,000,000 testers: the Catch-Up Trigger's 0.3 planner
//      (both Start From) beside 0.2's (the baseline), a simulated fortnight on a virtual clock
//      (bench/catchup.mjs)
//  10. 0.1's Return All and the Catch-Up Trigger in a real n8n at 10,000 testers: the largest execution
//      record and n8n's peak memory (bench/catchup-n8n.mjs; skipped with --skip-n8n)
// Options: --skip-n8n, --skip-queue, --skip-stream, --skip-backfill, --events N per target (default 200),
// --queue-events N (default 300), --backfill-testers N (default 2000), --concurrency C (default 20).
// Writes bench-results/run.json, handler.json, memory.json, ratelimit.json, catchup.json, catchup-n8n.json, queue.json, stream.json, backfill.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installCommunityPackage, packPackage, sleep, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { benchQueue } from './queue.mjs';
import { fire as fireLoad } from '../harness/load.mjs';
import { benchStream } from './stream.mjs';
import { benchMemory, printMemory } from './memory.mjs';
import { benchBackfill, printBackfill } from './backfill.mjs';
import { ratio, writeResults } from './results.mjs';

const { values } = parseArgs({
	options: {
		'skip-n8n': { type: 'boolean', default: false },
		'skip-queue': { type: 'boolean', default: false },
		'skip-stream': { type: 'boolean', default: false },
		'skip-backfill': { type: 'boolean', default: false },
		'backfill-testers': { type: 'string', default: '2000' },
		'queue-events': { type: 'string', default: '300' },
		events: { type: 'string', default: '200' },
		concurrency: { type: 'string', default: '20' },
	},
});
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const results = { date: new Date().toISOString(), node: process.version };

// 1. Handler cost.
const handler = spawnSync(process.execPath, [join(ROOT, 'bench', 'handler.mjs'), '--json'], { encoding: 'utf8' });
if (handler.status === 0) {
	results.handler = JSON.parse(handler.stdout.trim().split('\n').pop());
} else {
	results.handler = { error: handler.stderr.slice(-500) };
}

// 6. Memories with many workflows (cheap: runs first, printed last).
results.memory = benchMemory();

// 7. Rate limits (simulated time: a few seconds of real time; printed last).
const rateLimits = spawnSync(process.execPath, [join(ROOT, 'bench', 'ratelimit.mjs')], { encoding: 'utf8' });
results.rateLimits = rateLimits.status === 0 ? { report: rateLimits.stdout } : { error: rateLimits.stderr.slice(-500) };

// 9. The catch-up at scale: the Catch-Up Trigger, 0.3 beside 0.2 (virtual clock; printed last).
const catchUp = spawnSync(process.execPath, [join(ROOT, 'bench', 'catchup.mjs')], { encoding: 'utf8' });
results.catchUp = catchUp.status === 0 ? { report: catchUp.stdout } : { error: catchUp.stderr.slice(-500) };

// 10. The catch-up in a real n8n (a few minutes: the trigger's polls come a minute apart; printed last).
const catchUpN8n = values['skip-n8n'] ? null : spawnSync(process.execPath, [join(ROOT, 'bench', 'catchup-n8n.mjs')], { encoding: 'utf8' });
results.catchUpN8n = catchUpN8n && (catchUpN8n.status === 0 ? { report: catchUpN8n.stdout } : { error: catchUpN8n.stderr.slice(-500) });

// 2. Package.
const pack = packPackage(mkdtempSync(join(tmpdir(), 'prefinery-bench-pack-')));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const loadScript = `
const t0 = process.hrtime.bigint(); require('n8n-workflow'); const t1 = process.hrtime.bigint();
require('./dist/nodes/PrefineryTrigger/PrefineryTrigger.node.js'); require('./dist/nodes/Prefinery/Prefinery.node.js'); require('./dist/nodes/PrefineryCatchUpTrigger/PrefineryCatchUpTrigger.node.js');
require('./dist/credentials/PrefineryApi.credentials.js'); require('./dist/credentials/PrefineryWebhookApi.credentials.js'); const t2 = process.hrtime.bigint();
console.log(JSON.stringify({ n8nWorkflowMs: Number(t1 - t0) / 1e6, nodesMs: Number(t2 - t1) / 1e6 }));`;
const loads = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath, ['-e', loadScript], { cwd: ROOT, encoding: 'utf8' })));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
results.package = {
	tarballBytes: pack.size,
	unpackedBytes: pack.unpackedSize,
	files: pack.files,
	runtimeDependencies: Object.keys(pkg.dependencies ?? {}).length,
	loadNodesMs: median(loads.map((l) => l.nodesMs)),
	loadN8nWorkflowMs: median(loads.map((l) => l.n8nWorkflowMs)),
};
results.package.loadRatioToN8nWorkflow = results.package.loadNodesMs / results.package.loadN8nWorkflowMs;

// 3. Real n8n: Prefinery Trigger vs core Webhook node.
const fire = (url, bodies, headersFor) => fireLoad(url, bodies, CONCURRENCY, headersFor);

/** Waits for `count` more finished executions (beyond `before`); rate = those / time since `started`. */
async function waitExecutions(n8n, workflowId, before, count, started) {
	const deadline = Date.now() + 300_000;
	while (Date.now() < deadline) {
		const page = await n8n.api.executions(workflowId, { includeData: false });
		const finished = page.filter((e) => e.status === 'success' || e.status === 'error').length;
		if (finished >= before + count) return { executionsPerSecond: count / ((performance.now() - started) / 1000) };
		await sleep(250);
	}
	throw new Error(`finished executions of ${workflowId} did not reach ${before + count} within 5 minutes`);
}

/** One n8n with `env`: the core Webhook node, a no-op community trigger and the Prefinery Trigger 1 and 1.1. */
async function measureN8n(env) {
	const { signatureHeader } = await import(join(ROOT, 'dist', 'lib', 'signature.js'));
	const { samplePayload } = await import(join(ROOT, 'dist', 'lib', 'samples.js'));
	const secret = 'whsec_bench';
	const userFolder = mkdtempSync(join(tmpdir(), 'prefinery-bench-n8n-'));
	// The baseline community trigger (bench/noop-trigger) beside the packed Prefinery package.
	installCommunityPackage(userFolder, pack.tarball, join(ROOT, 'bench', 'noop-trigger'));
	const n8n = await startN8n({ userFolder, logLevel: 'warn', env });
	try {
		const credential = await n8n.api.createCredential('Prefinery bench', 'prefineryWebhookApi', { webhookSigningSecret: secret });
		const mk = async (name, node, url) => {
			const wf = await n8n.api.createWorkflow({ name, nodes: [node], connections: {}, settings: { executionOrder: 'v1' } });
			await n8n.api.publish(wf.id);
			await waitForWebhook(url);
			return { id: wf.id, url };
		};
		const prefinery = (typeVersion, webhookId) => ({
			id: webhookId, name: 'Prefinery Trigger', type: 'n8n-nodes-prefinery.prefineryTrigger', typeVersion, position: [0, 0],
			webhookId, parameters: { events: ['*'] }, credentials: { prefineryWebhookApi: { id: credential.id, name: credential.name } },
		});
		const targets = {
			webhookNode: await mk('bench core webhook', {
				id: 'w', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
				webhookId: 'bench-webhook', parameters: { httpMethod: 'POST', path: 'bench-webhook', options: {} },
			}, `${n8n.baseUrl}/webhook/bench-webhook`),
			noopCommunityTrigger: await mk('bench noop community trigger', {
				id: 'n', name: 'Noop Trigger', type: 'n8n-nodes-bench-noop.noopTrigger', typeVersion: 1, position: [0, 0],
				webhookId: 'bench-noop', parameters: {},
			}, `${n8n.baseUrl}/webhook/bench-noop/webhook`),
			prefineryTrigger: await mk('bench prefinery 1', prefinery(1, 'bench-prefinery'), `${n8n.baseUrl}/webhook/bench-prefinery/webhook`),
			prefineryTriggerV11: await mk('bench prefinery 1.1', prefinery(1.1, 'bench-prefinery-11'), `${n8n.baseUrl}/webhook/bench-prefinery-11/webhook`),
		};
		let nextId = 1;
		const bodies = (n) => Array.from({ length: n }, () => JSON.stringify(samplePayload('tester_created', nextId++)));
		const signed = (body) => ({ 'content-type': 'application/json', 'x-prefinery-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body) });
		for (const target of Object.values(targets)) await fire(target.url, bodies(20), signed); // warm-up
		await sleep(2000);
		// Two rounds in alternating order, so no target always gets the warmer (or busier) n8n.
		const runs = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
		const order = Object.keys(targets);
		for (const round of [order, [...order].reverse()]) {
			for (const key of round) {
				const target = targets[key];
				const before = (await n8n.api.executions(target.id, { includeData: false })).length;
				const started = performance.now();
				const answered = await fire(target.url, bodies(EVENTS / 2), signed);
				const executed = await waitExecutions(n8n, target.id, before, EVENTS / 2, started);
				runs[key].push({ ...answered, ...executed });
				await sleep(1500);
			}
		}
		const merge = (list) => ({
			requests: list.reduce((a, r) => a + r.requests, 0),
			executionsPerSecond: list.reduce((a, r) => a + r.executionsPerSecond, 0) / list.length,
			answersPerSecond: list.reduce((a, r) => a + r.answersPerSecond, 0) / list.length,
			p50Ms: list.reduce((a, r) => a + r.p50Ms, 0) / list.length,
			p99Ms: Math.max(...list.map((r) => r.p99Ms)),
			statuses: list.reduce((a, r) => { for (const [k, v] of Object.entries(r.statuses)) a[k] = (a[k] ?? 0) + v; return a; }, {}),
		});
		const r = Object.fromEntries(Object.entries(runs).map(([k, list]) => [k, merge(list)]));
		// Every target against the baseline, n8n's core Webhook node in the same n8n.
		const ratiosToWebhookNode = Object.fromEntries(
			['noopCommunityTrigger', 'prefineryTrigger', 'prefineryTriggerV11'].map((k) => [
				k,
				{ throughput: r[k].executionsPerSecond / r.webhookNode.executionsPerSecond, p99: r[k].p99Ms / r.webhookNode.p99Ms },
			]),
		);
		return {
			...r,
			ratiosToWebhookNode,
			throughputRatioToWebhookNode: r.prefineryTrigger.executionsPerSecond / r.webhookNode.executionsPerSecond,
			throughputRatioToNoopCommunityTrigger: r.prefineryTrigger.executionsPerSecond / r.noopCommunityTrigger.executionsPerSecond,
			p99RatioToWebhookNode: r.prefineryTrigger.p99Ms / r.webhookNode.p99Ms,
			p99RatioToNoopCommunityTrigger: r.prefineryTrigger.p99Ms / r.noopCommunityTrigger.p99Ms,
			v11ThroughputRatioToWebhookNode: r.prefineryTriggerV11.executionsPerSecond / r.webhookNode.executionsPerSecond,
			v11P99RatioToWebhookNode: r.prefineryTriggerV11.p99Ms / r.webhookNode.p99Ms,
		};
	} finally {
		await n8n.dispose();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

if (!values['skip-n8n']) {
	// n8n's default, and with its expression isolate acquired lazily (only when an expression runs).
	results.n8n = { events: EVENTS, concurrency: CONCURRENCY };
	results.n8n.default = await measureN8n({});
	results.n8n.lazy = await measureN8n({ N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' });
}

if (!values['skip-queue']) {
	results.queue = await benchQueue({ tarball: pack.tarball, events: Number(values['queue-events']), concurrency: CONCURRENCY });
}

if (!values['skip-stream']) {
	results.stream = await benchStream({ tarball: pack.tarball });
}

if (!values['skip-backfill']) {
	results.backfill = await benchBackfill({ tarball: pack.tarball, testers: Number(values['backfill-testers']) });
}

// This script's own parts (package, real n8n); the other parts wrote their own files.
const figures = {
	'package.tarballKB': Number((results.package.tarballBytes / 1024).toFixed(1)),
	'package.runtimeDependencies': results.package.runtimeDependencies,
	'package.loadRatio': ratio(results.package.loadRatioToN8nWorkflow),
};
const short = { noopCommunityTrigger: 'noop', prefineryTrigger: 'v1', prefineryTriggerV11: 'v11' };
for (const config of ['default', 'lazy']) {
	for (const [key, name] of Object.entries(short)) {
		const r = results.n8n?.[config]?.ratiosToWebhookNode[key];
		if (!r) continue;
		figures[`${config}.${name}.throughput`] = ratio(r.throughput);
		figures[`${config}.${name}.p99`] = ratio(r.p99);
	}
	if (results.n8n?.[config]) figures[`${config}.v1.throughputToNoop`] = ratio(results.n8n[config].throughputRatioToNoopCommunityTrigger);
}
const written = writeResults('run', {
	command: 'npm run bench',
	options: { ...values },
	comparable: EVENTS === 200 && CONCURRENCY === 20,
	figures,
	result: { package: results.package, n8n: results.n8n },
});

const f = (x, d = 2) => (typeof x === 'number' ? x.toFixed(d) : String(x));
console.log('\n== Handler cost (verify + parse + normalise) vs JSON.parse of the same body ==');
if (results.handler?.results) {
	for (const row of results.handler.results) {
		const us = row.breakdown_us;
		console.log(`  ${String(row.event).padEnd(32)} ${String(row.bytes).padStart(5)} B  JSON.parse ${f(us.json_parse)} µs  handler ${f(us.handler)} µs  ratio ${f(row.ratio)}×  (HMAC alone ${f(us.hmac)} µs)`);
	}
	const g = results.handler.groups;
	console.log(`  median ratio ${f(results.handler.median_ratio)}×, max ${f(results.handler.max_ratio)}×; tester events ${f(g.tester.median_ratio)}×, reward/point events ${f(g.rewardPoint.median_ratio)}×`);
	console.log(`  ${results.handler.target_retired}`);
} else console.log(`  ${JSON.stringify(results.handler)}`);
console.log('\n== Package ==');
const p = results.package;
console.log(`  tarball ${(p.tarballBytes / 1024).toFixed(1)} kB, unpacked ${(p.unpackedBytes / 1024).toFixed(1)} kB, ${p.files} files, runtime dependencies ${p.runtimeDependencies}`);
console.log(`  load both nodes + credential: ${f(p.loadNodesMs)} ms (after n8n-workflow, which takes ${f(p.loadN8nWorkflowMs)} ms: ratio ${f(p.loadRatioToN8nWorkflow, 3)})`);
if (results.n8n) {
	const all = results.n8n;
	for (const config of ['default', 'lazy']) {
		const n = all[config];
		console.log(`\n== Real n8n (${config === 'lazy' ? 'N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true' : 'default configuration'}), ${all.events} events each at concurrency ${all.concurrency} (two alternating rounds) ==`);
		for (const [label, x] of [['core Webhook node', n.webhookNode], ['no-op community trigger', n.noopCommunityTrigger], ['Prefinery Trigger 1', n.prefineryTrigger], ['Prefinery Trigger 1.1', n.prefineryTriggerV11]]) {
			console.log(`  ${label.padEnd(24)} completed executions/s ${f(x.executionsPerSecond)}  answers/s ${f(x.answersPerSecond)}  p50 ${f(x.p50Ms, 0)} ms  p99 ${f(x.p99Ms, 0)} ms  statuses ${JSON.stringify(x.statuses)}`);
		}
		console.log(`  Prefinery 1 / Webhook node: throughput ${f(n.throughputRatioToWebhookNode)}, p99 ${f(n.p99RatioToWebhookNode)};  1 / no-op community trigger: throughput ${f(n.throughputRatioToNoopCommunityTrigger)}, p99 ${f(n.p99RatioToNoopCommunityTrigger)}`);
		console.log(`  Prefinery 1.1 / Webhook node: throughput ${f(n.v11ThroughputRatioToWebhookNode)}, p99 ${f(n.v11P99RatioToWebhookNode)}`);
	}
}
printMemory(results.memory);
console.log(`\n== The Prefinery node at Prefinery's rate limits (bench/ratelimit.mjs) ==\n${results.rateLimits.report ?? results.rateLimits.error}`);
console.log(`\n== The catch-up at scale (bench/catchup.mjs) ==\n${results.catchUp.report ?? results.catchUp.error}`);
if (results.catchUpN8n) console.log(`\n== The catch-up in a real n8n (bench/catchup-n8n.mjs) ==\n${results.catchUpN8n.report ?? results.catchUpN8n.error}`);
if (results.backfill) printBackfill(results.backfill);
console.log(`\n${written} written (the other parts wrote theirs). Compare them with the docs' ranges: npm run bench:check`);
