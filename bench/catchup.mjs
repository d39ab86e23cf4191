#!/usr/bin/env node
// The Catch-Up Trigger over a simulated fortnight (issue 34, item 8), the new planner (0.3, lib/catch-up.ts,
// through the built node) beside the old one (0.2, the baseline: bench/catchup-0.2-planner.ts, the planner
// as it was at 34d1eb1, compiled here on the fly), measured in the same run, against a rate-limited mock of
// Prefinery's tester list on a virtual clock.
//
// The waitlist: N testers (1,000 / 10,000 / 100,000 / 1,000,000), listed oldest-first 25 a page with
// X-Pagination (as the mock API lists them), growing by 1 % of N a day (10 sign-ups a day at 1,000, 10,000
// at 1,000,000), evenly spaced. The mock computes each page on the fly from the clock (no tester is held,
// so 1,000,000 testers cost nothing to keep), and enforces Prefinery's tester-list limit: 60 requests a
// minute per project, a sliding window; a request over it is answered 429 and not carried out (no
// Retry-After, as Prefinery documents none). Every request that reaches it is counted as sent, 429s
// included.
//
// Each design polls every 15 minutes for 14 days from its activation at day 0 (the first poll). Week 1 is
// the activation week (The Whole Waitlist's backfill, or New Sign-Ups Only's nothing); week 2 (days 7–14)
// is a week in steady state: the figures per day are week 2's. On day 10 the workflow is unpublished for
// one hour (starting a minute before a sign-up, so every size has at least one in it: the webhook answered
// Prefinery 404 and nothing polls), then published again: its first poll runs at once (in the new node,
// the activation's poll with its 5-s bound), then every 15 minutes as before.
//
// Designs, each from the same simulated list:
//   - 0.2 (baseline): the old planner, driven as 0.2's node drove it (the state from static data, share,
//     batch, the clock; the pages through today's transport and rate limiter, the items shaped by today's
//     catchUpItem, so only the planner differs): a head above a watermark plus a sweep that re-lists the
//     whole waitlist all the time, starting with the backfill;
//   - 0.3, New Sign-Ups Only and The Whole Waitlist: the built node (dist/nodes/PrefineryCatchUpTrigger)
//     with its defaults: Safety Sweep Every 7 days, 10 % of the list budget, Batch Size 500.
// Reported per size and design:
//   - items emitted per tester per day (N testers; week 1 and week 2);
//   - list requests sent per day (week 2; 429s included, and the 429s of the whole run);
//   - the 1-hour gap: from the republish until the poll that emitted the gap's last sign-up;
//   - the largest execution: items, and the JSON bytes of their json (as n8n stores them, roughly);
//   - state bytes: JSON of the node's saved static data, the most over the run.
// The acceptance rule (issue 34): at 1,000 testers the items emitted a day are at most the new sign-ups
// plus the testers divided by the safety period in days. Checked here per week as whole counts: items in
// the week ≤ sign-ups in the week + testers at the week's start × 7 / 7 (PASS/FAIL printed, never thrown).
// Usage: npm run build && node bench/catchup.mjs [--sizes 1000,10000,100000,1000000] [--json]
// Writes bench-results/catchup.json (see bench/results.mjs).
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../harness/runtime.mjs';
import { writeResults, ratio } from './results.mjs';

const require = createRequire(import.meta.url);
const DEFAULT_SIZES = '1000,10000,100000,1000000';
const { values } = parseArgs({
	options: {
		sizes: { type: 'string', default: DEFAULT_SIZES },
		json: { type: 'boolean', default: false },
	},
});
const SIZES = values.sizes.split(',').map(Number);
const SHARE = 10;
const BATCH = 500;
const SWEEP_DAYS = 7;

const { resetSharedRateLimiter } = require(join(ROOT, 'dist/lib/rate-limit.js'));
const { PrefineryCatchUpTrigger, catchUpItem } = require(join(ROOT, 'dist/nodes/PrefineryCatchUpTrigger/PrefineryCatchUpTrigger.node.js'));
const { prefineryApiRequest, DEFAULT_MAX_WAIT_SECONDS } = require(join(ROOT, 'dist/nodes/shared/transport.js'));

