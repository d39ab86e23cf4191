// A backfill in a real n8n at Prefinery's real rate limits, for `npm run bench` (alone: node
// bench/backfill.mjs [--testers 2000]): the same waitlist listed three ways, each in its own
// workflow (Webhook, answering when the last node finishes → the list → a Code node that counts it):
//   - the Prefinery node: Tester → Get Many, Return All;
//   - n8n's HTTP Request node the way n8n's docs suggest: pagination (Update a Parameter in Each
//     Request, page = {{ $pageCount + 1 }}, complete when the response is empty) and Retry On Fail at
//     the most n8n allows (5 tries, 5 s apart);
//   - the same HTTP Request node paced by hand: pagination's Interval Between Requests at 1,000 ms
//     (60 a minute: a user who read Prefinery's limits), Retry On Fail as above.
// Each runs against its own mock Prefinery API enforcing the documented limits (tester list: 60 per
// minute per project, a bare 429 on overflow) in real time, since n8n's clock cannot be compressed.
// The baseline is the minimum time the limit allows for the pages the waitlist has,
// floor((pages − 1) / 60) minutes; reported: time, ratio to it, testers returned (distinct), 429s
// answered, requests, and the execution's error if it failed. Writes bench-results/backfill.json (see
// bench/results.mjs; a run with other than 2,000 testers is marked as not comparable with the docs).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packPackage, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { linearWorkflow } from '../harness/core-nodes.mjs';
import { writeResults } from './results.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi, PER_PAGE, DOCUMENTED_LIMITS } = require(join(ROOT, 'test/support/mock-prefinery-api.js'));

/** POST with no client timeout (undici's fetch gives up on headers after 300 s). */
function post(url) {
	return new Promise((done, fail) => {
		const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
			let text = '';
			res.on('data', (chunk) => (text += chunk));
			res.on('end', () => done({ status: res.statusCode, text }));
		});
		req.on('error', fail);
		req.end('{}');
	});
}

/** Webhook (answers when the last node finishes) → `node` → a Code node that counts the testers. */
function backfillWorkflow(name, path, node) {
	return linearWorkflow(name, [
		{ id: 'webhook', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, webhookId: path, parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} } },
		node,
		{
			id: 'count',
			name: 'Count',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			parameters: { jsCode: 'const ids = $input.all().map((item) => item.json.id);\nreturn [{ json: { testers: ids.length, distinct: new Set(ids).size } }];' },
		},
	]);
}

