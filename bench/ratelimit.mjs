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
//   4. Two workers (issue 26, item 8): two copies of the built node, each loaded afresh with its own
//      limiter as two queue-mode workers or n8n instances have, list the same 10,000 testers at once
//      with one key, on one virtual clock that moves only while both wait (test/support/concurrent-clock.js).
//      Each paces to the whole budget, so together they ask for twice it: 429s met, time vs the minimum
//      for both listings' pages under one budget, testers lost or doubled per execution, failed items.
//      Then the second starts 30 s into the first's list, with a Max Wait that covers the first's length:
//      it waits its turn (the first takes each window's slots the moment they open), then lists.
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
const { concurrentClock } = require(join(ROOT, 'test/support/concurrent-clock.js'));

/** A fresh copy of the built node and its process-wide limiter on `clock`: what another process has. */
function loadWorker(clock) {
	const dist = join(ROOT, 'dist');
	for (const key of Object.keys(require.cache)) if (key.startsWith(dist)) delete require.cache[key];
	require(join(ROOT, 'dist/lib/rate-limit.js')).resetSharedRateLimiter(clock);
	return require(join(ROOT, 'dist/nodes/Prefinery/Prefinery.node.js')).Prefinery;
}

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

async function run(api, clock, items, beforeRequest, Node = Prefinery) {
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
	const [out] = await new Node().execute.call(ctx, ctx);
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

// 4. Two workers listing at once: started together, and the second 30 s into the first's list.
async function twoWorkers(offsetMs, maxRateLimitWait) {
	const clock = concurrentClock();
	const api = await startMockPrefineryApi({ testers: TESTERS, rateLimits: true, now: clock.now });
	try {
		const workers = [loadWorker(clock), loadWorker(clock)];
		const t0 = clock.now();
		const wall0 = performance.now();
		const list = { resource: 'tester', operation: 'getAll', project: { __rl: true, mode: 'id', value: '1' }, returnAll: true, filters: {}, options: { maxRateLimitWait } };
		const runs = await Promise.all(
			workers.map((Node, i) =>
				clock.actor(async () => {
					if (i === 1 && offsetMs > 0) await clock.sleep(offsetMs);
					return await run(api, clock, [list], undefined, Node);
				}),
			),
		);
		const simulatedMs = clock.now() - t0;
		const pages = Math.ceil(TESTERS / PER_PAGE);
		const minMs = minimumMs(2 * pages, PREFINERY_LIMITS.testerListProject);
		const perWorker = runs.map(({ out }) => {
			const ids = out.filter((item) => item.json.error === undefined).map((item) => item.json.id);
			return {
				errors: out.length - ids.length,
				returned: ids.length,
				distinct: new Set(ids).size,
				errorMessages: out.filter((item) => item.json.error !== undefined).slice(0, 2).map((item) => String(item.json.error)),
			};
		});
		return {
			testers: TESTERS,
			pagesEach: pages,
			secondStartsAfterSeconds: offsetMs / 1000,
			maxRateLimitWait,
			requests: api.requests.length,
			rateLimited: api.stats().rateLimited,
			perWorker,
			lostOrDoubled: perWorker.reduce((n, w) => n + (w.returned - w.distinct) + (TESTERS - w.distinct), 0),
			errors: perWorker.reduce((n, w) => n + w.errors, 0),
			simulatedSeconds: round(simulatedMs / 1000, 1),
			minimumSeconds: minMs / 1000,
			ratio: round(simulatedMs / minMs),
			wallSeconds: round((performance.now() - wall0) / 1000, 2),
		};
	} finally {
		await api.close();
	}
}
results.twoWorkers = await twoWorkers(0, 300);
// The second waits for the first's whole list (about TESTERS / 1,500 minutes): a Max Wait that covers it.
results.twoWorkersStaggered = await twoWorkers(30_000, Math.ceil((TESTERS / 1500) * 60) + 120);

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
		'twoWorkers.ratio': results.twoWorkers.ratio,
		'twoWorkers.rateLimited': results.twoWorkers.rateLimited,
		'twoWorkers.lostOrDoubled': results.twoWorkers.lostOrDoubled,
		'twoWorkers.errors': results.twoWorkers.errors,
		'twoWorkersStaggered.ratio': results.twoWorkersStaggered.ratio,
		'twoWorkersStaggered.lostOrDoubled': results.twoWorkersStaggered.lostOrDoubled,
		'twoWorkersStaggered.errors': results.twoWorkersStaggered.errors,
	},
	result: results,
});

if (values.json) {
	process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
	const b = results.backfill;
	const a = results.awards;
	const f = results.awardsWithFaults;
	const w = results.twoWorkers;
	const z = results.twoWorkersStaggered;
	process.stdout.write(
		[
			`Rate limits at scale (${results.clock} clock; node ${results.node})`,
			`  backfill: ${b.testers} testers, Return All, ${b.pages} pages (tester list: 60/min per project)`,
			`    ${b.simulatedSeconds} s simulated vs ${b.minimumSeconds} s minimum → ${b.ratio}×; ${b.errors} errors, ${b.rateLimited} × 429, ${b.testersReturned} returned (${b.distinct} distinct), ${b.requests} requests; ${b.wallSeconds} s real; ${b.progressLines} progress lines`,
			`  awards: ${a.awards} point awards (rewards and points: 60/min)`,
			`    ${a.simulatedSeconds} s simulated vs ${a.minimumSeconds} s minimum → ${a.ratio}×; ${a.errors} errors, ${a.rateLimited} × 429, ${a.carriedOut} carried out, ${a.doubled} doubled, ${a.pointsAdded} points added; ${a.wallSeconds} s real`,
			`  awards with faults: every 20th request a bare 429, every 100th carried out then the connection reset`,
			`    ${f.simulatedSeconds} s simulated vs ${f.minimumSeconds} s minimum → ${f.ratio}×; ${f.rateLimited} × 429 (all sent again), ${f.resets} resets → ${f.errors} failed items (not repeated: "${String(f.errorMessages[0] ?? '').slice(0, 60)}"), ${f.carriedOut} carried out, ${f.doubled} doubled, ${f.pointsAdded} points added`,
			`  two workers at once: each its own limiter, one key, ${w.testers} testers each (${w.pagesEach} pages each)`,
			`    ${w.simulatedSeconds} s simulated vs ${w.minimumSeconds} s minimum for both → ${w.ratio}×; ${w.rateLimited} × 429 (${Math.round((100 * w.rateLimited) / w.requests)} % of ${w.requests} requests), ${w.errors} failed items, ${w.lostOrDoubled} testers lost or doubled; ${w.wallSeconds} s real`,
			`  the second 30 s into the first's list, Max Wait on Rate Limit ${z.maxRateLimitWait} s: it waits its turn`,
			`    ${z.simulatedSeconds} s simulated vs ${z.minimumSeconds} s minimum for both → ${z.ratio}×; ${z.rateLimited} × 429, ${z.errors} failed items, ${z.lostOrDoubled} testers lost or doubled; ${z.wallSeconds} s real`,
			`  ${written} written`,
			'',
		].join('\n'),
	);
}