/** The 0.2 planner (the baseline), compiled from its bench-only copy. */
function loadBaseline() {
	const ts = require('typescript');
	const source = readFileSync(join(ROOT, 'bench', 'catchup-0.2-planner.ts'), 'utf8');
	const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
	const file = join(mkdtempSync(join(tmpdir(), 'prefinery-bench-0.2-')), 'catch-up.js');
	writeFileSync(file, outputText);
	return require(file);
}
const baseline = loadBaseline();

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const PER_PAGE = 25;
const POLL_MS = 15 * MIN;
const DAYS = 14;
const SIGNUPS_PER_DAY_SHARE = 0.01;
const GAP_FROM = 10 * DAY + 12 * HOUR;
const GAP_MS = HOUR;
const LIST_LIMIT = { limit: 60, windowMs: MIN };
const T0 = Date.parse('2026-01-05T00:00:00Z');
const DESIGNS = [
	{ key: 'v02', label: '0.2 (baseline: sweeps all the time)' },
	{ key: 'newSignUps', label: '0.3, New Sign-Ups Only', startFrom: 'newSignUps' },
	{ key: 'wholeWaitlist', label: '0.3, The Whole Waitlist', startFrom: 'wholeWaitlist' },
];

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

/**
 * The waitlist: N testers before day 0 (ids 1001…), then a sign-up every `every` ms (ids in creation
 * order). Nothing is stored: a page is computed from the time it is read.
 */
function waitlist(n) {
	const firstId = 1001;
	const every = DAY / (n * SIGNUPS_PER_DAY_SHARE);
	const signupsBy = (t) => (t < every ? 0 : Math.floor(t / every)); // sign-ups k = 1, 2, … at k × every
	const gapStart = Math.ceil(GAP_FROM / every) * every - MIN;
	return {
		firstId,
		every,
		countAt: (t) => n + signupsBy(t),
		signupsBy,
		createdAt: (id) => (id - firstId < n ? -(n - (id - firstId)) * MIN : (id - firstId - n + 1) * every),
		gap: { start: gapStart, end: gapStart + GAP_MS },
		/** Ids of the sign-ups in [a, b). */
		idsIn(a, b) {
			const from = firstId + n + (Math.ceil(a / every) - 1);
			const to = firstId + n + (Math.ceil(b / every) - 1);
			return [Math.max(from, firstId + n), to];
		},
	};
}

/** The poll times: every 15 minutes for 14 days, none while unpublished, one at the republish. */
function schedule(gap) {
	const times = [];
	for (let t = 0; t < DAYS * DAY; t += POLL_MS) if (!(t >= gap.start && t < gap.end)) times.push({ t, activate: t === 0 });
	times.push({ t: gap.end, activate: true });
	return times.sort((a, b) => a.t - b.t);
}

