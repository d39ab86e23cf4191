/**
 * The Catch-Up trigger's planner (lib/catch-up.ts): order detection, the head, the backfill and sweep,
 * the budget and the batch bound, against an in-memory tester list (test/helpers/tester-list.ts) and,
 * once, against the mock Prefinery API over HTTP in each of its orders.
 */
import {
	allowanceFor,
	catchUpPoll,
	initialState,
	newestTester,
	pagesPerDay,
	paginationOf,
	sweepPeriod,
	testerId,
	type CatchUpState,
	type PollOutcome,
} from '../lib/catch-up';
import { testerList, type TesterList } from './helpers/tester-list';
import { startMockPrefineryApi, type MockTesterOrder } from './support/mock-prefinery-api';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

interface Run {
	state: CatchUpState | null;
	now: number;
	outcomes: PollOutcome[];
	/** Every id emitted, with how often, by the head and by the sweep. */
	head: Map<number, number>;
	sweep: Map<number, number>;
}

function runner(): Run {
	return { state: null, now: T0, outcomes: [], head: new Map(), sweep: new Map() };
}

async function poll(run: Run, list: TesterList, options: { share?: number; batch?: number; minutes?: number } = {}) {
	if (run.state !== null) run.now += (options.minutes ?? 15) * MIN;
	const outcome = await catchUpPoll(run.state, { sharePercent: options.share ?? 10, batchSize: options.batch ?? 500, now: run.now }, list.fetchPage);
	run.state = outcome.state;
	run.outcomes.push(outcome);
	expect(outcome.testers.length).toBe(outcome.fromHead + outcome.fromSweep);
	expect(outcome.testers.length).toBeLessThanOrEqual(options.batch ?? 500);
	expect(outcome.pagesRead).toBeLessThanOrEqual(outcome.allowance);
	const ids = outcome.testers.map((t) => testerId(t) as number);
	expect([...ids].sort((a, b) => a - b)).toEqual(ids); // oldest first
	expect(new Set(ids).size).toBe(ids.length);
	// The head's testers are the newest of the poll (above the old watermark), the sweep's the rest.
	const headIds = ids.slice(ids.length - outcome.fromHead);
	for (const id of ids) {
		const map = headIds.includes(id) ? run.head : run.sweep;
		map.set(id, (map.get(id) ?? 0) + 1);
	}
	return outcome;
}

const emittedAll = (run: Run) => new Set([...run.head.keys(), ...run.sweep.keys()]);

describe('catch-up planner: budget arithmetic', () => {
	it('allows share × 60 pages a minute since the last poll; the first poll as if 15 minutes; at most an hour', () => {
		const opts = { sharePercent: 10, batchSize: 500, now: T0 };
		expect(allowanceFor(null, opts).pages).toBe(90);
		const state = { ...initialState(), lastPollAt: T0 };
		expect(allowanceFor(state, { ...opts, now: T0 + 5 * MIN }).pages).toBe(30);
		expect(allowanceFor(state, { ...opts, now: T0 + 15 * MIN }).pages).toBe(90);
		expect(allowanceFor(state, { ...opts, now: T0 + 24 * 60 * MIN }).pages).toBe(360);
		expect(allowanceFor(state, { ...opts, sharePercent: 50, now: T0 + 15 * MIN }).pages).toBe(450);
		// 1 % every minute: 0.6 pages; the fraction is carried, whole unused pages are not.
		const a = allowanceFor(state, { ...opts, sharePercent: 1, now: T0 + MIN });
		expect(a.pages).toBe(0);
		expect(a.carry).toBeCloseTo(0.6);
		const b = allowanceFor({ ...state, credit: a.carry, lastPollAt: T0 + MIN }, { ...opts, sharePercent: 1, now: T0 + 2 * MIN });
		expect(b.pages).toBe(1);
		expect(b.carry).toBeCloseTo(0.2);
		expect(pagesPerDay(10)).toBe(8640);
	});

	it('quotes the sweep period: 100,000 testers, 10 %, batch 500, every 15 minutes → 20 pages a poll, 200 polls', () => {
		expect(sweepPeriod(100_000, { sharePercent: 10, batchSize: 500, pollMinutes: 15 })).toEqual({ pagesPerPoll: 20, polls: 200, hours: 50 });
		expect(sweepPeriod(10_000, { sharePercent: 10, batchSize: 500, pollMinutes: 15 }).hours).toBe(5);
	});

	it('reads X-Pagination pages and total_count', () => {
		expect(paginationOf('{"pages":4,"total_count":"90","count":25}')).toEqual({ pages: 4, total_count: 90 });
		expect(paginationOf('not json')).toEqual({ pages: null, total_count: null });
		expect(paginationOf(undefined)).toEqual({ pages: null, total_count: null });
	});
});

