// A realistic Prefinery stream for `npm run bench` (alone: node bench/stream.mjs): every
// sign-up sends tester_created, tester_applied and tester_updated, a few events are of types the
// workflow does not want, and 18% of deliveries are redeliveries; shuffled, as Prefinery guarantees no
// order. The same 1,000 signed deliveries go, in one n8n, to:
//   - the Prefinery Trigger 1.1 (Events: the three tester events; its duplicate filter on) → side effect;
//   - what a careful user builds from n8n's core nodes: Webhook → Crypto (HMAC-SHA256 with a Crypto
//     credential, over `t.` + the re-serialised body: core nodes do not see the raw bytes) → Filter
//     (signature matches and the event type is wanted) → Remove Duplicates (event id) → side effect.
// Both configurations: n8n's default and N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true. Reported per 1,000
// deliveries: executions started, useful events delivered (correct, doubled, missing, unwanted),
// deliveries/s, p99 answer time, and useful events per second; the core-node workflow is the baseline
// (useful events per second as a ratio to it). Writes bench-results/stream.json (see bench/results.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fire } from '../harness/load.mjs';
import { installCommunityPackage, packPackage, sleep, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { startSink } from '../harness/sink.mjs';
import { fateOfAnswer } from '../harness/prefinery-sim.mjs';
import { coreNodeWorkflow, linearWorkflow } from '../harness/core-nodes.mjs';
import { ratio, writeResults } from './results.mjs';

const SECRET = 'whsec_bench_stream';
const WANTED = ['tester_created', 'tester_applied', 'tester_updated'];

function stream(samplePayload) {
	const signups = 260;
	const events = [];
	for (let i = 0; i < signups; i += 1) {
		for (const type of WANTED) events.push(samplePayload(type, 8_000_000 + events.length));
	}
	for (let i = 0; i < 40; i += 1) events.push(samplePayload(i % 2 ? 'reward_delivered' : 'point_earned', 8_000_000 + events.length));
	const deliveries = [...events];
	while (deliveries.length < 1000) deliveries.push(events[Math.floor(Math.random() * events.length)]);
	for (let i = deliveries.length - 1; i > 0; i -= 1) {
		const j = Math.floor(Math.random() * (i + 1));
		[deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
	}
	return { events, deliveries: deliveries.map((event) => JSON.stringify(event)) };
}

function sideEffect(url, idExpression) {
	return {
		id: 'sink',
		name: 'Side effect',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [900, 0],
		parameters: { method: 'POST', url, sendBody: true, specifyBody: 'json', jsonBody: `={{ JSON.stringify({ event_id: ${idExpression} }) }}`, options: {} },
	};
}

async function runConfiguration(label, env, tarball, log) {
	const { signatureHeader } = await import(join(ROOT, 'dist', 'lib', 'signature.js'));
	const { samplePayload } = await import(join(ROOT, 'dist', 'lib', 'samples.js'));
	const userFolder = mkdtempSync(join(tmpdir(), 'prefinery-bench-stream-'));
	installCommunityPackage(userFolder, tarball);
	const n8n = await startN8n({ userFolder, logLevel: 'warn', env });
	const sinks = [];
	try {
		const api = n8n.api;
		const prefineryCredential = await api.createCredential('Prefinery', 'prefineryWebhookApi', { webhookSigningSecret: SECRET });
		const cryptoCredential = await api.createCredential('HMAC secret', 'crypto', { hmacSecret: SECRET, signPrivateKey: '', encryptionPassphrase: '', encryptionPublicKey: '', encryptionPrivateKey: '' });
		const publish = async (workflow, url) => {
			const created = await api.createWorkflow(workflow);
			await api.publish(created.id);
			await waitForWebhook(url);
			return { id: created.id, url };
		};
		const prefinerySink = await startSink();
		const coreSink = await startSink();
		sinks.push(prefinerySink, coreSink);
		const targets = {
			prefineryTrigger: {
				sink: prefinerySink,
				...(await publish(
					linearWorkflow('stream: Prefinery Trigger', [
						{
							id: 't', name: 'Prefinery Trigger', type: 'n8n-nodes-prefinery.prefineryTrigger', typeVersion: 1.1, position: [0, 0],
							webhookId: 'stream-prefinery', parameters: { events: WANTED },
							credentials: { prefineryWebhookApi: { id: prefineryCredential.id, name: prefineryCredential.name } },
						},
						sideEffect(prefinerySink.url, '$json.id'),
					]),
					`${n8n.baseUrl}/webhook/stream-prefinery/webhook`,
				)),
			},
			coreNodes: {
				sink: coreSink,
				...(await publish(
					coreNodeWorkflow({
						name: 'stream: core nodes',
						path: 'stream-core',
						cryptoCredential,
						wanted: WANTED,
						sideEffect: (body) => sideEffect(coreSink.url, `${body}.id`),
					}),
					`${n8n.baseUrl}/webhook/stream-core`,
				)),
			},
		};
		const { events, deliveries } = stream(samplePayload);
		const wanted = new Set(events.filter((e) => WANTED.includes(e.type)).map((e) => String(e.id)));
		const signed = (body) => ({ 'content-type': 'application/json', 'x-prefinery-signature': signatureHeader(SECRET, Math.floor(Date.now() / 1000), body) });
		const result = {};
		for (const [key, target] of Object.entries(targets)) {
			log(`[bench:stream] ${label}: ${deliveries.length} deliveries → ${key}`);
			const answered = await fire(target.url, deliveries, 20, signed);
			// Settled: no new side effect and no unfinished execution for 3 s.
			let last = -1;
			let quietSince = Date.now();
			let lastEffectAt = performance.now();
			for (;;) {
				const count = target.sink.requests.length;
				if (count !== last) {
					last = count;
					quietSince = Date.now();
					lastEffectAt = performance.now();
				}
				const executions = await api.executions(target.id, { includeData: false });
				const pending = executions.filter((e) => !['success', 'error', 'crashed', 'canceled'].includes(e.status)).length;
				if (pending === 0 && Date.now() - quietSince > 3_000) {
					const counts = new Map();
					for (const request of target.sink.requests) counts.set(String(request.body?.event_id), (counts.get(String(request.body?.event_id)) ?? 0) + 1);
					const delivered = [...counts.keys()].filter((id) => wanted.has(id));
					result[key] = {
						deliveries: deliveries.length,
						executionsStarted: executions.length,
						failedExecutions: executions.filter((e) => e.status !== 'success').length,
						usefulDelivered: delivered.length,
						usefulExpected: wanted.size,
						doubled: [...counts.entries()].filter(([id, n]) => wanted.has(id) && n > 1).length,
						missing: wanted.size - delivered.length,
						unwantedDelivered: [...counts.keys()].filter((id) => !wanted.has(id)).length,
						deliveriesPerSecond: answered.answersPerSecond,
						p99AnswerMs: answered.p99Ms,
						usefulEventsPerSecond: delivered.length / ((lastEffectAt - answered.started) / 1000),
						statuses: answered.statuses,
						// What Prefinery would do with these answers (its delivery rules: harness/prefinery-sim.mjs).
						// An answer slower than 15 s is a timeout to Prefinery, whatever its status.
						prefineryWould: Object.entries(answered.statuses).reduce((fates, [status, n]) => {
							const late = answered.overAnswerLimit[status] ?? 0;
							const fate = fateOfAnswer(Number(status));
							const next = { ...fates, [fate]: (fates[fate] ?? 0) + n - late };
							if (late) next.retried = (next.retried ?? 0) + late;
							return next;
						}, {}),
					};
					break;
				}
				await sleep(500);
			}
			await sleep(1_000);
		}
		return result;
	} finally {
		for (const sink of sinks) await sink.close();
		await n8n.dispose();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

export async function benchStream({ tarball, log = (line) => process.stderr.write(`${line}\n`) }) {
	const result = {
		default: await runConfiguration('default', {}, tarball, log),
		lazy: await runConfiguration('lazy', { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' }, tarball, log),
	};
	const f = (x, d = 1) => x.toFixed(d);
	for (const [config, rows] of Object.entries(result)) {
		console.log(`\n== Prefinery stream, 1,000 deliveries (${config === 'lazy' ? 'lazy expression isolate' : 'default configuration'}) ==`);
		for (const [label, r] of [['Prefinery Trigger 1.1', rows.prefineryTrigger], ['core nodes (Webhook, Crypto, Filter, Remove Duplicates)', rows.coreNodes]]) {
			console.log(`  ${label}: executions ${r.executionsStarted} (failed ${r.failedExecutions}), useful ${r.usefulDelivered}/${r.usefulExpected} (doubled ${r.doubled}, missing ${r.missing}, unwanted ${r.unwantedDelivered}), ${f(r.deliveriesPerSecond)} deliveries/s, p99 ${f(r.p99AnswerMs, 0)} ms, ${f(r.usefulEventsPerSecond)} useful events/s; Prefinery would count ${JSON.stringify(r.prefineryWould)}`);
		}
		console.log(`  useful events/s: Prefinery / core nodes = ${f(rows.prefineryTrigger.usefulEventsPerSecond / rows.coreNodes.usefulEventsPerSecond, 2)}×`);
	}
	const figures = {};
	for (const [config, rows] of Object.entries(result)) {
		figures[`${config}.usefulRatio`] = ratio(rows.prefineryTrigger.usefulEventsPerSecond / rows.coreNodes.usefulEventsPerSecond);
		figures[`${config}.prefinery.doubled`] = rows.prefineryTrigger.doubled;
		figures[`${config}.prefinery.missing`] = rows.prefineryTrigger.missing;
		figures[`${config}.prefinery.executions`] = rows.prefineryTrigger.executionsStarted;
	}
	console.log(`  ${writeResults('stream', { command: 'node bench/stream.mjs', figures, result })} written`);
	return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const pack = packPackage(mkdtempSync(join(tmpdir(), 'prefinery-bench-pack-')));
	await benchStream({ tarball: pack.tarball });
}
