/**
 * The Catch-Up trigger's planner (issues 24, 34, 37): one poll of Prefinery's tester list, bounded by a
 * share of the project's tester-list budget, by a batch size and by a time budget. Pure module: no n8n
 * imports; the caller passes the persisted state, the options (with the time) and `fetchPage`, and
 * persists the state it gets back.
 *
 * What Prefinery gives (reference: prefinery.md §5): `GET /betas/{id}/testers?page=N`, 25 testers a
 * page, `X-Pagination` (`pages`, `total_count`); 60 list requests a minute per project; no "updated
 * since" filter; v1 documented page 1 = the newest testers, v2 documents no order. Nothing the list says
 * is trusted without checking: the order is detected at run time, `pages`/`total_count` are hints (the
 * end of the list is a short or empty page, or a page that repeats the one before), a page size other
 * than 25 is handled, and no array is ever spread into a call (a page may hold 100,000 testers).
 *
 * **Each tester once.** Tester ids are numeric and grow with creation.
 *
 * - *The head* emits the testers above the watermark `W` (the highest id it emitted), lowest first, and
 *   moves `W` to the last one it emitted: an id is emitted by the head at most once, ever, and the state
 *   for it is one number. It finds where `W` is in the list by an estimate (its page last time, moved by
 *   the growth of `total_count` when that is known) corrected by a galloping then binary search over
 *   pages (log₂ of the distance, so a missing or lying `X-Pagination` costs a few pages, never a re-read
 *   of the list), then walks toward the newest end. A step from one page to the next is taken only when
 *   nothing can have slid between the two reads: the page before, read again, is unchanged (otherwise it
 *   is processed again: the cursor drops what was done); so a walk over k pages sends 2k − 1 requests. A
 *   poll stops at Batch Size (inside a page if need be), at the allowance or at the time
 *   budget, and the next one goes on from `W`.
 * - *The safety sweep* is a round over the testers at or below the watermark when the round started
 *   (`ceiling`), with its own cursor (an id): oldest-first it emits ids in (cursor, ceiling] upward,
 *   newest-first ids below the cursor downward, so within a round each tester is emitted at most once
 *   whatever the pages do. A round starts when `sweepEveryMs` has passed since the last one started
 *   (0 = never) and, with Start From "The Whole Waitlist" or "Sign-Ups Since", once at activation (the
 *   backfill; "since" filters on `created_at`). What n8n could not save (a crash between a poll and its
 *   execution) and what the head could not see (a tester that slid past a walk) come back with it.
 * - *Start From* "New Sign-Ups Only" (the default) records where the list stands and emits nothing then.
 *   A fresh state records when the trigger started (`anchor`) before its first request; n8n saves it at
 *   the end of the publish. When the list could not be read in that poll (a hung or down API, a busy
 *   machine), the poll that does read it is later: the testers created since the anchor are then in the
 *   list already, so a *gap round* emits them (a round over the testers up to the list's newest, newest
 *   first, that stops at the first one created before the anchor). A restart before any poll emitted
 *   finds the saved anchor, not a later point, so no sign-up made after the publish is skipped. On an
 *   unordered list the gap round rides on a pass, and the next passes take as new every id above the
 *   highest one created before the anchor (so one that slid between pages comes with the next pass); with
 *   too few testers to tell an order, the list is page 1 and the round takes it from there.
 * - *An unordered list* (or one whose order breaks) has no head: the planner walks it page by page in
 *   passes. A tester is new when its id is above `base`, the highest id seen in the pass before the
 *   previous one (a tester created after that pass ended has a higher id, and is present for the whole
 *   of a later pass), and not in `fresh`, the ranges of new ids already emitted (sign-ups of about two
 *   passes, as id ranges). A safety round rides on a pass; in this mode a tester that slides between
 *   pages may come twice in one round. A whole pass in one direction hands the list back to the head.
 *
 * **Budget.** A poll may send `share × 60 × minutes since the last poll` requests (429 retries
 * included, as `fetchPage` reports them; the first poll as if 15 minutes had passed; at most one hour's
 * worth; the caller's unpaid requests of a poll that threw are taken off). Over a day that is at most
 * `share × 86,400`.
 *
 * **State.** A few dozen numbers, plus the `fresh` ranges in unordered mode; no tester list is kept
 * between polls, and within a poll the pages it read.
 */
import { PREFINERY_LIMITS } from './rate-limit';

export const PER_PAGE = 25;
/** Prefinery's tester-list limit per project, requests per minute (one source: lib/rate-limit.ts). */
export const LIST_PAGES_PER_MINUTE = PREFINERY_LIMITS.testerListProject.limit;
/** The first poll's allowance: as if this many minutes had passed. */
export const FIRST_POLL_MINUTES = 15;
/** The allowance never exceeds this many minutes' worth. */
export const MAX_ALLOWANCE_MINUTES = 60;

export const DEFAULT_SHARE_PERCENT = 10;
export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_SWEEP_DAYS = 7;
export const DAY_MS = 24 * 60 * 60 * 1000;

export type ListOrder = 'unknown' | 'newest-first' | 'oldest-first' | 'unordered';
export type StartFrom = 'newSignUps' | 'wholeWaitlist' | 'since';