const WAYS = {
	prefineryNode: {
		label: 'Prefinery node (Get Many, Return All)',
		async node(n8n, api) {
			const credential = await n8n.api.createCredential(`Prefinery ${api.url}`, 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
			return {
				id: 'list',
				name: 'All testers',
				type: 'n8n-nodes-prefinery.prefinery',
				typeVersion: 1.1,
				parameters: { resource: 'tester', operation: 'getAll', project: { __rl: true, mode: 'id', value: '1' }, returnAll: true, filters: {} },
				credentials: { prefineryApi: { id: credential.id, name: credential.name } },
			};
		},
	},
	httpRequestDocs: {
		label: "HTTP Request, pagination + Retry On Fail (5 tries, 5 s: n8n's docs)",
		node: (n8n, api) => httpRequestNode(n8n, api, {}),
	},
	httpRequestPaced: {
		label: 'HTTP Request, the same + Interval Between Requests 1,000 ms',
		node: (n8n, api) => httpRequestNode(n8n, api, { requestInterval: 1000 }),
	},
};

async function httpRequestNode(n8n, api, paginationExtra) {
	const credential = await n8n.api.createCredential(`Header auth ${api.url}`, 'httpHeaderAuth', {
		name: 'Authorization',
		value: `Bearer ${api.apiKey}`,
	});
	return {
		id: 'list',
		name: 'All testers',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		retryOnFail: true,
		maxTries: 5,
		waitBetweenTries: 5000,
		parameters: {
			url: `${api.url}/betas/1/testers`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			options: {
				pagination: {
					pagination: {
						paginationMode: 'updateAParameterInEachRequest',
						parameters: { parameters: [{ type: 'qs', name: 'page', value: '={{ $pageCount + 1 }}' }] },
						paginationCompleteWhen: 'responseIsEmpty',
						...paginationExtra,
					},
				},
			},
		},
		credentials: { httpHeaderAuth: { id: credential.id, name: credential.name } },
	};
}

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function benchBackfill({ tarball, testers = 2000, log = (line) => process.stderr.write(`${line}\n`) }) {
	const pages = Math.ceil(testers / PER_PAGE);
	const { limit, windowMs } = DOCUMENTED_LIMITS.testerListProject;
	const minimumMs = Math.floor((pages - 1) / limit) * windowMs;
	const userFolder = mkdtempSync(join(tmpdir(), 'prefinery-bench-backfill-'));
	log(`backfill bench: starting n8n (${testers} testers, ${pages} pages; at least ${minimumMs / 1000} s each way at ${limit} per minute)`);
	const n8n = await startN8n({ userFolder, tarball, logLevel: 'info' });
	const result = { testers, pages, minimumSeconds: minimumMs / 1000, limit: `${limit} per ${windowMs / 1000} s per project` };
	try {
		for (const [key, way] of Object.entries(WAYS)) {
			// A mock of its own for each way: no way inherits another's spent window.
			const api = await startMockPrefineryApi({ testers, rateLimits: true });
			try {
				const path = `backfill-${key.toLowerCase()}`;
				const wf = await n8n.api.createWorkflow(backfillWorkflow(`Backfill: ${way.label}`, path, await way.node(n8n, api)));
				await n8n.api.publish(wf.id);
				const url = `${n8n.baseUrl}/webhook/${path}`;
				await waitForWebhook(url);
				log(`backfill bench: ${way.label}…`);
				const started = performance.now();
				const answer = await post(url);
				const seconds = (performance.now() - started) / 1000;
				const [execution] = await n8n.api.executions(wf.id);
				const counted = answer.status === 200 ? JSON.parse(answer.text) : null;
				const error = execution?.data?.resultData?.error;
				result[key] = {
					label: way.label,
					status: execution?.status,
					seconds: round(seconds, 1),
					ratio: minimumMs > 0 ? round((seconds * 1000) / minimumMs, 2) : null,
					testersReturned: counted?.testers ?? 0,
					distinct: counted?.distinct ?? 0,
					requests: api.requests.length,
					rateLimited: api.stats().rateLimited,
					error: error ? String(error.message ?? error.description ?? JSON.stringify(error)).slice(0, 160) : undefined,
				};
				log(`backfill bench: ${way.label}: ${result[key].status}, ${result[key].seconds} s, ${result[key].testersReturned} testers`);
			} finally {
				await api.close();
			}
		}
	} finally {
		await n8n.dispose();
		rmSync(userFolder, { recursive: true, force: true });
	}
	const figures = {};
	for (const key of Object.keys(WAYS)) {
		if (!result[key]) continue;
		figures[`${key}.ratio`] = result[key].status === 'success' ? result[key].ratio : null;
		figures[`${key}.testers`] = result[key].testersReturned;
	}
	result.written = writeResults('backfill', { command: 'node bench/backfill.mjs', options: { testers }, comparable: testers === 2000, figures, result });
	return result;
}

export function printBackfill(result) {
	console.log(
		`\n== Backfill in a real n8n at Prefinery's real limits: ${result.testers} testers, ${result.pages} pages, tester list ${result.limit}; minimum ${result.minimumSeconds} s ==`,
	);
	for (const key of Object.keys(WAYS)) {
		const r = result[key];
		if (!r) continue;
		const outcome =
			r.status === 'success' ? `${r.testersReturned} testers (${r.distinct} distinct)` : `failed, ${r.testersReturned} testers returned: "${r.error}"`;
		const time = r.status !== 'success' ? '(no list)' : r.ratio !== null ? `(${r.ratio}× the minimum)` : '(no minimum: the limit lets all these pages go at once)';
		console.log(`  ${r.label.padEnd(72)} ${String(r.seconds).padStart(6)} s ${time}  ${outcome}; ${r.requests} requests, ${r.rateLimited} answered 429`);
	}
	if (result.written) console.log(`  ${result.written} written`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({ options: { testers: { type: 'string', default: '2000' } } });
	const pack = packPackage(mkdtempSync(join(tmpdir(), 'prefinery-bench-pack-')));
	printBackfill(await benchBackfill({ tarball: pack.tarball, testers: Number(values.testers) }));
}
