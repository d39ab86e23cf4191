#!/usr/bin/env node
// Catch-up at a real waitlist's scale (issue 24): today's catch-up (a Schedule Trigger every 15 minutes →
// Tester → Get Many, Return All) vs the Prefinery Catch-Up Trigger, side by side, on a virtual clock.
// A waitlist of N testers (oldest-first, as the mock API lists them) gets 1,000 sign-ups a day, one every
// 86.4 s; both are polled every 15 minutes for a simulated day; from 12:00 to 13:00 the webhook misses
// everything (the gap). Reported per design and size:
//   - tester-list requests in the day, and as a share of the 86,400 the per-project limit allows;
//   - recovery: from the gap's end (13:00) until every tester created in the gap has been emitted
//     (today: the Return All run that listed it has finished; the trigger: the poll that emitted it);
//   - the largest execution: items emitted by one run/poll, and their JSON bytes;
//   - memory: bytes held, measured as JSON bytes (today: the items one run holds until it ends; the
//     trigger: the planner's persisted state plus the pages one poll holds) — not RSS.
// Today's design is simulated (not the node): one tester-list request a second (60 a minute per project),
// shared round-robin by the runs under way (runs that overlap are counted: n8n's Schedule Trigger starts
// a run every 15 minutes whether or not the last one finished). The trigger is the built node
// (dist/nodes/PrefineryCatchUpTrigger) with its real rate limiter on the virtual clock; its HTTP helper
// answers from the simulated list in process (no server: 1,000,000 testers fit in memory that way).
// A variant "n8n down" has no poll and no run during the gap hour (runs under way at 12:00 are lost).
// Usage: npm run build && node bench/catchup.mjs [--sizes 10000,100000,1000000] [--json]
// Writes bench-results/catchup.json (see bench/results.mjs).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../harness/runtime.mjs';
import { writeResults } from './results.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
	options: {
		sizes: { type: 'string', default: '10000,100000,1000000' },
		json: { type: 'boolean', default: false },
		share: { type: 'string', default: '10' },
		batch: { type: 'string', default: '500' },
	},
});
const SIZES = values.sizes.split(',').map(Number);
const SHARE = Number(values.share);
const BATCH = Number(values.batch);
const { resetSharedRateLimiter } = require(join(ROOT, 'dist/lib/rate-limit.js'));
const { PrefineryCatchUpTrigger } = require(join(ROOT, 'dist/nodes/PrefineryCatchUpTrigger/PrefineryCatchUpTrigger.node.js'));
const { sweepPeriod, pagesPerDay } = require(join(ROOT, 'dist/lib/catch-up.js'));

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PER_PAGE = 25;
const SIGNUP_EVERY_MS = DAY / 1000;
const POLL_MS = 15 * MIN;
const GAP = { start: 12 * HOUR, end: 13 * HOUR };
const LIMIT_PER_DAY = 86_400;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A tester as the list returns it (the mock API's shape), about 1.3 kB of JSON. */
const PROFILE = Object.fromEntries(
	['first_name', 'last_name', 'gender', 'age', 'employer', 'jobtitle', 'telephone', 'ip', 'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'country', 'facebook_username', 'linkedin_username', 'twitter_username', 'http_referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'custom_var1', 'custom_var2', 'custom_var3'].map((k) => [k, null]),
);
function testerJson(id, createdMs) {
	const at = new Date(createdMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
	const code = `REF${id}`;
	return {
		id, project_id: 1, email: `user${id}@example.com`, status: 'applied', invitation_code: '', referral_code: code,
		imported_at: null, applied_at: at, invited_at: null, joined_at: null, unsubscribed_at: null,
		share_clicks_count: 0, share_signups_count: 0, friend_invitations_allowed: 5, friend_invitations_count: 0, friend_invitations_remaining: 5,
		share_link: `http://l.aunch.us/${code}`, share_status_link: `http://l.aunch.us/${code}?check=${id}`,
		waitlist_position: null, waitlist_ahead: null, waitlist_behind: null, waitlist_length: null, referred_by: null, game_code: null,
		groups: '', responses: [], profile: { ...PROFILE, first_name: 'Ada', utm_source: 'newsletter' }, created_at: at, updated_at: at,
	};
}
const TESTER_BYTES = Buffer.byteLength(JSON.stringify(testerJson(1_000_000, T0)));

/** The waitlist: N testers before the day, then one sign-up every 86.4 s (ids in creation order). */
function waitlist(n) {
	const firstId = 1001;
	return {
		firstId,
		initial: n,
		/** Testers that exist at virtual time t (ms since the day's start). */
		countAt: (t) => n + Math.max(0, Math.floor(t / SIGNUP_EVERY_MS) + (t >= 0 ? 1 : 0)),
		createdAt: (id) => (id - firstId < n ? -DAY : (id - firstId - n) * SIGNUP_EVERY_MS),
		gapIds() {
			const ids = [];
			for (let k = Math.ceil(GAP.start / SIGNUP_EVERY_MS); k * SIGNUP_EVERY_MS < GAP.end; k++) ids.push(firstId + n + k);
			return ids;
		},
	};
}

/** Today's design: Return All every 15 minutes, one request a second shared by the runs under way. */
function simulateToday(n, { down = false } = {}) {
	const list = waitlist(n);
	const gapIds = list.gapIds();
	const gapIndex = gapIds.map((id) => id - list.firstId);
	const firstGapPage = Math.floor(gapIndex[0] / PER_PAGE) + 1;
	const runs = [];
	let active = [];
	let requestsInDay = 0;
	let maxOverlap = 0;
	let largest = 0;
	let finishedInDay = 0;
	let peakHeld = 0;
	let largestUnfinished = 0;
	const emittedAt = new Map(); // gap tester → when a finished run emitted it
	const horizon = 4 * DAY;
	let rr = 0;
	for (let t = 0; t < horizon; t += 1000) {
		if (t % POLL_MS === 0 && t < DAY && !(down && t >= GAP.start && t < GAP.end)) {
			const run = { start: t, page: 1, readAt: new Map() };
			runs.push(run);
			active.push(run);
		}
		if (down && t === GAP.start) active = [];
		if (down && t >= GAP.start && t < GAP.end) continue;
		maxOverlap = Math.max(maxOverlap, active.length);
		if (t % MIN === 0) peakHeld = Math.max(peakHeld, active.reduce((sum, r) => sum + (r.page - 1) * PER_PAGE, 0));
		if (active.length === 0) {
			if (t >= DAY && gapIds.every((id) => emittedAt.has(id))) break;
			continue;
		}
		// One tester-list request this second: the next run in turn reads its next page.
		rr = rr % active.length;
		const run = active[rr];
		const total = list.countAt(t);
		if (t < DAY) requestsInDay += 1;
		if (run.page >= firstGapPage) run.readAt.set(run.page, t);
		const pages = Math.max(1, Math.ceil(total / PER_PAGE));
		if (run.page >= pages) {
			// Last page read: the run ends and emits everything it listed.
			const items = total;
			largest = Math.max(largest, items);
			if (t < DAY) finishedInDay += 1;
			gapIds.forEach((id, i) => {
				const readAt = run.readAt.get(Math.floor(gapIndex[i] / PER_PAGE) + 1);
				if (readAt !== undefined && readAt >= list.createdAt(id) && !emittedAt.has(id)) emittedAt.set(id, t);
			});
			active.splice(rr, 1);
		} else {
			run.page += 1;
			rr += 1;
		}
		if (t >= DAY && gapIds.every((id) => emittedAt.has(id))) break;
	}
	for (const run of active) largestUnfinished = Math.max(largestUnfinished, (run.page - 1) * PER_PAGE);
	const recovered = gapIds.every((id) => emittedAt.has(id));
	const recoveryMs = recovered ? Math.max(0, Math.max(...gapIds.map((id) => emittedAt.get(id))) - GAP.end) : null;
	return {
		requestsPerDay: requestsInDay,
		requestsAsked: runs.length * Math.ceil(n / PER_PAGE),
		shareOfLimit: requestsInDay / LIMIT_PER_DAY,
		runsStarted: runs.length,
		runsFinishedInDay: finishedInDay,
		maxOverlappingRuns: maxOverlap,
		recoveryMinutes: recoveryMs === null ? null : recoveryMs / MIN,
		recoveredWithinHours: recovered ? null : (4 * DAY - GAP.end) / HOUR,
		largestExecutionItems: Math.max(largest, largestUnfinished),
		largestExecutionUnfinished: largestUnfinished > largest,
		largestExecutionBytes: Math.max(largest, largestUnfinished) * TESTER_BYTES,
		memoryBytes: peakHeld * TESTER_BYTES,
		memoryMeasure: 'JSON bytes of the items the runs under way hold at once (peak, sampled each minute)',
	};
}

/** The Catch-Up trigger, the built node, polled every 15 minutes on the virtual clock. */
async function simulateTrigger(n, { down = false } = {}) {
	const list = waitlist(n);
	const gapIds = list.gapIds();
	let now = T0;
	const clock = {
		now: () => now,
		async sleep(ms) {
			now += ms;
			await new Promise((resolve) => setImmediate(resolve));
		},
	};
	resetSharedRateLimiter(clock);
	const trigger = new PrefineryCatchUpTrigger();
	const node = { id: 'catch-up', name: 'Prefinery Catch-Up Trigger', type: 'n8n-nodes-prefinery.prefineryCatchUpTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
	const staticData = {};
	const params = { project: '1', budgetShare: SHARE, batchSize: BATCH };
	let requests = 0;
	let pollBytes = 0;
	const ctx = {
		getNode: () => node,
		getMode: () => 'trigger',
		getWorkflow: () => ({ id: 'bench' }),
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => ({ apiKey: 'bench-key', baseUrl: 'https://api.prefinery.com/api/v2' }),
		getNodeParameter: (name, fallback) => params[name] ?? fallback,
		logger: { info() {}, warn() {}, debug() {}, error() {}, verbose() {} },
		helpers: {
			async httpRequestWithAuthentication(_type, options) {
				requests += 1;
				const total = list.countAt(now - T0);
				const pages = Math.max(1, Math.ceil(total / PER_PAGE));
				const page = Number(options.qs?.page ?? 1);
				const body = [];
				for (let i = (page - 1) * PER_PAGE; i < Math.min(total, page * PER_PAGE); i++) {
					const id = list.firstId + i;
					body.push(testerJson(id, T0 + list.createdAt(id)));
				}
				pollBytes += Buffer.byteLength(JSON.stringify(body));
				return { body, headers: { 'x-pagination': JSON.stringify({ current_page: page, per_page: PER_PAGE, count: body.length, pages, total_count: total }) }, statusCode: 200 };
			},
		},
	};
	const emittedAt = new Map();
	let largest = { items: 0, bytes: 0 };
	let maxPages = 0;
	let maxPollBytes = 0;
	let requestsInDay = 0;
	let stateBytes = 0;
	const wall0 = performance.now();
	for (let k = 0; ; k++) {
		const t = k * POLL_MS;
		if (t >= DAY && gapIds.every((id) => emittedAt.has(id))) break;
		if (t >= 4 * DAY) break;
		if (down && t >= GAP.start && t < GAP.end) continue;
		now = Math.max(now, T0 + t);
		const before = requests;
		pollBytes = 0;
		const out = await trigger.poll.call(ctx);
		const items = out ? out[0] : [];
		const read = requests - before;
		if (t < DAY) requestsInDay += read;
		maxPages = Math.max(maxPages, read);
		maxPollBytes = Math.max(maxPollBytes, pollBytes);
		stateBytes = Math.max(stateBytes, Buffer.byteLength(JSON.stringify(staticData)));
		const bytes = Buffer.byteLength(JSON.stringify(items.map((item) => item.json)));
		if (items.length > largest.items || (items.length === largest.items && bytes > largest.bytes)) largest = { items: items.length, bytes };
		for (const item of items) {
			const id = item.json.tester.id;
			if (id >= gapIds[0] && id <= gapIds[gapIds.length - 1] && !emittedAt.has(id)) emittedAt.set(id, now - T0);
		}
	}
	const recovered = gapIds.every((id) => emittedAt.has(id));
	const state = staticData.catchUp;
	return {
		requestsPerDay: requestsInDay,
		shareOfLimit: requestsInDay / LIMIT_PER_DAY,
		maxPagesInOnePoll: maxPages,
		recoveryMinutes: recovered ? Math.max(0, Math.max(...gapIds.map((id) => emittedAt.get(id))) - GAP.end) / MIN : null,
		largestExecutionItems: largest.items,
		largestExecutionBytes: largest.bytes,
		memoryBytes: stateBytes + maxPollBytes,
		memoryMeasure: 'JSON bytes: the persisted state plus the pages one poll holds',
		stateBytes,
		order: state?.order,
		sweepRoundsDone: state?.sweepRounds,
		sweepPageAtEnd: state?.sweepPage,
		wallSeconds: (performance.now() - wall0) / 1000,
	};
}

const results = { date: new Date().toISOString(), node: process.version, share: SHARE, batchSize: BATCH, signupsPerDay: 1000, pollMinutes: 15, gap: '12:00–13:00', testerBytes: TESTER_BYTES, sizes: {} };
for (const n of SIZES) {
	const wall0 = performance.now();
	const row = {
		today: simulateToday(n),
		trigger: await simulateTrigger(n),
		todayDown: simulateToday(n, { down: true }),
		triggerDown: await simulateTrigger(n, { down: true }),
		formula: {
			todayRequestsAsked: 96 * Math.ceil(n / PER_PAGE),
			triggerRequestsBound: pagesPerDay(SHARE),
			sweep: sweepPeriod(n, { sharePercent: SHARE, batchSize: BATCH, pollMinutes: 15 }),
		},
	};
	row.wallSeconds = (performance.now() - wall0) / 1000;
	results.sizes[n] = row;
}

const fmtPct = (x) => `${(x * 100).toFixed(1)} %`;
const fmtMin = (x, within) => (x === null ? `> ${within ?? 72} h` : x < 90 ? `${Math.round(x)} min` : `${(x / 60).toFixed(1)} h`);
const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);
const lines = [
	`Catch-up at scale (virtual clock; node ${results.node}; share ${SHARE} %, batch ${BATCH}, 1,000 sign-ups a day, every 15 minutes, webhook gap 12:00–13:00)`,
	'| testers | design | list requests / day | share of 86,400 | gap recovered after | largest execution | memory held | runs overlapping |',
	'|---|---|---|---|---|---|---|---|',
];
for (const [n, row] of Object.entries(results.sizes)) {
	const t = row.today;
	const c = row.trigger;
	lines.push(`| ${Number(n).toLocaleString('en')} | today (Return All) | ${t.requestsPerDay.toLocaleString('en')} (asks ≥ ${t.requestsAsked.toLocaleString('en')}) | ${fmtPct(t.shareOfLimit)} | ${fmtMin(t.recoveryMinutes, t.recoveredWithinHours)} (n8n down: ${fmtMin(row.todayDown.recoveryMinutes, row.todayDown.recoveredWithinHours)}) | ${t.largestExecutionItems.toLocaleString('en')} items${t.largestExecutionUnfinished ? ' (still listing)' : ''}, ${fmtBytes(t.largestExecutionBytes)} | ${fmtBytes(t.memoryBytes)} (items held by the runs under way) | up to ${t.maxOverlappingRuns} |`);
	lines.push(`| ${Number(n).toLocaleString('en')} | Catch-Up Trigger | ${c.requestsPerDay.toLocaleString('en')} | ${fmtPct(c.shareOfLimit)} | ${fmtMin(c.recoveryMinutes)} (n8n down: ${fmtMin(row.triggerDown.recoveryMinutes)}) | ${c.largestExecutionItems.toLocaleString('en')} items, ${fmtBytes(c.largestExecutionBytes)} | ${fmtBytes(c.memoryBytes)} (state ${c.stateBytes} B + one poll's pages) | never (one poll at a time) |`);
}
lines.push('');
for (const [n, row] of Object.entries(results.sizes)) {
	lines.push(`  ${Number(n).toLocaleString('en')}: sweep period by the formula ${row.formula.sweep.polls} polls (${row.formula.sweep.hours} h) at ${row.formula.sweep.pagesPerPoll} pages a poll; today's runs finished in the day: ${row.today.runsFinishedInDay} of ${row.today.runsStarted}; simulated in ${row.wallSeconds.toFixed(1)} s`);
}
const figures = {};
for (const [n, row] of Object.entries(results.sizes)) {
	// As docs/catch-up.md quotes them: requests a day, the share in %, minutes, items, kB.
	figures[`${n}.today.requestsPerDay`] = row.today.requestsPerDay;
	figures[`${n}.today.sharePercent`] = Number((row.today.shareOfLimit * 100).toFixed(2));
	figures[`${n}.today.largestExecutionItems`] = row.today.largestExecutionItems;
	figures[`${n}.trigger.requestsPerDay`] = row.trigger.requestsPerDay;
	figures[`${n}.trigger.sharePercent`] = Number((row.trigger.shareOfLimit * 100).toFixed(2));
	figures[`${n}.trigger.recoveryMinutes`] = row.trigger.recoveryMinutes;
	figures[`${n}.trigger.downRecoveryMinutes`] = row.triggerDown.recoveryMinutes;
	figures[`${n}.trigger.largestExecutionItems`] = row.trigger.largestExecutionItems;
	figures[`${n}.trigger.largestExecutionKB`] = Math.round(row.trigger.largestExecutionBytes / 1000);
}
const written = writeResults('catchup', {
	command: 'node bench/catchup.mjs',
	options: { sizes: SIZES, share: SHARE, batch: BATCH },
	comparable: values.sizes === '10000,100000,1000000' && SHARE === 10 && BATCH === 500,
	figures,
	result: results,
});
lines.push(`  ${written} written`, '');
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
else process.stdout.write(lines.join('\n'));