export type Tester = Record<string, unknown>;

export interface PageResult {
	testers: Tester[];
	/** From `X-Pagination`: `pages` and `total_count` when Prefinery sent them. */
	pagination?: { pages?: number | null; total_count?: number | null } | undefined;
	/** Requests this page took (429 retries and retried reads included); 1 when not said. */
	requests?: number;
}

export type FetchPage = (page: number) => Promise<PageResult>;

export interface CatchUpOptions {
	/** Share of the project's tester-list budget (60 requests a minute), in percent (1–50). */
	sharePercent: number;
	/** The most testers one poll emits (≥ 25). */
	batchSize: number;
	/** Now, in milliseconds (any clock that moves forward with time). */
	now: number;
	/** The project the state is for: a state recorded for another project is started afresh. */
	project?: string;
	/** Where a fresh state starts (default "newSignUps"), and the date for "since" (ms). */
	startFrom?: StartFrom;
	since?: number | null;
	/** How often a safety sweep round starts, in ms (0 = never; default 7 days). */
	sweepEveryMs?: number;
	/** Requests sent by earlier polls that threw (not charged yet). */
	unpaid?: number;
	/** Milliseconds left of this poll's time budget; the poll stops before a request when ≤ 0. */
	timeLeftMs?: () => number;
}

interface Cursor {
	/** The last id done (head: the watermark), or null = before the first. */
	id: number | null;
	/** Where it was last seen (the page to look first). */
	page: number;
}

/** What is kept between polls (n8n's workflow static data). JSON only. */
export interface CatchUpState {
	version: 2;
	project: string | null;
	/** True until the first poll(s) found where the list stands (the newest id). */
	settling: boolean;
	/**
	 * When this state was started (ms, the caller's clock; null in states saved before it was kept): a
	 * settle in a later poll emits the testers created since (New Sign-Ups Only).
	 */
	anchor: number | null;
	startFrom: string;
	order: ListOrder;
	/** The highest tester id emitted by the head, or the newest seen when starting (null: none yet). */
	watermark: number | null;
	/** The page where the watermark was last seen, and `total_count` then (null: not sent). */
	headPage: number;
	total: number | null;
	/** The largest page seen (Prefinery: 25). */
	pageSize: number;
	/**
	 * The safety sweep's round under way (null: none), when the last one started, rounds completed.
	 * `gap`: the round of the sign-ups made between the anchor and a later settle (not a sweep round;
	 * an oldest-first list is walked back from its end).
	 */
	round: {
		ceiling: number;
		cursor: number | null;
		page: number;
		since: number | null;
		startedAt: number;
		gap?: boolean;
	} | null;
	lastRoundAt: number | null;
	sweepRounds: number;
	/** Unordered mode: the pass under way. */
	pass: {
		page: number;
		offset: number;
		base: number | null;
		fresh: Array<[number, number]>;
		curMax: number | null;
		prevMax: number | null;
		passes: number;
		evidence: 'asc' | 'desc' | 'none' | 'mixed';
		lastId: number | null;
		/** A gap round's pass: the highest id seen created before the anchor (ids grow with creation). */
		below?: number | null;
	} | null;
	lastPollAt: number | null;
	credit: number;
}

export interface PollOutcome {
	/** The testers to emit, lowest id first, at most `batchSize`. */
	testers: Tester[];
	fromHead: number;
	fromSweep: number;
	state: CatchUpState;
	/** Requests sent (pages fetched, retries included). */
	pagesRead: number;
	/** Requests this poll was allowed to send. */
	allowance: number;
	/** Why the poll stopped early ('' when it did everything it had to). */
	stopped: '' | 'allowance' | 'time' | 'error';
	/** An error from `fetchPage`: after some progress the progress is kept (the caller saves the state). */
	error?: unknown;
	/** The error came before any progress: the caller keeps its old state and reports the error. */
	failed: boolean;
	notes: string[];
	warnings: string[];
}

export function initialState(options?: Pick<CatchUpOptions, 'project' | 'startFrom' | 'since'> & { anchor?: number | null }): CatchUpState {
	return {
		version: 2,
		project: options?.project ?? null,
		settling: true,
		anchor: options?.anchor ?? null,
		startFrom: startKey(options),
		order: 'unknown',
		watermark: null,
		headPage: 1,
		total: null,
		pageSize: PER_PAGE,
		round: null,
		lastRoundAt: null,
		sweepRounds: 0,
		pass: null,
		lastPollAt: null,
		credit: 0,
	};
}

function startKey(options?: Pick<CatchUpOptions, 'startFrom' | 'since'>): string {
	const from = options?.startFrom ?? 'newSignUps';
	return from === 'since' ? `since:${options?.since ?? ''}` : from;
}

/** A stored state when it is one of ours for this project and start, else null (a fresh start). */
export function readState(value: unknown, options?: Pick<CatchUpOptions, 'project' | 'startFrom' | 'since'>): CatchUpState | null {
	if (typeof value !== 'object' || value === null) return null;
	const s = value as Partial<CatchUpState>;
	if (s.version !== 2 || typeof s.order !== 'string' || typeof s.headPage !== 'number') return null;
	if (options?.project !== undefined && s.project !== options.project) return null;
	if (options?.startFrom !== undefined && s.startFrom !== startKey(options)) return null;
	const state = { ...initialState(options), ...s } as CatchUpState;
	if (typeof state.anchor !== 'number' || !Number.isFinite(state.anchor)) state.anchor = null;
	return state;
}

