// Queue-mode figures for `npm run bench` (also runnable alone: node bench/queue.mjs [--events 300] [--concurrency 20]):
//   - one n8n process (regular mode) against queue mode with 1 webhook process + 1 worker, and with
//     1 webhook process + 2 workers, all on the same PostgreSQL 17 and Redis, same workflow
//     (Prefinery Trigger → HTTP side effect at a loopback sink), same signed events, same concurrency:
//     completed executions/s and p99 answer time, as ratios to the single process;
//   - the exactly-once recipe's cost per event: the shipped recipe against the same side effect
//     without the claim, in the 1 + 1 cluster.
// Prints a table, writes bench-results/queue.json (see bench/results.mjs) and returns the numbers.
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, startCluster } from '../harness/cluster.mjs';
import { fire } from '../harness/load.mjs';
import { sleep, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { readJson } from '../harness/examples.mjs';
import { startSink } from '../harness/sink.mjs';
import { ratio, writeResults } from './results.mjs';

const SECRET = 'whsec_bench_queue';

/** Completed executions per second: the sink's side effects, from the first request to the last effect. */
async function completed(sink, count, started) {
	const deadline = Date.now() + 600_000;
	while (sink.requests.length < count) {
		if (Date.now() > deadline) throw new Error(`only ${sink.requests.length} of ${count} side effects within 10 minutes`);
		await sleep(100);
	}
	return count / ((performance.now() - started) / 1000);
}

async function measure(cluster, { label, events, concurrency, recipeToo = false, log }) {
	const { signatureHeader } = await import(join(ROOT, 'dist', 'lib', 'signature.js'));
	const { samplePayload } = await import(join(ROOT, 'dist', 'lib', 'samples.js'));
	const api = cluster.main.api;
	const credential = await api.createCredential('Prefinery bench', 'prefineryWebhookApi', { webhookSigningSecret: SECRET });
	const productionBase = (cluster.webhooks[0] ?? cluster.main).baseUrl;
	const publish = async (workflow) => {
		const created = await api.createWorkflow({ name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: { executionOrder: 'v1' } });
		await api.publish(created.id);
		const trigger = workflow.nodes.find((node) => node.type === 'n8n-nodes-prefinery.prefineryTrigger');
		const url = `${productionBase}/webhook/${trigger.webhookId}/webhook`;
		await waitForWebhook(url);
		return url;
	};
	const sinks = [];
	const plain = async (name) => {
		const sink = await startSink();
		sinks.push(sink);
		const url = await publish({
			name,
			nodes: [
				{ id: 't', name: 'Prefinery Trigger', type: 'n8n-nodes-prefinery.prefineryTrigger', typeVersion: 1.1, position: [0, 0], webhookId: `bench-${name}`, parameters: { events: ['*'] }, credentials: { prefineryWebhookApi: { id: credential.id, name: credential.name } } },
				{ id: 's', name: 'Side effect', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, position: [260, 0], parameters: { method: 'POST', url: sink.url, sendBody: true, specifyBody: 'json', jsonBody: '={{ JSON.stringify({ event_id: $json.id }) }}', options: {} } },
			],
			connections: { 'Prefinery Trigger': { main: [[{ node: 'Side effect', type: 'main', index: 0 }]] } },
		});
		return { url, sink };
	};
	let nextId = 1;
	const bodies = (n) => Array.from({ length: n }, () => JSON.stringify(samplePayload('tester_created', `${label}-${nextId++}`)));
	const signed = (body) => ({ 'content-type': 'application/json', 'x-prefinery-signature': signatureHeader(SECRET, Math.floor(Date.now() / 1000), body) });
	const run = async (target) => {
		await fire(target.url, bodies(20), concurrency, signed); // warm-up
		await completed(target.sink, 20, performance.now());
		target.sink.requests.length = 0;
		const answered = await fire(target.url, bodies(events), concurrency, signed);
		const executionsPerSecond = await completed(target.sink, events, answered.started);
		return { executionsPerSecond, p99AnswerMs: answered.p99Ms, statuses: answered.statuses };
	};
	log(`[bench:queue] ${label}: ${events} signed events at concurrency ${concurrency}`);
	const result = { plain: await run(await plain(`${label}-plain`)) };
	if (recipeToo) {
		await sql(cluster.pg.port, 'CREATE DATABASE app').catch(() => {});
		await sql(cluster.pg.port, 'CREATE TABLE IF NOT EXISTS prefinery_processed_events (event_id text PRIMARY KEY, event_type text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now())', { database: 'app' });
		const pg = await api.createCredential('Postgres (app)', 'postgres', cluster.pg.n8nCredential('app'));
		const sink = await startSink();
		sinks.push(sink);
		const workflow = readJson('examples/prefinery-exactly-once-postgres.json');
		for (const node of workflow.nodes) {
			if (node.credentials?.prefineryWebhookApi) node.credentials.prefineryWebhookApi = { id: credential.id, name: credential.name };
			if (node.credentials?.postgres) node.credentials.postgres = { id: pg.id, name: pg.name };
			if (node.type === 'n8n-nodes-base.httpRequest') node.parameters.url = sink.url; // every CRM call of the recipe
		}
		log(`[bench:queue] ${label}: the exactly-once recipe`);
		result.recipe = await run({ url: await publish(workflow), sink });
	}
	for (const sink of sinks) await sink.close();
	return result;
}

export async function benchQueue({ tarball, events = 300, concurrency = 20, log = (line) => process.stderr.write(`${line}\n`) }) {
	const configurations = [
		['single process', { webhooks: 0, workers: 0, env: { EXECUTIONS_MODE: 'regular' } }, false],
		['queue: 1 webhook + 1 worker', { webhooks: 1, workers: 1 }, true],
		['queue: 1 webhook + 2 workers', { webhooks: 1, workers: 2 }, false],
	];
	const rows = {};
	for (const [label, options, recipeToo] of configurations) {
		const cluster = await startCluster({ tarball, log, ...options });
		try {
			rows[label] = await measure(cluster, { label, events, concurrency, recipeToo, log });
		} finally {
			await cluster.stop();
		}
	}
	const base = rows['single process'].plain;
	const one = rows['queue: 1 webhook + 1 worker'];
	const result = {
		cores: cpus().length,
		events,
		concurrency,
		rows,
		ratios: Object.fromEntries(
			Object.entries(rows).map(([label, row]) => [
				label,
				{ executionsPerSecond: row.plain.executionsPerSecond / base.executionsPerSecond, p99AnswerMs: row.plain.p99AnswerMs / base.p99AnswerMs },
			]),
		),
		recipe: {
			executionsPerSecondRatio: one.recipe.executionsPerSecond / one.plain.executionsPerSecond,
			extraMsPerEvent: 1000 / one.recipe.executionsPerSecond - 1000 / one.plain.executionsPerSecond,
		},
	};
	const f = (x, d = 2) => x.toFixed(d);
	console.log(`\n== Queue mode on ${result.cores} cores: ${events} signed events at concurrency ${concurrency}, Prefinery Trigger (1.1) → HTTP side effect ==`);
	for (const [label, row] of Object.entries(rows)) {
		const ratio = result.ratios[label];
		console.log(`  ${label.padEnd(30)} completed executions/s ${f(row.plain.executionsPerSecond)} (${f(ratio.executionsPerSecond)}× single)  p99 answer ${f(row.plain.p99AnswerMs, 0)} ms (${f(ratio.p99AnswerMs)}× single)  statuses ${JSON.stringify(row.plain.statuses)}`);
	}
	console.log(`  exactly-once recipe (1 + 1): ${f(one.recipe.executionsPerSecond)} executions/s, ${f(result.recipe.executionsPerSecondRatio)}× the same workflow without the claim, about ${f(result.recipe.extraMsPerEvent, 1)} ms more per event`);
	const two = result.ratios['queue: 1 webhook + 2 workers'];
	const oneRatio = result.ratios['queue: 1 webhook + 1 worker'];
	const written = writeResults('queue', {
		command: 'node bench/queue.mjs',
		options: { events, concurrency },
		comparable: events === 300 && concurrency === 20,
		figures: {
			'oneWorker.throughput': ratio(oneRatio.executionsPerSecond),
			'oneWorker.p99': ratio(oneRatio.p99AnswerMs),
			'twoWorkers.throughput': ratio(two.executionsPerSecond),
			'twoWorkers.p99': ratio(two.p99AnswerMs),
			'recipe.throughput': ratio(result.recipe.executionsPerSecondRatio),
		},
		result,
	});
	console.log(`  ${written} written`);
	return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const { packPackage } = await import('../harness/n8n.mjs');
	const { mkdtempSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { parseArgs } = await import('node:util');
	const { values } = parseArgs({ options: { events: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '20' } } });
	const pack = packPackage(mkdtempSync(join(tmpdir(), 'prefinery-bench-pack-')));
	await benchQueue({ tarball: pack.tarball, events: Number(values.events), concurrency: Number(values.concurrency) });
}
