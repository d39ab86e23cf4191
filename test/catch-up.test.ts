/**
 * The Catch-Up trigger's planner (lib/catch-up.ts): order detection, the head, the backfill and sweep,
 * the budget and the batch bound, against an in-memory tester list (test/helpers/tester-list.ts) and,
 * once, against the mock Prefinery API over HTTP in each of its orders.
 */
import { parsePagination } from '../lib/api';
import {
	allowanceFor,
	catchUpPoll,
	DAY_MS,
	initialState,
	newestTester,
	pagesPerDay,
	readState,
	sweepPeriod,
	testerId,
	type CatchUpState,
	type PollOutcome,
	type StartFrom,
} from '../lib/catch-up';
import { hostileList, T_CREATED } from './catch-up-hostile-list';
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

	it('reads X-Pagination (one parser, lib/api.ts): count is the page\'s, totalCount the list\'s', () => {
		expect(parsePagination('{"pages":4,"total_count":"90","count":15}')).toMatchObject({ pages: 4, totalCount: 90, count: 15 });
		expect(parsePagination('{"pages":4,"total_count":90}')).toMatchObject({ totalCount: 90, count: null });
		expect(parsePagination('not json')).toMatchObject({ pages: null, totalCount: null });
	});
});

const added = (o: PollOutcome) => o.testers.map((t) => testerId(t) as number);

async function life(
	list: { fetchPage: TesterList['fetchPage'] },
	polls: number,
	options: { share?: number; batch?: number; startFrom?: StartFrom; since?: number; sweepDays?: number; between?: (poll: number) => void } = {},
) {
	const run = runner();
	const counts = new Map<number, number>();
	for (let i = 0; i < polls; i++) {
		if (run.state !== null) run.now += 15 * MIN;
		const o = await catchUpPoll(
			run.state,
			{
				sharePercent: options.share ?? 10,
				batchSize: options.batch ?? 500,
				now: run.now,
				project: '1',
				startFrom: options.startFrom ?? 'wholeWaitlist',
				since: options.since ?? null,
				sweepEveryMs: (options.sweepDays ?? 0) * DAY_MS,
			},
			list.fetchPage,
		);
		expect(o.failed).toBe(false);
		expect(o.testers.length).toBeLessThanOrEqual(options.batch ?? 500);
		run.state = o.state;
		run.outcomes.push(o);
		for (const id of added(o)) counts.set(id, (counts.get(id) ?? 0) + 1);
		options.between?.(i);
	}
	return { run, counts };
}