/**
 * Requests this poll may send: `share × 60 × minutes since the last poll` (+ the carried fraction − what
 * is unpaid), the first poll as if 15 minutes had passed, capped at one hour's worth.
 */
export function allowanceFor(state: CatchUpState | null, options: CatchUpOptions): { pages: number; carry: number } {
	const perMinute = (clampShare(options.sharePercent) / 100) * LIST_PAGES_PER_MINUTE;
	const minutes = state?.lastPollAt == null ? FIRST_POLL_MINUTES : Math.max(0, (options.now - state.lastPollAt) / 60_000);
	const credit = Math.min(perMinute * MAX_ALLOWANCE_MINUTES, perMinute * minutes + (state?.credit ?? 0)) - Math.max(0, options.unpaid ?? 0);
	const pages = Math.max(0, Math.floor(credit + 1e-9));
	return { pages, carry: credit - pages };
}

/** The budget arithmetic the docs and the benchmark quote. */
export function pagesPerDay(sharePercent: number): number {
	return (clampShare(sharePercent) / 100) * LIST_PAGES_PER_MINUTE * 60 * 24;
}

/**
 * How long one sweep round of `testers` takes, in polls and hours, when a poll every `pollMinutes`
 * minutes emits at most `batchSize` testers and may send its allowance minus `headPages`.
 */
export function sweepPeriod(
	testers: number,
	options: {
		sharePercent: number;
		batchSize: number;
		pollMinutes: number;
		headPages?: number;
		headTesters?: number;
	},
): { pagesPerPoll: number; polls: number; hours: number } {
	const allowance = Math.floor(
		(clampShare(options.sharePercent) / 100) * LIST_PAGES_PER_MINUTE * Math.min(options.pollMinutes, MAX_ALLOWANCE_MINUTES) + 1e-9,
	);
	const byBatch = Math.floor((clampBatch(options.batchSize) - (options.headTesters ?? 0)) / PER_PAGE);
	const pagesPerPoll = Math.max(0, Math.min(allowance - (options.headPages ?? 1), byBatch));
	const pages = Math.max(1, Math.ceil(testers / PER_PAGE));
	const polls = pagesPerPoll > 0 ? Math.ceil(pages / pagesPerPoll) : Infinity;
	return { pagesPerPoll, polls, hours: (polls * options.pollMinutes) / 60 };
}

function clampShare(share: number): number {
	return Number.isFinite(share) ? Math.min(50, Math.max(1, share)) : DEFAULT_SHARE_PERCENT;
}

function clampBatch(batch: number): number {
	return Number.isFinite(batch) ? Math.min(5000, Math.max(PER_PAGE, Math.floor(batch))) : DEFAULT_BATCH_SIZE;
}

/** A tester's numeric id, or null (no usable id: such a tester cannot be told apart, and is skipped). */
export function testerId(tester: Tester): number | null {
	const id = tester?.id;
	if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
	if (typeof id === 'string' && /^\d{1,15}$/.test(id)) return Number(id);
	return null;
}

/** A tester's creation time in ms, or null. */
export function createdAtOf(tester: Tester): number | null {
	const at = tester?.created_at;
	const ms = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at * (at < 1e12 ? 1000 : 1) : NaN;
	return Number.isFinite(ms) ? ms : null;
}

interface ReadPage {
	page: number;
	testers: Tester[];
	ids: Array<number | null>;
	total: number | null;
	/** Strict direction of the ids within the page. */
	dir: 'asc' | 'desc' | 'none' | 'mixed';
	/** Read order within the poll. */
	seq: number;
	min: number | null;
	max: number | null;
	first: number | null;
	last: number | null;
}

function directionOf(ids: Array<number | null>): ReadPage['dir'] {
	let prev: number | null = null;
	let asc = true;
	let desc = true;
	let n = 0;
	for (const x of ids) {
		if (x === null) continue;
		n += 1;
		if (prev !== null) {
			if (x <= prev) asc = false;
			if (x >= prev) desc = false;
		}
		prev = x;
	}
	if (n < 2) return 'none';
	return asc ? 'asc' : desc ? 'desc' : 'mixed';
}

function numeric(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}

/** Ranges of ids: is `id` in one? */
function inRanges(ranges: Array<[number, number]>, id: number): boolean {
	for (const [a, b] of ranges) if (id >= a && id <= b) return true;
	return false;
}

/** Adds `id` to sorted, merged ranges (adjacent ids merge: sign-ups take consecutive ids). */
function addRange(ranges: Array<[number, number]>, id: number): void {
	let i = 0;
	while (i < ranges.length && ranges[i][1] < id - 1) i += 1;
	if (i < ranges.length && ranges[i][0] <= id + 1) {
		ranges[i][0] = Math.min(ranges[i][0], id);
		ranges[i][1] = Math.max(ranges[i][1], id);
		if (i + 1 < ranges.length && ranges[i + 1][0] <= ranges[i][1] + 1) {
			ranges[i][1] = Math.max(ranges[i][1], ranges[i + 1][1]);
			ranges.splice(i + 1, 1);
		}
	} else {
		ranges.splice(i, 0, [id, id]);
	}
}

