#!/usr/bin/env node
// Rate limits at scale (issue 17, part 3): the built Prefinery node (dist/) against the mock Prefinery
// API enforcing Prefinery's documented limits, with time compressed: the mock and the node's limiter
// share one virtual clock, whose sleep moves time forward at once (`--speed N` instead runs real time
// sped up N times, so real latency counts too, scaled by N).
//   1. Backfill: Tester → Get Many, Return All, of 10,000 testers (400 pages of 25; the tester list
//      allows 60 per minute per project): total (simulated) time vs the minimum the limits allow,
//      floor((pages − 1) / 60) minutes, as a ratio; errors; 429s; testers lost or doubled.
//   2. 1,000 point awards (rewards and points: 60 per minute): errors, 429s, writes doubled, ratio.
//   3. The same awards with faults: every 20th request answered with a bare 429 (not carried out: the
//      node must send it again), every 100th carried out and then the connection reset (ambiguous: the
//      node must not send it again; the item fails with its error). Writes doubled must be 0.
// The baseline is the minimum the limits allow for the same requests, computed, not measured.
// Usage: npm run build && node bench/ratelimit.mjs [--testers 10000] [--awards 1000] [--speed N] [--json]
// Writes bench-results/ratelimit.json (see bench/results.mjs); a run with other sizes or --speed is
// written too, marked as not comparable with the docs' table (that table is the virtual clock's).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT } from '../harness/runtime.mjs';
import { writeResults } from './results.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
	options: {
		testers: { type: 'string', default: '10000' },
		awards: { type: 'string', default: '1000' },
		speed: { type: 'string' },
		json: { type: 'boolean', default: false },
	},
});
const TESTERS = Number(values.testers);
const AWARDS = Number(values.awards);
const SPEED = values.speed ? Number(values.speed) : null;

const { startMockPrefineryApi, PER_PAGE } = require(join(ROOT, 'test/support/mock-prefinery-api.js'));
const { resetSharedRateLimiter, PREFINERY_LIMITS } = require(join(ROOT, 'dist/lib/rate-limit.js'));
const { Prefinery } = require(join(ROOT, 'dist/nodes/Prefinery/Prefinery.node.js'));

/** Virtual time (sleep jumps at once) or real time sped up SPEED times. */
function makeClock() {
	if (SPEED) {
		const start = Date.now();
		return {
			now: () => start + (Date.now() - start) * SPEED,
			sleep: (ms) => delay(ms / SPEED),
			slept: 0,
		};
	}
	let now = Date.parse('2026-01-01T00:00:00Z');
	const clock = {
		now: () => now,
		slept: 0,
		async sleep(ms) {
			clock.slept += ms;
			now += ms;
			await new Promise((resolve) => setImmediate(resolve));
		},
	};
	return clock;
}

/** n8n's httpRequestWithAuthentication, as far as the node uses it: JSON, full response, Bearer key. */
async function httpRequest(credentials, options) {
	const url = new URL(options.url);
	for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
	const response = await fetch(url, {
		method: options.method,
		headers: { ...options.headers, Authorization: `Bearer ${credentials.apiKey}` },
		body: options.body === undefined ? undefined : JSON.stringify(options.body),
	});
	const text = await response.text();
	const headers = Object.fromEntries(response.headers.entries());
	const body = text === '' ? '' : JSON.parse(text);
	if (response.status >= 400 && !options.ignoreHttpStatusErrors) {
		const error = new Error(`Request failed with status code ${response.status}`);
		error.response = { status: response.status, body };
		throw error;
	}
	return { body, headers, statusCode: response.status };
}

/** A minimal n8n execute context for the Prefinery node. */
function context(api, items) {
	const credentials = { apiKey: api.apiKey, baseUrl: api.url };
	const node = { id: 'bench', name: 'Prefinery', type: 'n8n-nodes-prefinery.prefinery', typeVersion: 1.1, position: [0, 0], parameters: {} };
	const logs = [];
	return {
		logs,
		getNode: () => node,
		getInputData: () => items.map((_, index) => ({ json: { index } })),
		continueOnFail: () => true,
		getCredentials: async () => credentials,
		getNodeParameter(name, itemIndex, fallback, options) {
			const [head, ...rest] = name.split('.');
			let value = items[itemIndex]?.[head];
			for (const key of rest) value = value?.[key];
			if (value === undefined) return fallback;
			if (options?.extractValue && value && typeof value === 'object' && '__rl' in value) return value.value;
			return value;
		},
		helpers: { httpRequestWithAuthentication: async (_type, options) => await httpRequest(credentials, options) },
		logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line), debug() {}, error() {}, verbose() {} },
	};
}

async function run(api, clock, items, beforeRequest) {
	const ctx = context(api, items);
	if (beforeRequest) {
		const send = ctx.helpers.httpRequestWithAuthentication;
		let n = 0;
		ctx.helpers.httpRequestWithAuthentication = async (type, options) => {
			beforeRequest((n += 1));
			return await send(type, options);
		};
	}
	const t0 = clock.now();
	const wall0 = performance.now();
	const [out] = await new Prefinery().execute.call(ctx, ctx);
	return { out, simulatedMs: clock.now() - t0, wallMs: performance.now() - wall0, logs: ctx.logs };
}

/** The earliest the last of `n` requests can go under `limit` per `windowMs` (the first goes at 0). */
const minimumMs = (n, { limit, windowMs }) => Math.floor((n - 1) / limit) * windowMs;

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const results = { date: new Date().toISOString(), node: process.version, clock: SPEED ? `real time × ${SPEED}` : 'virtual' };