describe.each(['newest-first', 'oldest-first'] as const)('catch-up planner, %s list', (order) => {
	it('Start From "New Sign-Ups Only" (the default): the first poll emits nothing; each later sign-up comes once, by the head', async () => {
		const list = testerList(300, order);
		const run = runner();
		const first = await poll(run, list, { batch: 100 });
		expect(first.testers).toEqual([]);
		expect(first.state).toMatchObject({ order, watermark: 1300, settling: false, round: null, startFrom: 'newSignUps' });
		const fresh = list.add(130);
		for (let i = 0; i < 4; i++) await poll(run, list, { batch: 50 });
		for (const id of fresh) expect(run.head.get(id)).toBe(1);
		expect([...run.head.keys(), ...run.sweep.keys()].sort((a, b) => a - b)).toEqual(fresh);
		// Quiet: one page (newest-first) or a page and its check (oldest-first), nothing emitted.
		const quiet = await poll(run, list);
		expect(quiet.testers).toEqual([]);
		expect(quiet.pagesRead).toBeLessThanOrEqual(2);
	});

	it('"The Whole Waitlist": every tester once (the backfill), then only new sign-ups; no repeat without a safety sweep', async () => {
		const list = testerList(300, order);
		const { run, counts } = await life(list, 40, { batch: 100, between: (i) => list.add(i % 3) });
		expect(run.state?.sweepRounds).toBe(1);
		for (const id of list.ids) expect(counts.get(id)).toBe(1);
		expect(counts.size).toBe(list.ids.length);
	});

	it('the safety sweep re-lists each tester once a period, and not more', async () => {
		const list = testerList(120, order);
		// 15-minute polls for 3 days, a sweep every day: the backfill and 2 rounds.
		const { run, counts } = await life(list, 3 * 96, { batch: 50, sweepDays: 1 });
		expect(run.state?.sweepRounds).toBe(3);
		for (const id of list.ids) expect(counts.get(id)).toBe(3);
	});

	it('"Sign-Ups Since" a date: the testers created at or after it, then new sign-ups', async () => {
		const list = testerList(200, order);
		// testerList's testers all have one created_at; use the hostile list's (one minute per id).
		const hl = hostileList(200, { order });
		const since = T_CREATED + 1150 * MIN;
		const { counts } = await life(hl, 10, { batch: 100, startFrom: 'since', since });
		expect([...counts.keys()].sort((a, b) => a - b)).toEqual(hl.ids.filter((id) => id >= 1150));
		void list;
	});

	it('a gap larger than the batch is caught up over polls, each new tester once', async () => {
		const list = testerList(100, order);
		const run = runner();
		await poll(run, list, { batch: 50 });
		const fresh = list.add(130);
		const heads: number[] = [];
		for (let i = 0; i < 3; i++) heads.push((await poll(run, list, { batch: 50 })).fromHead);
		expect(heads).toEqual([50, 50, 30]);
		for (const id of fresh) expect(run.head.get(id)).toBe(1);
	});

	it('20,000 sign-ups while away: found without re-reading the gap, within the allowance', async () => {
		const list = testerList(500, order);
		const run = runner();
		await poll(run, list, { batch: 5000 });
		const fresh = list.add(20_000);
		let polls = 0;
		while ((run.state?.watermark ?? 0) < fresh[fresh.length - 1] && polls < 40) {
			await poll(run, list, { batch: 5000 });
			polls += 1;
		}
		for (const id of fresh) expect(run.head.get(id)).toBe(1);
		// 800 pages, each walked with its check (2 requests), at 90 a poll less the search for the watermark.
		expect(polls).toBeLessThanOrEqual(Math.ceil((2 * 800) / (90 - 20)) + 2); // 20: a search over 800 pages
	});

	it('sign-ups and deletions during a poll never make the head skip or repeat a tester', async () => {
		const list = testerList(60, order);
		const run = runner();
		await poll(run, list);
		const fresh = list.add(200);
		let n = 0;
		list.beforeFetch = () => {
			n += 1;
			if (n % 5 === 0) fresh.push(...list.add(1));
			if (n % 7 === 0) list.remove(list.ids[n % 50]);
		};
		for (let i = 0; i < 12; i++) await poll(run, list, { batch: 50 });
		list.beforeFetch = undefined;
		for (let i = 0; i < 10 && (run.state?.watermark ?? 0) < fresh[fresh.length - 1]; i++) await poll(run, list, { batch: 50 });
		for (const id of fresh) if (list.ids.includes(id)) expect(run.head.get(id)).toBe(1);
		for (const count of run.head.values()) expect(count).toBe(1);
	});

	it('an empty list, then the first sign-ups', async () => {
		const list = testerList(0, order);
		const run = runner();
		const first = await poll(run, list);
		expect(first.testers).toEqual([]);
		expect(first.state.watermark).toBeNull();
		const fresh = list.add(40);
		await poll(run, list);
		await poll(run, list);
		expect(emittedAll(run)).toEqual(new Set(fresh));
	});
});