async function simulate(n, design) {
	const list = waitlist(n);
	let now = T0;
	const clock = {
		now: () => now,
		async sleep(ms) {
			now += ms;
			await new Promise((resolve) => setImmediate(resolve));
		},
	};
	resetSharedRateLimiter(clock);
	const mock = { sent: 0, rateLimited: 0, log: [] };
	const helpers = {
		async httpRequestWithAuthentication(_type, options) {
			mock.sent += 1;
			const t = now;
			while (mock.log.length > 0 && mock.log[0] <= t - LIST_LIMIT.windowMs) mock.log.shift();
			if (mock.log.length >= LIST_LIMIT.limit) {
				mock.rateLimited += 1;
				return { body: { error: 'Rate limit exceeded. Please retry later.' }, headers: {}, statusCode: 429 };
			}
			mock.log.push(t);
			const total = list.countAt(now - T0);
			const pages = Math.max(1, Math.ceil(total / PER_PAGE));
			const page = Number(options.qs?.page ?? 1);
			const body = [];
			for (let i = (page - 1) * PER_PAGE; i < Math.min(total, page * PER_PAGE); i++) {
				const id = list.firstId + i;
				body.push(testerJson(id, T0 + list.createdAt(id)));
			}
			return { body, headers: { 'x-pagination': JSON.stringify({ current_page: page, per_page: PER_PAGE, count: body.length, pages, total_count: total }) }, statusCode: 200 };
		},
	};
	const node = { id: `catch-up-${design.key}`, name: 'Prefinery Catch-Up Trigger', type: 'n8n-nodes-prefinery.prefineryCatchUpTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
	const staticData = {};
	const params = { project: '1', budgetShare: SHARE, batchSize: BATCH, safetySweepDays: SWEEP_DAYS, startFrom: design.startFrom ?? 'newSignUps' };
	const workflow = { id: `bench-${n}-${design.key}` };
	/** A poll context: n8n makes a new one at each activation and reuses it for the polls after. */
	const context = () => ({
		getNode: () => node,
		getMode: () => 'trigger',
		getWorkflow: () => workflow,
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => ({ apiKey: 'bench-key', baseUrl: 'https://api.prefinery.com/api/v2' }),
		getNodeParameter: (name, fallback) => params[name] ?? fallback,
		logger: { info() {}, warn() {}, debug() {}, error() {}, verbose() {} },
		helpers,
	});
	const trigger = new PrefineryCatchUpTrigger();
	/** 0.2's node poll (34d1eb1), with the baseline planner. */
	async function pollV02() {
		const path = '/betas/1/testers';
		const fetchPage = async (page) => {
			const response = await prefineryApiRequest.call(this, 'GET', path, undefined, { page }, { maxWaitMs: DEFAULT_MAX_WAIT_SECONDS * 1000 });
			if (!Array.isArray(response.body)) throw new Error(`not a list: ${response.statusCode}`);
			return { testers: response.body, pagination: baseline.paginationOf(response.paginationHeader) };
		};
		const outcome = await baseline.catchUpPoll(baseline.readState(staticData.catchUp), { sharePercent: SHARE, batchSize: BATCH, now: clock.now() }, fetchPage);
		staticData.catchUp = outcome.state;
		// 0.2's node shaped each tester with catchUpItem here; the bench shapes them only to weigh an
		// execution (below), which is the same bytes and spares a second of CPU per 100,000 items.
		return outcome.testers;
	}

	const maxId = list.firstId + list.countAt(DAYS * DAY + DAY) + 10;
	const times = [new Uint16Array(maxId), new Uint16Array(maxId)];
	const weeks = [0, 1].map(() => ({ items: 0, sent: 0, polls: 0 }));
	const [gapLo, gapHi] = list.idsIn(list.gap.start, list.gap.end);
	let gapLeft = gapHi - gapLo;
	let gapDoneAt = null;
	let largest = { items: 0, bytes: 0, digits: 0 };
	let stateBytes = 0;
	let ctx = null;
	let errors = 0;
	const wall0 = performance.now();
	for (const { t, activate } of schedule(list.gap)) {
		if (activate) ctx = context();
		now = Math.max(now, T0 + t);
		const week = t < WEEK ? 0 : 1;
		const sentBefore = mock.sent;
		/** The testers emitted, and the execution's items (json) to weigh. */
		let testers = [];
		let shape = () => [];
		try {
			if (design.key === 'v02') {
				testers = await pollV02.call(ctx);
				shape = () => testers.map((tester) => catchUpItem(tester, '1'));
			} else {
				const out = await trigger.poll.call(ctx);
				const items = out ? out[0] : [];
				testers = items.map((item) => item.json.tester);
				shape = () => items.map((item) => item.json);
			}
		} catch {
			errors += 1;
		}
		const items = testers;
		weeks[week].sent += mock.sent - sentBefore;
		weeks[week].items += items.length;
		weeks[week].polls += 1;
		const count = times[week];
		for (const tester of items) {
			const id = tester.id;
			count[id] += 1;
			if (id >= gapLo && id < gapHi && times[1][id] === 1 && (week === 0 || times[0][id] === 0)) {
				gapLeft -= 1;
				if (gapLeft === 0) gapDoneAt = now - T0;
			}
		}
		// An item's bytes depend only on its id's digits here (every other field has a fixed length), so an
		// execution no larger and with no more digits than the largest measured cannot be larger in bytes.
		let digits = 0;
		for (const tester of items) digits += String(tester.id).length;
		if (items.length > largest.items || (items.length === largest.items && digits > largest.digits)) {
			const bytes = Buffer.byteLength(JSON.stringify(shape()));
			if (items.length > largest.items || bytes > largest.bytes) largest = { items: items.length, bytes, digits };
		}
		stateBytes = Math.max(stateBytes, Buffer.byteLength(JSON.stringify(staticData)));
	}
	const maxTimes = (arr) => arr.reduce((m, x) => (x > m ? x : m), 0);
	const signups = [list.signupsBy(WEEK) - list.signupsBy(0), list.signupsBy(2 * WEEK) - list.signupsBy(WEEK)];
	const testersAtStart = [list.countAt(0), list.countAt(WEEK)];
	const rule = [0, 1].map((w) => {
		const bound = signups[w] + (testersAtStart[w] * 7) / SWEEP_DAYS;
		return { items: weeks[w].items, signups: signups[w], testersAtStart: testersAtStart[w], bound, pass: weeks[w].items <= bound };
	});
	return {
		weeks: weeks.map((w, i) => ({ ...w, itemsPerDay: w.items / 7, itemsPerTesterDay: w.items / 7 / n, requestsPerDay: w.sent / 7, maxTimesOneTester: maxTimes(times[i]) })),
		rateLimited: mock.rateLimited,
		sent: mock.sent,
		errors,
		gap: { start: list.gap.start, end: list.gap.end, signups: gapHi - gapLo, recoveredMinutes: gapDoneAt === null ? null : (gapDoneAt - list.gap.end) / MIN },
		largestExecutionItems: largest.items,
		largestExecutionBytes: largest.bytes,
		stateBytes,
		state: staticData.catchUp ? { order: staticData.catchUp.order, sweepRounds: staticData.catchUp.sweepRounds } : null,
		rule,
		wallSeconds: (performance.now() - wall0) / 1000,
	};
}

const results = { date: new Date().toISOString(), node: process.version, share: SHARE, batchSize: BATCH, sweepDays: SWEEP_DAYS, signupsPerDayShareOfTesters: SIGNUPS_PER_DAY_SHARE, pollMinutes: 15, days: DAYS, sizes: {} };
for (const n of SIZES) {
	const row = {};
	for (const design of DESIGNS) row[design.key] = await simulate(n, design);
	results.sizes[n] = row;
}

const en = (x) => Math.round(x).toLocaleString('en');
const fmtRate = (x) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));
const fmtMin = (x) => (x === null ? 'not in the run' : x < 90 ? `${Math.round(x)} min` : `${(x / 60).toFixed(1)} h`);
const fmtBytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(0)} kB`);
const lines = [
	`The Catch-Up Trigger over a simulated fortnight (virtual clock; node ${results.node}; every 15 minutes, share ${SHARE} %, batch ${BATCH}, Safety Sweep Every ${SWEEP_DAYS} days; sign-ups 1 % of N a day; unpublished for 1 hour on day 10)`,
	'| testers | design | items / tester / day, week 1 → week 2 | list requests sent / day (week 2) | 429s | 1-hour gap caught up after | largest execution | state |',
	'|---|---|---|---|---|---|---|---|',
];
for (const [n, row] of Object.entries(results.sizes)) {
	for (const design of DESIGNS) {
		const r = row[design.key];
		lines.push(`| ${en(Number(n))} | ${design.label} | ${fmtRate(r.weeks[0].itemsPerTesterDay)} → ${fmtRate(r.weeks[1].itemsPerTesterDay)} | ${en(r.weeks[1].requestsPerDay)} | ${r.rateLimited} | ${fmtMin(r.gap.recoveredMinutes)} (${r.gap.signups} sign-up${r.gap.signups === 1 ? '' : 's'}) | ${en(r.largestExecutionItems)} items, ${fmtBytes(r.largestExecutionBytes)} | ${r.stateBytes} B |`);
	}
}
lines.push('');
for (const [n, row] of Object.entries(results.sizes)) {
	const [a, b] = [row.v02.weeks[1].items, row.newSignUps.weeks[1].items];
	lines.push(`  ${en(Number(n))}: week 2 items, 0.2 / 0.3 New Sign-Ups Only = ${en(a)} / ${en(b)} = ${(a / Math.max(1, b)).toFixed(1)}×; requests ${en(row.v02.weeks[1].sent)} / ${en(row.newSignUps.weeks[1].sent)}; most times one tester came in week 2: 0.2 ${row.v02.weeks[1].maxTimesOneTester}, 0.3 ${row.newSignUps.weeks[1].maxTimesOneTester}; polls that failed: ${DESIGNS.map((d) => row[d.key].errors).join(', ')}; simulated in ${DESIGNS.map((d) => row[d.key].wallSeconds.toFixed(1)).join(' + ')} s`);
}
lines.push('', 'The rule (issue 34): items emitted ≤ new sign-ups + testers × 7 / Safety Sweep Every (days), per week (testers at the week\'s start):');
for (const [n, row] of Object.entries(results.sizes)) {
	for (const design of DESIGNS) {
		const r = row[design.key];
		const verdicts = r.rule.map((x, w) => `week ${w + 1}: ${en(x.items)} ≤ ${en(x.signups)} + ${en(x.testersAtStart)} = ${en(x.bound)}? ${x.pass ? 'PASS' : 'FAIL'}`);
		const acceptance = Number(n) === 1000 && design.key !== 'v02' ? ' (the acceptance check)' : design.key === 'v02' ? ' (the baseline, for comparison)' : '';
		lines.push(`  ${en(Number(n))} ${design.label}: ${verdicts.join('; ')}${acceptance}`);
	}
}
const acceptance = results.sizes[1000] ? DESIGNS.filter((d) => d.key !== 'v02').every((d) => results.sizes[1000][d.key].rule.every((x) => x.pass)) : null;
if (acceptance !== null) lines.push(`  Acceptance at 1,000 testers (0.3, both Start From, both weeks): ${acceptance ? 'PASS' : 'FAIL'}`);

const figures = {};
for (const [n, row] of Object.entries(results.sizes)) {
	for (const design of DESIGNS) {
		const r = row[design.key];
		const k = `${n}.${design.key}`;
		figures[`${k}.itemsPerTesterDay`] = ratio(r.weeks[1].itemsPerTesterDay);
		figures[`${k}.itemsPerTesterDayWeek1`] = ratio(r.weeks[0].itemsPerTesterDay);
		figures[`${k}.itemsPerDay`] = Math.round(r.weeks[1].itemsPerDay);
		figures[`${k}.requestsPerDay`] = Math.round(r.weeks[1].requestsPerDay);
		figures[`${k}.rateLimited`] = r.rateLimited;
		figures[`${k}.gapRecoveryMinutes`] = r.gap.recoveredMinutes;
		figures[`${k}.largestExecutionItems`] = r.largestExecutionItems;
		figures[`${k}.largestExecutionKB`] = Math.round(r.largestExecutionBytes / 1000);
		figures[`${k}.stateBytes`] = r.stateBytes;
		figures[`${k}.rulePass`] = r.rule.every((x) => x.pass) ? 1 : 0;
		figures[`${k}.failedPolls`] = r.errors;
		figures[`${k}.itemsWeek1`] = r.weeks[0].items;
		figures[`${k}.itemsWeek2`] = r.weeks[1].items;
		figures[`${k}.maxTimesOneTesterWeek2`] = r.weeks[1].maxTimesOneTester;
	}
	figures[`${n}.gapSignups`] = row.newSignUps.gap.signups;
	figures[`${n}.signupsWeek1`] = row.newSignUps.rule[0].signups;
	figures[`${n}.signupsWeek2`] = row.newSignUps.rule[1].signups;
	figures[`${n}.testersAtWeek2`] = row.newSignUps.rule[1].testersAtStart;
	figures[`${n}.itemsRatioV02OverNewSignUps`] = ratio(row.v02.weeks[1].items / Math.max(1, row.newSignUps.weeks[1].items), 2);
	figures[`${n}.requestsRatioV02OverNewSignUps`] = ratio(row.v02.weeks[1].sent / Math.max(1, row.newSignUps.weeks[1].sent), 2);
}
if (acceptance !== null) figures['acceptance1000'] = acceptance ? 1 : 0;
const written = writeResults('catchup', {
	command: 'node bench/catchup.mjs',
	options: { sizes: SIZES },
	comparable: values.sizes === DEFAULT_SIZES,
	figures,
	result: results,
});
lines.push(`  ${written} written`, '');
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
else process.stdout.write(lines.join('\n'));