describe.each(['newest-first', 'oldest-first'] as const)('catch-up planner, %s list', (order) => {
	it('detects the order; the first poll sets the watermark to the newest and backfills over several polls', async () => {
		const list = testerList(300, order);
		const run = runner();
		const first = await poll(run, list, { batch: 100 });
		expect(first.state.order).toBe(order);
		expect(first.state.watermark).toBe(1300);
		expect(first.fromHead).toBe(0);
		expect(first.testers.length).toBeLessThanOrEqual(100);
		for (let i = 0; i < 5; i++) await poll(run, list, { batch: 100 });
		expect(emittedAll(run)).toEqual(new Set(list.ids));
		expect(run.state?.sweepRounds).toBeGreaterThanOrEqual(1);
		expect(run.outcomes.some((o) => o.notes.some((n) => n.includes('backfill complete')))).toBe(true);
		// With nothing new, a poll's head costs one page.
		const quiet = await catchUpPoll(run.state, { sharePercent: 10, batchSize: 25, now: run.now + 15 * MIN }, list.fetchPage);
		expect(quiet.fromHead).toBe(0);
		expect(quiet.pagesRead).toBeLessThanOrEqual(2); // the head's page + one sweep page
	});

	it('catches up a gap larger than the batch over polls, each new tester emitted once by the head', async () => {
		const list = testerList(100, order);
		const run = runner();
		for (let i = 0; i < 3; i++) await poll(run, list, { batch: 50 });
		const added = list.add(130);
		const heads: number[] = [];
		for (let i = 0; i < 3; i++) heads.push((await poll(run, list, { batch: 50 })).fromHead);
		expect(heads).toEqual([50, 50, 30]);
		for (const id of added) expect(run.head.get(id)).toBe(1);
		expect([...run.head.keys()].sort((a, b) => a - b)).toEqual(added);
		expect(run.state?.watermark).toBe(added[added.length - 1]);
	});

	it('a gap far beyond one poll\'s allowance (20,000 sign-ups) is caught up without re-reading it each poll', async () => {
		const list = testerList(500, order);
		const run = runner();
		for (let i = 0; i < 2; i++) await poll(run, list, { batch: 5000 });
		const added = list.add(20_000);
		let polls = 0;
		while ((run.state?.watermark ?? 0) < added[added.length - 1] && polls < 20) {
			const o = await poll(run, list, { batch: 5000 });
			polls += 1;
			// Pages spent locating the watermark stay small: the rest go to new testers.
			if (o.notes.some((n) => n.includes('allowance spent'))) expect(o.fromHead).toBeGreaterThanOrEqual((o.pagesRead - 3) * 25);
		}
		for (const id of added) expect(run.head.get(id)).toBe(1);
		expect(polls).toBeLessThanOrEqual(Math.ceil(20_000 / (90 * 25)) + 2);
	});

	it('deletions before and after the watermark do not lose or repeat a new tester', async () => {
		const list = testerList(120, order);
		const run = runner();
		for (let i = 0; i < 2; i++) await poll(run, list);
		const added = list.add(60);
		for (const id of [1001, 1010, 1050, 1119, 1120]) list.remove(id); // older than the watermark
		list.remove(added[5]); // new, deleted before it was seen
		await poll(run, list, { batch: 25 });
		for (const id of [1002, 1030]) list.remove(id);
		list.remove(added[40]);
		for (let i = 0; i < 4; i++) await poll(run, list, { batch: 25 });
		const expected = added.filter((id) => id !== added[5] && id !== added[40]);
		for (const id of expected) expect(run.head.get(id)).toBe(1);
		expect(run.head.has(added[5])).toBe(false);
	});

	it('sign-ups during a poll never make the head skip a tester', async () => {
		const list = testerList(60, order);
		const run = runner();
		await poll(run, list);
		await poll(run, list);
		const added = list.add(200);
		let n = 0;
		list.beforeFetch = () => {
			n += 1;
			if (n % 2 === 0) added.push(...list.add(1));
		};
		for (let i = 0; i < 12; i++) await poll(run, list, { batch: 50 });
		list.beforeFetch = undefined;
		for (let i = 0; i < 3; i++) await poll(run, list, { batch: 50 });
		for (const id of added) expect(run.head.get(id)).toBe(1);
	});

	it('an empty list, then the first sign-ups', async () => {
		const list = testerList(0, order);
		const run = runner();
		const first = await poll(run, list);
		expect(first.testers).toEqual([]);
		expect(first.state.watermark).toBeNull();
		const added = list.add(40);
		await poll(run, list);
		await poll(run, list);
		expect(emittedAll(run)).toEqual(new Set(added));
	});
});