describe('catch-up planner: the review\'s hostile lists (issue 34, item 3)', () => {
	it.each([
		['no X-Pagination', 'none'],
		['X-Pagination with other keys', 'other-keys'],
		['pages one short', 'pages-1'],
		['pages one over', 'pages+1'],
		['total_count a constant lie', 'total-lie'],
		['total_count random', 'total-random'],
	] as const)('3,000 testers oldest-first, %s: 10 sign-ups after poll 3 all come within 3 polls, once', async (_name, header) => {
		const list = hostileList(3000, { order: 'oldest-first', header });
		let fresh: number[] = [];
		const firstSeen = new Map<number, number>();
		const { counts } = await life(list, 10, {
			batch: 500,
			startFrom: 'newSignUps',
			between: (i) => {
				if (i === 2) fresh = list.add(10);
			},
		});
		void firstSeen;
		for (const id of fresh) expect(counts.get(id)).toBe(1);
		expect(counts.size).toBe(10);
	});

	it.each(['none', 'pages-1', 'pages+1'] as const)('newest-first, %s: 10 sign-ups after poll 3 come at the next poll', async (header) => {
		const list = hostileList(3000, { order: 'newest-first', header });
		let fresh: number[] = [];
		const { run, counts } = await life(list, 5, { startFrom: 'newSignUps', between: (i) => i === 2 && (fresh = list.add(10)) });
		expect(added(run.outcomes[3]).sort((a, b) => a - b)).toEqual(fresh);
		expect(counts.size).toBe(10);
	});

	it('a deletion and a sign-up between two page reads (total_count unchanged) do not slip a tester past the head', async () => {
		const list = hostileList(100, { order: 'oldest-first' });
		const run = runner();
		const o0 = await catchUpPoll(null, { sharePercent: 10, batchSize: 500, now: T0 }, list.fetchPage);
		const fresh = list.add(60); // the watermark (1100) is on page 4; the new ones on pages 5–7
		let reads = 0;
		list.beforeFetch = () => {
			reads += 1;
			if (reads === 3) {
				list.remove(1001); // everything slides back one place…
				fresh.push(...list.add(1)); // …and the total stays as it was
			}
		};
		const o1 = await catchUpPoll(o0.state, { sharePercent: 10, batchSize: 500, now: T0 + 15 * MIN }, list.fetchPage);
		list.beforeFetch = undefined;
		expect(added(o1)).toEqual(fresh);
		void run;
	});

	it('an order that flips (oldest-first → newest-first): warned, walked page by page, then the head again; nothing lost', async () => {
		const list = hostileList(200, { order: 'oldest-first' });
		let fresh: number[] = [];
		const { run, counts } = await life(list, 12, {
			batch: 100,
			startFrom: 'newSignUps',
			between: (i) => {
				if (i === 1) {
					list.order = 'newest-first';
					fresh = list.add(20);
				}
				if (i === 8) fresh.push(...list.add(5));
			},
		});
		expect(run.outcomes.some((o) => o.warnings.join().includes('no longer oldest-first'))).toBe(true);
		for (const id of fresh) expect(counts.get(id)).toBe(1);
		expect(run.state?.order).toBe('newest-first');
	});

	it('a shuffled list: new sign-ups come once each (no head: passes), nothing before Start From', async () => {
		const list = hostileList(400, { order: 'shuffled' });
		let fresh: number[] = [];
		const { run, counts } = await life(list, 12, { batch: 100, startFrom: 'newSignUps', between: (i) => i === 2 && (fresh = list.add(30)) });
		expect(run.state?.order).toBe('unordered');
		expect([...counts.keys()].sort((a, b) => a - b)).toEqual(fresh);
		for (const id of fresh) expect(counts.get(id)).toBe(1);
	});

	it('pages beyond the last repeat the last page (an API clamping ?page=): no loop, no repeat, the end is found', async () => {
		for (const order of ['oldest-first', 'newest-first'] as const) {
			const list = hostileList(130, { order, beyond: 'repeat-last', header: 'none' });
			let fresh: number[] = [];
			const { counts } = await life(list, 6, { batch: 100, startFrom: 'newSignUps', between: (i) => i === 1 && (fresh = list.add(40)) });
			for (const id of fresh) expect(counts.get(id)).toBe(1);
			expect(counts.size).toBe(40);
		}
	});

	it('a tester listed twice on its page: the list is walked page by page, that tester emitted once', async () => {
		const list = hostileList(60, { order: 'oldest-first', duplicates: new Set([1030]) });
		const { counts } = await life(list, 6, { batch: 100 });
		expect(counts.get(1030)).toBe(1);
		expect(counts.size).toBe(60);
	});

	it('issue 37: one page of 150,000 testers: each poll emits at most Batch Size, no stack overflow, all come once', async () => {
		const list = hostileList(150_000, { order: 'oldest-first', pageSize: 150_000 });
		const { run, counts } = await life(list, 4, { batch: 5000 });
		expect(run.outcomes.map((o) => o.testers.length)).toEqual([5000, 5000, 5000, 5000]);
		expect(counts.size).toBe(20_000);
		expect([...counts.values()].every((n) => n === 1)).toBe(true);
	});

	it('issue 37: a huge page in New Sign-Ups Only mode: the first poll emits nothing, later sign-ups at most Batch Size a poll', async () => {
		const list = hostileList(100_000, { order: 'newest-first', pageSize: 200_000 });
		let fresh: number[] = [];
		const { run, counts } = await life(list, 4, { batch: 500, startFrom: 'newSignUps', between: (i) => i === 0 && (fresh = list.add(700)) });
		expect(run.outcomes.map((o) => o.testers.length)).toEqual([0, 500, 200, 0]);
		for (const id of fresh) expect(counts.get(id)).toBe(1);
	});
});