class OutOfBudget extends Error {
	constructor(readonly why: 'allowance' | 'time') {
		super(why);
	}
}

/**
 * Plans and performs one poll. An error from `fetchPage` ends the poll: in `error`, with `failed` when
 * nothing had moved yet (the caller keeps its old state), else with the state reached.
 */
export async function catchUpPoll(previous: CatchUpState | null, options: CatchUpOptions, fetchPage: FetchPage): Promise<PollOutcome> {
	const batchSize = clampBatch(options.batchSize);
	const sweepEveryMs = options.sweepEveryMs ?? DEFAULT_SWEEP_DAYS * DAY_MS;
	const state: CatchUpState = previous ? JSON.parse(JSON.stringify(previous)) : initialState({ ...options, anchor: options.now });
	// A settle in a later poll than the one that started the state: the sign-ups since the anchor are
	// in the list already (New Sign-Ups Only), and a gap round brings them.
	const gapSince = previous?.settling && typeof previous.anchor === 'number' && state.startFrom === 'newSignUps' ? previous.anchor : null;
	const { pages: allowance, carry } = allowanceFor(previous, options);
	state.lastPollAt = options.now;
	state.credit = carry;
	const notes: string[] = [];
	const warnings: string[] = [];
	let requests = 0;
	let seq = 0;
	let progress = false;
	const cache = new Map<number, ReadPage>();

	/** A page (from this poll's cache unless `again`); throws OutOfBudget when no request may be sent. */
	const read = async (page: number, again = false): Promise<ReadPage> => {
		const cached = cache.get(page);
		if (cached && !again) return cached;
		if (requests >= allowance) throw new OutOfBudget('allowance');
		if (options.timeLeftMs && options.timeLeftMs() <= 0) throw new OutOfBudget('time');
		requests += 1;
		const result = await fetchPage(page);
		const extra = numeric(result?.requests);
		if (extra !== null && extra > 1) requests += extra - 1;
		const testers = Array.isArray(result?.testers) ? result.testers : [];
		const ids = testers.map(testerId);
		let min: number | null = null;
		let max: number | null = null;
		let first: number | null = null;
		let last: number | null = null;
		for (const id of ids) {
			if (id === null) continue;
			if (first === null) first = id;
			last = id;
			if (min === null || id < min) min = id;
			if (max === null || id > max) max = id;
		}
		if (testers.length > state.pageSize) state.pageSize = testers.length;
		const entry: ReadPage = {
			page,
			testers,
			ids,
			total: numeric(result?.pagination?.total_count),
			dir: directionOf(ids),
			seq: ++seq,
			min,
			max,
			first,
			last,
		};
		cache.set(page, entry);
		return entry;
	};
	const sameIds = (a: ReadPage, b: ReadPage) => a.ids.length === b.ids.length && a.ids.every((x, i) => x === b.ids[i]);
	const isShort = (pg: ReadPage) => pg.testers.length === 0 || pg.testers.length < state.pageSize;

	const out = new Map<number, { tester: Tester; head: boolean }>();
	const room = () => batchSize - out.size;
	const emit = (tester: Tester, id: number, head: boolean) => {
		if (out.has(id)) return false;
		out.set(id, { tester, head });
		progress = true;
		return true;
	};

	const wmBefore = state.watermark;
	let stopped: PollOutcome['stopped'] = '';
	let error: unknown;
	let failed = false;
	/** One pass ends per poll at most. */
	let passEnded = false;

	const loseOrder = (why: string) => {
		if (state.order === 'newest-first' || state.order === 'oldest-first') {
			warnings.push(
				`The tester list is no longer ${state.order} (${why}): it is now walked page by page until a whole pass shows one order`,
			);
		}
		const headIds: number[] = [];
		for (const [id, entry] of out) if (entry.head) headIds.push(id);
		// No watermark on a list settled before this poll: it was empty then, and every tester is new.
		const base = wmBefore ?? (previous !== null && !previous.settling ? -1 : null);
		const freshRanges: Array<[number, number]> = [];
		for (const id of headIds) addRange(freshRanges, id);
		state.order = 'unordered';
		state.pass = {
			page: 1,
			offset: 0,
			base,
			fresh: freshRanges,
			curMax: null,
			prevMax: base,
			passes: 1,
			evidence: 'none',
			lastId: null,
		};
		if (state.round) state.round = { ...state.round, cursor: null, page: 1 };
	};

	// Direction of an ordered list: pages walked toward higher numbers go to older testers (newest-first).
	const expectDir = () => (state.order === 'newest-first' ? 'desc' : state.order === 'oldest-first' ? 'asc' : null);
	const broken = (pg: ReadPage): string | null => {
		const want = expectDir();
		if (!want) return null;
		if (pg.dir === 'mixed') return `page ${pg.page} is not monotonic`;
		if (pg.dir !== 'none' && pg.dir !== want) return `page ${pg.page} is ${pg.dir === 'asc' ? 'ascending' : 'descending'}`;
		return null;
	};

	/**
	 * Walks an ordered list from `cursor` along `step` (+1: toward higher pages, -1: toward page 1),
	 * where `key(id)` grows along the walk; `take` decides for each tester past the cursor. Returns why
	 * it ended and where the cursor is.
	 */
	async function walk(
		cursor: Cursor,
		step: 1 | -1,
		key: (id: number) => number,
		take: (tester: Tester, id: number) => 'emit' | 'skip' | 'stop',
	): Promise<'end' | 'stop' | 'full' | 'broken'> {
		const past = (id: number) => cursor.id === null || key(id) > key(cursor.id);
		/** Empty, or the same testers as a lower page read in this poll (an API answering past its end). */
		const beyond = (pg: ReadPage) => {
			if (pg.testers.length === 0) return true;
			for (const other of cache.values()) if (other.page < pg.page && other.testers.length > 0 && sameIds(other, pg)) return true;
			return false;
		};
		// P(p) is false then true as p grows: the page is beyond the end, or (+1) holds an id past the
		// cursor, or (-1) holds none.
		const P = (pg: ReadPage) => {
			if (beyond(pg)) return true;
			let hasPast = false;
			for (const id of pg.ids) if (id !== null && past(id)) hasPast = true;
			return step === 1 ? hasPast : !hasPast;
		};
		const probe = async (p: number) => {
			const pg = await read(p);
			cursor.page = p;
			return pg;
		};
		const start = cursor.id === null && step === 1 ? 1 : Math.max(1, Math.floor(cursor.page));
		// Gallop from the estimate, then bisect: hi = the lowest page with P true, lo = the highest with P false.
		let lo = 0;
		let hi = Infinity;
		const first = await probe(start);
		if (broken(first)) return 'broken';
		if (P(first)) hi = start;
		else lo = start;
		for (let stride = 1; hi === Infinity; stride *= 2) {
			const pg = await probe(lo + stride);
			if (broken(pg)) return 'broken';
			if (P(pg)) hi = pg.page;
			else lo = pg.page;
		}
		for (let stride = 1; lo === 0 && hi > 1; stride *= 2) {
			const pg = await probe(Math.max(1, hi - stride));
			if (broken(pg)) return 'broken';
			if (P(pg)) hi = pg.page;
			else lo = pg.page;
		}
		while (hi - lo > 1) {
			const pg = await probe(Math.floor((lo + hi) / 2));
			if (broken(pg)) return 'broken';
			if (P(pg)) hi = pg.page;
			else lo = pg.page;
		}
		let p = step === 1 ? hi : lo;
		if (p < 1) {
			cursor.page = 1;
			return 'end';
		}
		// The start: nothing past the cursor on the page before it (in walking order), the two read with
		// nothing sliding in between (the one read first, read again, unchanged).
		let pg: ReadPage;
		for (;;) {
			pg = await read(p);
			if (broken(pg)) return 'broken';
			if (step === 1 && beyond(pg)) {
				cursor.page = Math.max(1, p - 1);
				return 'end';
			}
			const q = p - step;
			if (q < 1) break;
			const before = await read(q);
			if (broken(before)) return 'broken';
			if (!beyond(before) && before.ids.some((id) => id !== null && past(id))) {
				p = q;
				continue;
			}
			const older = before.seq < pg.seq ? before : pg;
			const again = await read(older.page, true);
			if (sameIds(again, older)) break;
		}
		cursor.page = p;
		for (;;) {
			if (broken(pg)) return 'broken';
			const n = pg.testers.length;
			for (let j = 0; j < n; j++) {
				const i = step === 1 ? j : n - 1 - j;
				const id = pg.ids[i];
				if (id === null || !past(id)) continue;
				if (room() <= 0) return 'full';
				const what = take(pg.testers[i], id);
				if (what === 'stop') return 'stop';
				cursor.id = id;
				progress = true;
			}
			if (step === 1 ? isShort(pg) : p <= 1) return 'end';
			const next = await read(p + step, true);
			// Toward higher pages, an empty page or one that repeats this one is the end (an API answering
			// past it). Toward page 1 the end is page 1: a page like the one walked from means that one was
			// the repeat (an end estimated past a sign-up made between reads).
			if (step === 1 && (next.testers.length === 0 || sameIds(next, pg))) return 'end';
			// Nothing may have slid between the two reads: the page before, read again, is unchanged (else it
			// is processed again; the cursor drops what was done). total_count is not enough: a deletion and a
			// sign-up between the reads leave it as it was.
			{
				const again = await read(p, true);
				if (!sameIds(again, pg)) {
					pg = again;
					continue;
				}
			}
			p += step;
			pg = next;
			cursor.page = p;
		}
	}

	/**
	 * A fresh start: the order, and where the list stands (the newest id), emitting nothing. An
	 * oldest-first list's end is found by galloping (a few pages at any size); if the allowance runs out
	 * first, the next poll goes on from the page reached.
	 */
	async function settle(): Promise<void> {
		const one = await read(1);
		let order: ListOrder = state.order;
		if (order === 'unknown') {
			order = one.dir === 'desc' ? 'newest-first' : one.dir === 'asc' ? 'oldest-first' : one.dir === 'mixed' ? 'unordered' : 'unknown';
			if (one.testers.length >= PER_PAGE && order !== 'unordered') {
				const two = await read(2);
				const across =
					one.last !== null && two.first !== null ? (two.first < one.last ? 'desc' : two.first > one.last ? 'asc' : 'mixed') : 'none';
				const dirs = [one.dir, two.dir, across].filter((d) => d !== 'none');
				if (dirs.includes('mixed') || (dirs.includes('asc') && dirs.includes('desc'))) order = 'unordered';
				else if (dirs.includes('asc')) order = 'oldest-first';
				else if (dirs.includes('desc')) order = 'newest-first';
			}
			if (one.total === null)
				warnings.push("Prefinery sent no usable X-Pagination header (pages, total_count): the list's end is found by a short page");
			state.order = order;
			state.total = one.total;
			if (order === 'oldest-first' && one.total !== null) state.headPage = Math.max(1, Math.ceil(one.total / state.pageSize));
		}
		state.watermark = maxOf(state.watermark, one.max);
		if (order === 'oldest-first') {
			const cursor: Cursor = {
				id: Number.MAX_SAFE_INTEGER,
				page: state.headPage,
			};
			try {
				await walk(
					cursor,
					1,
					(x) => x,
					() => 'skip',
				);
			} finally {
				state.headPage = cursor.page;
			}
			state.watermark = maxOf(state.watermark, (await read(cursor.page)).max);
		} else if (order === 'unordered') {
			state.pass = {
				page: 1,
				offset: 0,
				base: null,
				fresh: [],
				curMax: null,
				prevMax: null,
				passes: 0,
				evidence: 'none',
				lastId: null,
			};
		} else {
			state.headPage = 1;
		}
		state.settling = false;
		progress = true;
		state.lastRoundAt = options.now;
		notes.push(
			`order: ${order}${order === 'unknown' ? ' (too few testers to tell)' : ' (detected)'}; the list stands at ${state.watermark ?? 'no tester'}`,
		);
		if (gapSince !== null) {
			state.round = {
				ceiling: order === 'unordered' ? Number.MAX_SAFE_INTEGER : (state.watermark ?? -1),
				cursor: null,
				page: order === 'oldest-first' ? state.headPage : 1,
				since: gapSince,
				startedAt: options.now,
				gap: true,
			};
			notes.push(
				`Start From: New Sign-Ups Only: the list was first read after the trigger started (${new Date(gapSince).toISOString()}); the testers created since come now`,
			);
		} else if (state.startFrom !== 'newSignUps') {
			const since = state.startFrom.startsWith('since:') ? Number(state.startFrom.slice(6)) || 0 : null;
			state.round = {
				ceiling: order === 'unordered' ? Number.MAX_SAFE_INTEGER : (state.watermark ?? -1),
				cursor: null,
				page: 1,
				since,
				startedAt: options.now,
			};
			notes.push(
				`the backfill of the testers up to ${state.watermark ?? 'none'} starts${since !== null ? ` (created since ${new Date(since).toISOString()})` : ''}`,
			);
		} else notes.push('Start From: New Sign-Ups Only: nothing before this point is emitted');
	}

	async function head(): Promise<void> {
		if (state.order !== 'newest-first' && state.order !== 'oldest-first' && state.order !== 'unknown') return;
		const W = state.watermark;
		const cursor: Cursor = { id: W, page: state.headPage };
		const take = (tester: Tester, id: number): 'emit' => {
			emit(tester, id, true);
			state.watermark = id;
			return 'emit';
		};
		try {
			if (state.order === 'unknown') {
				// No order known yet (fewer than two ids so far): page 1 tells it now, or is the whole list.
				const one = await read(1);
				const order = one.dir === 'desc' ? 'newest-first' : one.dir === 'asc' ? 'oldest-first' : one.dir === 'mixed' ? 'unordered' : 'unknown';
				if (order === 'unordered') loseOrder('page 1 is not monotonic');
				else if (order !== 'unknown') {
					state.order = order;
					state.headPage = 1;
					cursor.page = 1;
				} else {
					for (let i = 0; i < one.ids.length; i++) {
						const id = one.ids[i];
						if (id !== null && (W === null || id > W) && room() > 0 && (state.watermark === null || id > state.watermark)) take(one.testers[i], id);
					}
				}
			}
			const mode = state.order as ListOrder;
			if (mode === 'unknown' || mode === 'unordered') {
				// done above
			} else if (mode === 'oldest-first') {
				const end = await walk(cursor, 1, (x) => x, take);
				state.headPage = cursor.page;
				if (end === 'broken') loseOrder(`page ${cursor.page} broke the order`);
			} else {
				const one = await read(1);
				if (broken(one)) loseOrder('page 1 broke the order');
				else if (one.max !== null && (W === null || one.max > W)) {
					const grown = one.total !== null && state.total !== null ? Math.max(0, one.total - state.total) : 0;
					cursor.page = state.headPage + Math.ceil(grown / state.pageSize);
					const end = await walk(cursor, -1, (x) => x, take);
					state.headPage = cursor.page;
					if (end === 'broken') loseOrder(`page ${cursor.page} broke the order`);
				} else state.headPage = 1;
				if (one.total !== null) state.total = one.total;
			}
		} finally {
			if (state.order === 'oldest-first' || state.order === 'newest-first') state.headPage = Math.max(1, cursor.page);
			if (W !== state.watermark) notes.push(`head: new testers since ${W ?? 'the start'}; watermark ${state.watermark}`);
		}
	}

	/** The safety sweep's round (ordered lists): goes on with the round under way. */
	async function sweep(): Promise<void> {
		if (state.order === 'unknown' && state.round?.gap) {
			// Too few testers to tell the order: the whole list is page 1 when it is short.
			const gap = state.round;
			const one = await read(1);
			if (!isShort(one)) return;
			for (let i = 0; i < one.testers.length; i++) {
				const id = one.ids[i];
				const at = createdAtOf(one.testers[i]);
				if (id !== null && id <= gap.ceiling && at !== null && gap.since !== null && at >= gap.since && room() > 0) emit(one.testers[i], id, false);
			}
			finishRound();
			return;
		}
		if (state.order !== 'newest-first' && state.order !== 'oldest-first') return;
		const round = state.round;
		if (!round) return;
		const since = round.since;
		const oldFirst = state.order === 'oldest-first';
		// The gap round on an oldest-first list goes from its end back to the first tester created before
		// the anchor (a few pages), not from its oldest tester (the whole list): a walk like newest-first's.
		const back = oldFirst && round.gap === true;
		const upward = oldFirst && !back;
		const take = (tester: Tester, id: number): 'emit' | 'skip' | 'stop' => {
			if (id > round.ceiling) return upward ? 'stop' : 'skip';
			if (since !== null) {
				const at = createdAtOf(tester);
				if (at === null || at < since) return upward ? 'skip' : 'stop';
			}
			emit(tester, id, false);
			return 'emit';
		};
		const cursor: Cursor = {
			id: round.cursor ?? (upward ? null : round.ceiling + 1),
			page: round.page,
		};
		let end: Awaited<ReturnType<typeof walk>> | null = null;
		try {
			end = back ? await walk(cursor, -1, (x) => -x, take) : await walk(cursor, 1, upward ? (x) => x : (x) => -x, take);
		} finally {
			if (state.round === round) {
				round.cursor = cursor.id;
				round.page = cursor.page;
			}
		}
		if (end === 'broken') loseOrder(`page ${cursor.page} broke the order`);
		else if (end === 'end' || end === 'stop') finishRound();
	}

	function finishRound() {
		if (state.round?.gap) {
			state.round = null;
			notes.push('the sign-ups made while the trigger was starting are in (gap round complete)');
			return;
		}
		const backfill = state.sweepRounds === 0 && state.startFrom !== 'newSignUps';
		state.sweepRounds += 1;
		state.round = null;
		notes.push(backfill ? 'backfill complete: the first sweep round reached the end of the list' : 'sweep round complete');
	}

	/** Unordered mode: one pass walks the list page by page (see the header). */
	async function pass(): Promise<number> {
		const ps = state.pass;
		if (!ps || passEnded) return 0;
		let count = 0;
		let prev: ReadPage | null = null;
		for (;;) {
			if (room() <= 0) return count;
			const pg = await read(ps.page, true);
			const end = pg.testers.length === 0 || (prev !== null && sameIds(prev, pg)) || pg.testers.length < state.pageSize;
			const n = pg.testers.length;
			for (let i = ps.offset; i < n && !(prev !== null && sameIds(prev, pg)); i++) {
				const id = pg.ids[i];
				if (id === null) continue;
				const isNew = ps.base !== null && id > ps.base && !inRanges(ps.fresh, id);
				const old = state.round !== null && (ps.base === null || id <= ps.base || !isNew) && id <= state.round.ceiling;
				const since = state.round?.since ?? null;
				const oldOk = old && (since === null || (createdAtOf(pg.testers[i]) ?? -Infinity) >= since);
				const gap = state.round?.gap === true && since !== null;
				if ((isNew || oldOk) && !out.has(id)) {
					if (room() <= 0) {
						ps.offset = i;
						return count;
					}
					emit(pg.testers[i], id, false);
					// A gap round's testers count as emitted new ones: a later pass does not bring them again.
					if (isNew || gap) addRange(ps.fresh, id);
					count += 1;
				}
				if (gap && !oldOk) ps.below = maxOf(ps.below, id);
				ps.curMax = maxOf(ps.curMax, id);
				// Evidence for leaving unordered mode: one direction across the whole pass.
				if (ps.lastId !== null) {
					const d = id > ps.lastId ? 'asc' : id < ps.lastId ? 'desc' : 'mixed';
					ps.evidence = ps.evidence === 'none' ? d : ps.evidence === d ? d : 'mixed';
				}
				ps.lastId = id;
				ps.offset = i + 1;
			}
			progress = true;
			if (end) {
				endPass();
				return count;
			}
			prev = pg;
			ps.page += 1;
			ps.offset = 0;
		}
	}

	function endPass() {
		passEnded = true;
		const ps = state.pass as NonNullable<CatchUpState['pass']>;
		const seen = ps.curMax;
		// After a gap round's pass the new testers are those above the highest id created before the anchor:
		// one that slid between pages during the pass (missed) comes with the next pass.
		const gapBase = state.round?.gap ? (ps.below ?? -1) : null;
		const base = gapBase !== null ? gapBase : ps.passes === 0 ? seen : ps.prevMax;
		ps.prevMax = seen;
		ps.passes += 1;
		ps.base = maxOf(ps.base, base);
		const b = ps.base;
		ps.fresh = b === null ? ps.fresh : ps.fresh.filter(([, hi]) => hi > b).map(([lo, hi]) => [Math.max(lo, b + 1), hi] as [number, number]);
		state.watermark = maxOf(state.watermark, seen, ...ps.fresh.map(([, hi]) => hi));
		if (state.round) finishRound();
		const evidence = ps.evidence;
		ps.page = 1;
		ps.offset = 0;
		ps.curMax = null;
		ps.evidence = 'none';
		ps.lastId = null;
		ps.below = null;
		notes.push(`pass complete (${ps.passes}); new above ${ps.base ?? 'none'}`);
		if ((evidence === 'asc' || evidence === 'desc') && ps.passes >= 2) {
			state.order = evidence === 'asc' ? 'oldest-first' : 'newest-first';
			state.headPage = evidence === 'asc' ? Math.max(1, state.headPage) : 1;
			state.watermark = maxOf(state.watermark, ps.base, seen);
			state.pass = null;
			notes.push(`order: a whole pass was ${state.order}; the head takes over again from watermark ${state.watermark}`);
		}
	}

	try {
		if (allowance === 0) {
			stopped = 'allowance';
			notes.push('allowance: 0 requests this poll (the budget share is spent until more time passes)');
		} else {
			const settling = state.settling;
			if (settling) await settle();
			if (state.round === null && sweepEveryMs > 0 && state.lastRoundAt !== null && options.now - state.lastRoundAt >= sweepEveryMs) {
				state.round = {
					ceiling: state.order === 'unordered' ? (state.pass?.base ?? -1) : (state.watermark ?? -1),
					cursor: null,
					page: 1,
					since: null,
					startedAt: options.now,
				};
				state.lastRoundAt = options.now;
				notes.push(`safety sweep: round ${state.sweepRounds + 1} starts (testers up to ${state.round.ceiling})`);
			}
			if (!settling) await head();
			if (state.order === 'unordered') await pass();
			else await sweep();
			// An order lost during the sweep: what is left of the batch goes to the pass (one pass end a poll).
			if (state.order === 'unordered' && room() > 0 && !passEnded) await pass();
		}
	} catch (e) {
		if (e instanceof OutOfBudget) {
			stopped = e.why;
			notes.push(
				e.why === 'time'
					? "stopped: the poll's time budget is spent; the next poll goes on from here"
					: `stopped at the allowance (${allowance} requests)`,
			);
		} else {
			stopped = 'error';
			error = e;
			failed = !progress && out.size === 0;
		}
	}
	// Retries beyond the allowance are charged to the next poll.
	if (requests > allowance) state.credit -= requests - allowance;
	let fromHead = 0;
	for (const entry of out.values()) if (entry.head) fromHead += 1;
	const fromSweep = out.size - fromHead;

	const ids = [...out.keys()].sort((a, b) => a - b);
	const testers = ids.map((id) => (out.get(id) as { tester: Tester }).tester);
	notes.unshift(
		`sent ${requests} of ${allowance} allowed request(s); order ${state.order}; ${testers.length} tester(s) (${fromHead} new, ${fromSweep} swept)`,
	);
	return {
		testers,
		fromHead,
		fromSweep,
		state,
		pagesRead: requests,
		allowance,
		stopped,
		error,
		failed,
		notes,
		warnings,
	};
}

function maxOf(...xs: Array<number | null | undefined>): number | null {
	let m: number | null = null;
	for (const x of xs) if (typeof x === 'number' && (m === null || x > m)) m = x;
	return m;
}

/**
 * The newest tester (manual "Fetch Test Event"): page 1, and the last page when page 1 is not
 * descending. At most 2 pages; changes no state.
 */
export async function newestTester(fetchPage: FetchPage): Promise<Tester | null> {
	const first = await fetchPage(1);
	const testers: Tester[] = Array.isArray(first?.testers) ? first.testers : [];
	const total = numeric(first?.pagination?.total_count);
	const pages = numeric(first?.pagination?.pages) ?? (total !== null ? Math.ceil(total / PER_PAGE) : null);
	let pool = testers;
	if (pages !== null && pages > 1 && directionOf(testers.map(testerId)) !== 'desc') {
		const last = await fetchPage(pages);
		pool = testers.concat(Array.isArray(last?.testers) ? last.testers : []);
	}
	let best: Tester | null = null;
	let bestId = -1;
	for (const tester of pool) {
		const id = testerId(tester);
		if (id !== null && id > bestId) {
			best = tester;
			bestId = id;
		}
	}
	return best ?? pool[0] ?? null;
}