describe('catch-up planner, unordered list', () => {
	it('a shuffled list is detected as unordered and swept: every tester emitted within a round', async () => {
		const list = testerList(400, 'shuffled');
		const run = runner();
		const first = await poll(run, list, { batch: 100 });
		expect(first.state.order).toBe('unordered');
		for (let i = 0; i < 4; i++) await poll(run, list, { batch: 100 });
		expect(emittedAll(run)).toEqual(new Set(list.ids));
		expect(run.head.size).toBe(0);
		const added = list.add(30);
		for (let i = 0; i < 5; i++) await poll(run, list, { batch: 100 });
		for (const id of added) expect(emittedAll(run).has(id)).toBe(true);
		expect(run.state?.order).toBe('unordered');
	});

	it('an order that flips mid-way is noticed, falls back to the sweep, and is taken back after a whole monotonic round', async () => {
		const list = testerList(200, 'oldest-first');
		const run = runner();
		for (let i = 0; i < 3; i++) await poll(run, list, { batch: 100 });
		expect(run.state?.order).toBe('oldest-first');
		list.order = 'newest-first';
		const added = list.add(20);
		const flipped = await poll(run, list, { batch: 100 });
		expect(flipped.state.order).toBe('unordered');
		expect(flipped.warnings.join()).toMatch(/no longer oldest-first/);
		for (let i = 0; i < 4; i++) await poll(run, list, { batch: 100 });
		for (const id of added) expect(emittedAll(run).has(id)).toBe(true);
		expect(run.state?.order).toBe('newest-first');
		const later = list.add(10);
		await poll(run, list, { batch: 100 });
		for (const id of later) expect(run.head.get(id)).toBe(1);
	});

	it('a list without X-Pagination is swept until a short page', async () => {
		const list = testerList(70, 'oldest-first');
		const fetchPage = async (page: number) => ({ testers: (await list.fetchPage(page)).testers, pagination: undefined });
		let state: CatchUpState | null = null;
		const seen = new Set<number>();
		for (let i = 0; i < 3; i++) {
			const o: PollOutcome = await catchUpPoll(state, { sharePercent: 10, batchSize: 50, now: T0 + i * 15 * MIN }, fetchPage);
			if (i === 0) expect(o.warnings.join()).toMatch(/no X-Pagination/);
			state = o.state;
			for (const t of o.testers) seen.add(testerId(t) as number);
		}
		expect(seen).toEqual(new Set(list.ids));
	});
});

describe('catch-up planner: budget and batch over a simulated day', () => {
	it.each([
		[10, 500],
		[1, 100],
	])('share %i %%, batch %i: pages per poll ≤ allowance, per day ≤ share × 86,400; no poll over the batch', async (share, batch) => {
		const list = testerList(20_000, 'newest-first');
		const run = runner();
		let pages = 0;
		for (let i = 0; i < 96; i++) {
			if (i > 0) list.add(10);
			const o = await poll(run, list, { share, batch });
			pages += o.pagesRead;
		}
		expect(pages).toBeLessThanOrEqual(pagesPerDay(share));
		expect(Math.max(...run.outcomes.map((o) => o.testers.length))).toBeLessThanOrEqual(batch);
		// Every sign-up of the day was emitted by the head, once.
		const newIds = list.ids.filter((id) => id > 21_000);
		for (const id of newIds) expect(run.head.get(id)).toBe(1);
	});

	it('a poll after a day away (n8n down) reads at most an hour\'s worth and catches up within two polls', async () => {
		const list = testerList(5000, 'oldest-first');
		const run = runner();
		for (let i = 0; i < 2; i++) await poll(run, list);
		const added = list.add(1000);
		const back = await poll(run, list, { minutes: 24 * 60 });
		expect(back.allowance).toBe(360);
		await poll(run, list);
		for (const id of added) expect(run.head.get(id)).toBe(1);
	});
});

describe('catch-up planner: manual mode', () => {
	it.each(['newest-first', 'oldest-first', 'shuffled'] as const)('newestTester finds the newest of a %s list in at most 2 pages', async (order) => {
		const list = testerList(130, order);
		expect(testerId((await newestTester(list.fetchPage)) as Record<string, unknown>)).toEqual(order === 'shuffled' ? expect.any(Number) : 1130);
		expect(list.fetches).toBeLessThanOrEqual(2);
	});
});

describe('catch-up planner against the mock Prefinery API (HTTP)', () => {
	it.each(['oldest-first', 'newest-first', 'shuffled'] as MockTesterOrder[])('%s: detected, and every tester emitted once the backfill is done', async (testerOrder) => {
		const api = await startMockPrefineryApi({ testers: 110, testerOrder });
		try {
			const fetchPage = async (page: number) => {
				const response = await fetch(`${api.url}/betas/1/testers?page=${page}`, { headers: { Authorization: `Bearer ${api.apiKey}` } });
				return { testers: (await response.json()) as Array<Record<string, unknown>>, pagination: paginationOf(response.headers.get('x-pagination')) };
			};
			let state: CatchUpState | null = null;
			const seen = new Set<number>();
			for (let i = 0; i < 3; i++) {
				const o: PollOutcome = await catchUpPoll(state, { sharePercent: 10, batchSize: 50, now: T0 + i * 15 * MIN }, fetchPage);
				state = o.state;
				for (const t of o.testers) seen.add(testerId(t) as number);
			}
			expect(state?.order).toBe(testerOrder === 'shuffled' ? 'unordered' : testerOrder);
			expect(seen).toEqual(new Set((api.state.testers.get(1) ?? []).map((t) => t.id)));
		} finally {
			await api.close();
		}
	});
});