describe('catch-up planner: state', () => {
	it('records the project and Start From: another project (or start) starts afresh', async () => {
		const list = testerList(50, 'oldest-first');
		const o = await catchUpPoll(null, { sharePercent: 10, batchSize: 500, now: T0, project: '1' }, list.fetchPage);
		expect(o.state).toMatchObject({ project: '1', startFrom: 'newSignUps' });
		expect(readState(o.state, { project: '1', startFrom: 'newSignUps' })).not.toBeNull();
		expect(readState(o.state, { project: '2', startFrom: 'newSignUps' })).toBeNull();
		expect(readState(o.state, { project: '1', startFrom: 'wholeWaitlist' })).toBeNull();
		expect(readState({ version: 1, order: 'oldest-first', sweepPage: 3, watermark: 1050 }, { project: '1' })).toBeNull();
	});

	it.each([1_000, 100_000, 1_000_000])('the state of an ordered list of %i testers stays under 400 bytes', async (n) => {
		const list = { fetchPage: virtualList(n).fetchPage };
		const { run } = await life(list, 3, { startFrom: 'wholeWaitlist' });
		expect(Buffer.byteLength(JSON.stringify(run.state))).toBeLessThan(400);
	});

	it('a poll out of time stops before its next request and keeps what it did; the next poll goes on', async () => {
		const list = testerList(400, 'oldest-first');
		const first = await catchUpPoll(null, { sharePercent: 10, batchSize: 100, now: T0, startFrom: 'wholeWaitlist' }, list.fetchPage);
		let left = 3;
		const o = await catchUpPoll(
			first.state,
			{ sharePercent: 10, batchSize: 100, now: T0 + 15 * MIN, startFrom: 'wholeWaitlist', timeLeftMs: () => left-- },
			list.fetchPage,
		);
		expect(o.stopped).toBe('time');
		expect(o.pagesRead).toBe(3);
		expect(o.state.round?.cursor).toBe(o.testers.length ? (testerId(o.testers[o.testers.length - 1]) as number) : first.state.round?.cursor);
		const next = await catchUpPoll(o.state, { sharePercent: 10, batchSize: 100, now: T0 + 30 * MIN, startFrom: 'wholeWaitlist' }, list.fetchPage);
		expect(new Set([...added(o), ...added(next)]).size).toBe(added(o).length + added(next).length);
	});

	it('an error after progress keeps the progress; an error before any is reported with the state untouched', async () => {
		const list = testerList(200, 'oldest-first');
		const first = await catchUpPoll(null, { sharePercent: 10, batchSize: 50, now: T0, startFrom: 'wholeWaitlist' }, list.fetchPage);
		let n = 0;
		const failing = async (page: number) => {
			n += 1;
			if (n > 8) throw new Error('Prefinery went away');
			return list.fetchPage(page);
		};
		const o = await catchUpPoll(first.state, { sharePercent: 10, batchSize: 100, now: T0 + 15 * MIN, startFrom: 'wholeWaitlist' }, failing);
		expect(o.failed).toBe(false);
		expect(o.stopped).toBe('error');
		expect(o.testers.length).toBeGreaterThan(0);
		const dead = await catchUpPoll(o.state, { sharePercent: 10, batchSize: 500, now: T0 + 30 * MIN }, async () => {
			throw new Error('down');
		});
		expect(dead.failed).toBe(true);
	});

	it('requests a page took (429 retries) are charged; unpaid requests of a failed poll are taken off the next allowance', async () => {
		const list = testerList(2000, 'oldest-first');
		const retrying = async (page: number) => ({ ...(await list.fetchPage(page)), requests: 3 });
		const o = await catchUpPoll(null, { sharePercent: 10, batchSize: 5000, now: T0, startFrom: 'wholeWaitlist' }, retrying);
		expect(o.pagesRead).toBeLessThanOrEqual(o.allowance + 2);
		expect(o.pagesRead % 3).toBe(0);
		expect(allowanceFor(o.state, { sharePercent: 10, batchSize: 500, now: T0 + 15 * MIN, unpaid: 30 }).pages).toBe(90 - 30 - (o.pagesRead - o.allowance > 0 ? o.pagesRead - o.allowance : 0));
	});
});