// 1. Backfill.
{
	const clock = makeClock();
	resetSharedRateLimiter(clock);
	const api = await startMockPrefineryApi({ testers: TESTERS, rateLimits: true, now: clock.now });
	try {
		const { out, simulatedMs, wallMs, logs } = await run(api, clock, [
			{ resource: 'tester', operation: 'getAll', project: { __rl: true, mode: 'id', value: '1' }, returnAll: true, filters: {} },
		]);
		const errors = out.filter((item) => item.json.error !== undefined);
		const ids = out.filter((item) => item.json.error === undefined).map((item) => item.json.id);
		const pages = Math.ceil(TESTERS / PER_PAGE);
		const minMs = minimumMs(pages, PREFINERY_LIMITS.testerListProject);
		results.backfill = {
			testers: TESTERS,
			pages,
			requests: api.requests.length,
			rateLimited: api.stats().rateLimited,
			errors: errors.length,
			errorMessages: errors.slice(0, 3).map((item) => item.json.error),
			testersReturned: ids.length,
			distinct: new Set(ids).size,
			simulatedSeconds: round(simulatedMs / 1000, 1),
			minimumSeconds: minMs / 1000,
			ratio: round(simulatedMs / minMs),
			wallSeconds: round(wallMs / 1000, 2),
			progressLines: logs.length,
			lastProgress: logs.at(-1),
		};
	} finally {
		await api.close();
	}
}

// 2. Point awards, one item each; 3. the same with faults.
for (const faults of [false, true]) {
	const clock = makeClock();
	resetSharedRateLimiter(clock);
	const api = await startMockPrefineryApi({ testers: Math.max(AWARDS, 60), rateLimits: true, now: clock.now });
	try {
		const before = api.state.points.get(1).length;
		const items = Array.from({ length: AWARDS }, (_, n) => ({
			resource: 'point',
			operation: 'award',
			project: { __rl: true, mode: 'id', value: '1' },
			email: `user${String(n + 1).padStart(2, '0')}@example.com`,
			quantity: 1 + (n % 5),
			reason: `bench award ${n}`,
		}));
		const { out, simulatedMs, wallMs } = await run(
			api,
			clock,
			items,
			faults
				? (n) => {
						if (n % 100 === 0) api.failNext({ status: 0, carryOut: true, method: 'POST' });
						else if (n % 20 === 0) api.failNext({ status: 429, retryAfter: null, method: 'POST' });
					}
				: undefined,
		);
		const errors = out.filter((item) => item.json.error !== undefined);
		const stats = api.stats();
		const minMs = minimumMs(AWARDS, PREFINERY_LIMITS.rewardsPoints);
		results[faults ? 'awardsWithFaults' : 'awards'] = {
			awards: AWARDS,
			requests: api.requests.length,
			rateLimited: stats.rateLimited,
			errors: errors.length,
			resets: api.requests.filter((r) => r.status === 0).length,
			errorMessages: errors.slice(0, 3).map((item) => item.json.error),
			carriedOut: stats.acceptedWrites,
			doubled: stats.duplicateWrites,
			pointsAdded: api.state.points.get(1).length - before,
			simulatedSeconds: round(simulatedMs / 1000, 1),
			minimumSeconds: minMs / 1000,
			ratio: round(simulatedMs / minMs),
			wallSeconds: round(wallMs / 1000, 2),
		};
	} finally {
		await api.close();
	}
}

const written = writeResults('ratelimit', {
	command: 'node bench/ratelimit.mjs',
	options: { testers: TESTERS, awards: AWARDS, speed: SPEED },
	comparable: TESTERS === 10_000 && AWARDS === 1000 && SPEED === null,
	figures: {
		'backfill.ratio': results.backfill.ratio,
		'backfill.lostOrDoubled': results.backfill.testersReturned - results.backfill.distinct + (TESTERS - results.backfill.distinct),
		'awards.ratio': results.awards.ratio,
		'awards.doubled': results.awards.doubled,
		'awardsWithFaults.ratio': results.awardsWithFaults.ratio,
		'awardsWithFaults.doubled': results.awardsWithFaults.doubled,
	},
	result: results,
});

if (values.json) {
	process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
	const b = results.backfill;
	const a = results.awards;
	const f = results.awardsWithFaults;
	process.stdout.write(
		[
			`Rate limits at scale (${results.clock} clock; node ${results.node})`,
			`  backfill: ${b.testers} testers, Return All, ${b.pages} pages (tester list: 60/min per project)`,
			`    ${b.simulatedSeconds} s simulated vs ${b.minimumSeconds} s minimum → ${b.ratio}×; ${b.errors} errors, ${b.rateLimited} × 429, ${b.testersReturned} returned (${b.distinct} distinct), ${b.requests} requests; ${b.wallSeconds} s real; ${b.progressLines} progress lines`,
			`  awards: ${a.awards} point awards (rewards and points: 60/min)`,
			`    ${a.simulatedSeconds} s simulated vs ${a.minimumSeconds} s minimum → ${a.ratio}×; ${a.errors} errors, ${a.rateLimited} × 429, ${a.carriedOut} carried out, ${a.doubled} doubled, ${a.pointsAdded} points added; ${a.wallSeconds} s real`,
			`  awards with faults: every 20th request a bare 429, every 100th carried out then the connection reset`,
			`    ${f.simulatedSeconds} s simulated vs ${f.minimumSeconds} s minimum → ${f.ratio}×; ${f.rateLimited} × 429 (all sent again), ${f.resets} resets → ${f.errors} failed items (not repeated: "${String(f.errorMessages[0] ?? '').slice(0, 60)}"), ${f.carriedOut} carried out, ${f.doubled} doubled, ${f.pointsAdded} points added`,
			`  ${written} written`,
			'',
		].join('\n'),
	);
}