// New Sign-Ups Only when the publish could not read the list (a hung or down API, a busy machine): the
// state records when it started (its anchor) before any request, and the poll that first reads the list
// brings the sign-ups made since then, which are already in the list it reads.
describe.each(['newest-first', 'oldest-first', 'shuffled'] as const)('catch-up planner: New Sign-Ups Only read late, %s list', (order) => {
	const opts = { sharePercent: 10, project: '1', startFrom: 'newSignUps' as const, since: null };
	// ids 1001…1400, created one minute apart; the trigger starts half a minute after the newest.
	const anchor = T_CREATED + 1400.5 * MIN;

	it.each([
		['stopped by its time bound before a request', 'time'],
		['failed before any progress (the caller keeps the state it wrote first)', 'error'],
	] as const)('a first poll %s: the next poll emits each sign-up made since, once, and no earlier tester', async (_how, fault) => {
		const list = hostileList(400, { order });
		let state: CatchUpState;
		if (fault === 'time') {
			const first = await catchUpPoll(null, { ...opts, batchSize: 500, now: anchor, timeLeftMs: () => 0 }, list.fetchPage);
			expect(first).toMatchObject({ stopped: 'time', failed: false, testers: [] });
			state = first.state;
		} else {
			const first = await catchUpPoll(null, { ...opts, batchSize: 500, now: anchor }, async () => {
				throw new Error('down');
			});
			expect(first.failed).toBe(true);
			state = initialState({ ...opts, anchor });
		}
		expect(state).toMatchObject({ settling: true, anchor, watermark: null });
		// A state saved before the anchor was kept: no gap round (it cannot know when it started).
		const older: Partial<CatchUpState> = { ...state };
		delete older.anchor;
		expect(readState(older, opts)?.anchor).toBeNull();
		expect(readState({ ...state, anchor: 'soon' }, opts)?.anchor).toBeNull();

		const gap = list.add(30);
		const counts = new Map<number, number>();
		let now = anchor;
		const polls: PollOutcome[] = [];
		// Batch 20: the gap (30) takes two polls; the next sign-ups come by the head meanwhile.
		let later: number[] = [];
		for (let i = 0; i < 6; i++) {
			now += 15 * MIN;
			const o = await catchUpPoll(state, { ...opts, batchSize: 20, now }, list.fetchPage);
			expect(o.failed).toBe(false);
			state = o.state;
			polls.push(o);
			for (const id of added(o)) counts.set(id, (counts.get(id) ?? 0) + 1);
			if (i === 0) later = list.add(5);
		}
		expect(state).toMatchObject({ settling: false, round: null, watermark: Math.max(...later) });
		expect([...counts.keys()].sort((a, b) => a - b)).toEqual([...gap, ...later]);
		for (const id of [...gap, ...later]) expect(counts.get(id)).toBe(1);
		expect(polls[0].notes.join('; ')).toContain('the list was first read after the trigger started');
		// An ordered list: the gap costs a few pages, not the list (16 pages).
		if (order !== 'shuffled') expect(polls[0].pagesRead).toBeLessThanOrEqual(10);
	});

	it('a first poll that reads the list: nothing emitted, no gap round (the list stands where it was read)', async () => {
		const list = hostileList(400, { order });
		const first = await catchUpPoll(null, { ...opts, batchSize: 500, now: anchor }, list.fetchPage);
		expect(first.testers).toEqual([]);
		expect(first.state).toMatchObject({ settling: false, anchor, round: null });
		const next = await catchUpPoll(first.state, { ...opts, batchSize: 500, now: anchor + 15 * MIN }, list.fetchPage);
		expect(next.testers).toEqual([]);
	});
});

it('New Sign-Ups Only read late on a list that was empty: its one sign-up comes at the first read (too few testers to tell an order)', async () => {
	const opts = { sharePercent: 10, batchSize: 500, project: '1', startFrom: 'newSignUps' as const, since: null };
	const anchor = T_CREATED + 1000.5 * MIN;
	const list = hostileList(0);
	const first = await catchUpPoll(null, { ...opts, now: anchor, timeLeftMs: () => 0 }, list.fetchPage);
	const [id] = list.add(1);
	const next = await catchUpPoll(first.state, { ...opts, now: anchor + 15 * MIN }, list.fetchPage);
	expect(added(next)).toEqual([id]);
	expect(next.state).toMatchObject({ order: 'unknown', round: null, watermark: id });
	expect(added(await catchUpPoll(next.state, { ...opts, now: anchor + 30 * MIN }, list.fetchPage))).toEqual([]);
});

/** A list of n testers answered without building it (ids 1001…, oldest-first, with X-Pagination). */
function virtualList(n: number) {
	return {
		async fetchPage(page: number) {
			const testers = [];
			for (let i = (page - 1) * 25; i < Math.min(n, page * 25); i++) testers.push({ id: 1001 + i, created_at: '2026-01-01T00:00:00Z' });
			return { testers, pagination: { pages: Math.ceil(n / 25), total_count: n } };
		},
	};
}

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
				return { testers: (await response.json()) as Array<Record<string, unknown>>, pagination: { pages: parsePagination(response.headers.get('x-pagination')).pages, total_count: parsePagination(response.headers.get('x-pagination')).totalCount } };
			};
			let state: CatchUpState | null = null;
			const seen = new Set<number>();
			for (let i = 0; i < 3; i++) {
				const o: PollOutcome = await catchUpPoll(state, { sharePercent: 10, batchSize: 50, now: T0 + i * 15 * MIN, startFrom: 'wholeWaitlist' }, fetchPage);
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
