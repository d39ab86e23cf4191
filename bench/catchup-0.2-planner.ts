// BASELINE, BENCH ONLY: the Catch-Up Trigger's planner as it was in 0.2, before the issue-34 rewrite
// (`git show 34d1eb1:lib/catch-up.ts`), kept verbatim below this header so bench/catchup.mjs can measure the
// old design beside the new one in the same run. Not shipped, not built by `npm run build`: the bench
// compiles it on the fly (TypeScript's transpileModule). Do not fix it: it is the yardstick.
/**
 * The Catch-Up trigger's planner (issue 24): one poll of Prefinery's tester list, bounded by a share of
 * the project's tester-list budget and by a batch size. Pure module: no n8n imports; the caller passes
 * the persisted state, the options (with the time) and `fetchPage`, and persists the state it gets back.
 *
 * What Prefinery gives (reference: prefinery.md §5): `GET /betas/{id}/testers?page=N`, 25 testers a
 * page, `X-Pagination` (`pages`, `total_count`); 60 list requests a minute per project; no "updated
 * since" filter; v1 documented page 1 = the newest testers, v2 documents no order. So the order is
 * detected at run time and never trusted without checking:
 *
 * - **Order.** Tester ids are numeric and grow with creation. Ids strictly decreasing within a page and
 *   across adjacent pages = `newest-first` (API v1's documented order); strictly increasing =
 *   `oldest-first` (the repository's mock API); anything else = `unordered`. `unknown` until a page shows
 *   two ids. Every page a poll reads is checked against the remembered order (within the page, and
 *   against an adjacent page read in the same poll when `total_count` did not change in between); a
 *   page that breaks it switches the state to `unordered` (a warning) and hands the rest of the poll to
 *   the sweep. Back from `unordered` only after a whole sweep round was monotonic in one direction.
 *
 * - **The head** (new testers): `watermark` is the highest id the head has emitted, `watermarkRank`
 *   how many testers were newer than it when last seen (0 = it was the newest). A poll estimates where
 *   the watermark is now (rank + growth of `total_count`), reads that page, steps toward older pages
 *   until a page holds an id ≤ watermark (the anchor), then walks toward the newest end collecting ids
 *   above the watermark, oldest first, until `batchSize` testers, the newest page, or the allowance. The
 *   watermark becomes the highest collected id, so the next poll goes on from there: the cost of a poll
 *   is bounded by the batch (plus the pages stepped to find the anchor), never by the waitlist nor by
 *   the size of the gap. With nothing new a poll costs one page (page 1 newest-first; the last page
 *   oldest-first). The walk only goes on to the next page while `total_count` is unchanged (or grew,
 *   oldest-first: appends do not move earlier pages), or the page overlaps what was collected;
 *   otherwise a sign-up or a deletion may have shifted a tester past the walk, so it stops there and the
 *   next poll continues from the watermark (nothing skipped).
 *
 * - **First poll** (no state): reads page 1 (and the last page when page 1 is ascending), sets the
 *   watermark to the newest id seen and starts a **backfill** by the sweep from page 1: every tester who
 *   signed up before the workflow existed is emitted, spread over polls.
 *
 * - **The sweep** (the safety net for what the head cannot see: an unordered list, a tester shifted past
 *   a walk, a deletion moving pages): `sweepPage` walks the whole list page by page across polls,
 *   wrapping at the end, and emits every tester on the pages it reads (ordered: those at or below the
 *   watermark; the head owns the rest). The downstream claim (`tester_created:<tester id>`) decides what
 *   is new. It reads at most `floor((batchSize − head testers) / 25)` pages, so it never cuts a page and
 *   a poll never emits more than `batchSize`. In `unordered` mode the sweep is all there is.
 *
 * - **Budget.** A poll may read `share × 60 pages/minute × minutes since the last poll` pages (the first
 *   poll: as if 15 minutes had passed; capped at one hour's worth, so a long pause is not a burst;
 *   fractions of a page carried to the next poll, unused whole pages not). Over any stretch of polls,
 *   pages read ≤ share × 60 × minutes (+ the first poll's 15 minutes), i.e. ≤ share × 86,400 pages a
 *   day: 8,640 at the default 10 %. The head uses the allowance first, the sweep the rest. A full sweep
 *   of N testers is N/25 pages, so its period is about (N/25) / (sweep pages a day), where sweep pages a
 *   day ≤ min(allowance left after the head, floor(batchSize/25) per poll) × polls a day. At 100,000
 *   testers, 10 %, batch 500, every 15 minutes: 20 sweep pages a poll, 4,000 pages → 200 polls ≈ 50 h.
 *
 * The state is small (a dozen numbers): the planner keeps no tester list between polls; within a poll
 * it holds the pages it read (at most the allowance × 25 testers).
 */

export const PER_PAGE = 25;
/** Prefinery's tester-list limit per project, pages per minute. */
export const LIST_PAGES_PER_MINUTE = 60;
/** The first poll's allowance: as if this many minutes had passed. */
export const FIRST_POLL_MINUTES = 15;
/** The allowance never exceeds this many minutes' worth. */
export const MAX_ALLOWANCE_MINUTES = 60;

export const DEFAULT_SHARE_PERCENT = 10;
export const DEFAULT_BATCH_SIZE = 500;

export type ListOrder = 'unknown' | 'newest-first' | 'oldest-first' | 'unordered';

export type Tester = Record<string, unknown>;

export interface PageResult {
	testers: Tester[];
	/** From `X-Pagination`: `pages` and `total_count` when Prefinery sent them. */
	pagination?: { pages?: number | null; total_count?: number | null } | undefined;
}

export type FetchPage = (page: number) => Promise<PageResult>;

export interface CatchUpOptions {
	/** Share of the project's tester-list budget (60 pages a minute), in percent (1–50). */
	sharePercent: number;
	/** The most testers one poll emits (≥ 25). */
	batchSize: number;
	/** Now, in milliseconds (any clock that moves forward with time). */
	now: number;
}

/** What is kept between polls (n8n's workflow static data). JSON only. */
export interface CatchUpState {
	version: 1;
	order: ListOrder;
	/** The highest tester id emitted by the head (the first poll: the newest id seen). */
	watermark: number | null;
	/** How many testers were newer than the watermark when it was last seen; null = not known. */
	watermarkRank: number | null;
	/** `total_count` and `pages` at the end of the last poll. */
	total: number | null;
	pages: number | null;
	/** The next page the sweep reads (1-based). */
	sweepPage: number;
	/** Full sweep rounds completed (the first one is the backfill). */
	sweepRounds: number;
	/** Monotonicity seen by the sweep in the current round (to leave `unordered`). */
	sweepEvidence: 'asc' | 'desc' | 'none' | 'mixed';
	/** The last id (in page order) of the previous page the sweep read in this round. */
	sweepLastId: number | null;
	/** When the last poll ran (the options' clock), and the fraction of a page carried over. */
	lastPollAt: number | null;
	credit: number;
}

export interface PollOutcome {
	/** The testers to emit, oldest (lowest id) first, at most `batchSize`. */
	testers: Tester[];
	/** How many of them the head found (new since the watermark) and how many the sweep listed. */
	fromHead: number;
	fromSweep: number;
	state: CatchUpState;
	/** Requests made (pages fetched). */
	pagesRead: number;
	/** Pages this poll was allowed to read. */
	allowance: number;
	/** What happened, one line each: order, head, sweep. */
	notes: string[];
	/** Order lost, pagination missing: what the node logs as a warning. */
	warnings: string[];
}

export function initialState(): CatchUpState {
	return {
		version: 1,
		order: 'unknown',
		watermark: null,
		watermarkRank: null,
		total: null,
		pages: null,
		sweepPage: 1,
		sweepRounds: 0,
		sweepEvidence: 'none',
		sweepLastId: null,
		lastPollAt: null,
		credit: 0,
	};
}

/** A stored state when it looks like one of ours, else null (a fresh start). */
export function readState(value: unknown): CatchUpState | null {
	if (typeof value !== 'object' || value === null) return null;
	const s = value as Partial<CatchUpState>;
	if (s.version !== 1 || typeof s.sweepPage !== 'number' || typeof s.order !== 'string') return null;
	return { ...initialState(), ...s } as CatchUpState;
}

/**
 * Pages this poll may read: `share × 60 × minutes since the last poll` (+ the carried fraction), the
 * first poll as if 15 minutes had passed, capped at one hour's worth. Returns whole pages and the
 * fraction to carry.
 */
export function allowanceFor(state: CatchUpState | null, options: CatchUpOptions): { pages: number; carry: number } {
	const perMinute = (clampShare(options.sharePercent) / 100) * LIST_PAGES_PER_MINUTE;
	const minutes =
		state?.lastPollAt == null ? FIRST_POLL_MINUTES : Math.max(0, (options.now - state.lastPollAt) / 60_000);
	const credit = Math.min(perMinute * MAX_ALLOWANCE_MINUTES, perMinute * minutes + (state?.credit ?? 0));
	const pages = Math.floor(credit + 1e-9);
	return { pages, carry: Math.max(0, credit - pages) };
}

/** The budget arithmetic the docs and the benchmark quote. */
export function pagesPerDay(sharePercent: number): number {
	return (clampShare(sharePercent) / 100) * LIST_PAGES_PER_MINUTE * 60 * 24;
}

/**
 * How long one sweep round of `testers` takes, in polls and hours, when a poll every `pollMinutes`
 * minutes reads at most `floor(batchSize / 25)` sweep pages and its allowance minus `headPages`.
 */
export function sweepPeriod(
	testers: number,
	options: { sharePercent: number; batchSize: number; pollMinutes: number; headPages?: number; headTesters?: number },
): { pagesPerPoll: number; polls: number; hours: number } {
	const allowance = Math.floor((clampShare(options.sharePercent) / 100) * LIST_PAGES_PER_MINUTE * Math.min(options.pollMinutes, MAX_ALLOWANCE_MINUTES) + 1e-9);
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

/** A tester's numeric id, or null (no usable id: emitted by the sweep, ignored by the order checks). */
export function testerId(tester: Tester): number | null {
	const id = tester?.id;
	if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
	if (typeof id === 'string' && /^\d{1,15}$/.test(id)) return Number(id);
	return null;
}

interface ReadPage {
	page: number;
	testers: Tester[];
	ids: Array<number | null>;
	/** total_count (or an estimate from pages) and pages, as this response said. */
	total: number | null;
	pages: number | null;
	/** Strict direction of the ids within the page. */
	dir: 'asc' | 'desc' | 'none' | 'mixed';
}

function directionOf(ids: Array<number | null>): ReadPage['dir'] {
	const xs = ids.filter((x): x is number => x !== null);
	if (xs.length < 2) return 'none';
	let asc = true;
	let desc = true;
	for (let i = 1; i < xs.length; i++) {
		if (xs[i] <= xs[i - 1]) asc = false;
		if (xs[i] >= xs[i - 1]) desc = false;
	}
	return asc ? 'asc' : desc ? 'desc' : 'mixed';
}

function numeric(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}

const dirOfOrder = (order: ListOrder) => (order === 'newest-first' ? 'desc' : order === 'oldest-first' ? 'asc' : null);

/**
 * Plans and performs one poll. Throws what `fetchPage` throws (the state is then not advanced: the
 * caller keeps the old one, so the next poll repeats the work).
 */
export async function catchUpPoll(
	previous: CatchUpState | null,
	options: CatchUpOptions,
	fetchPage: FetchPage,
): Promise<PollOutcome> {
	const batchSize = clampBatch(options.batchSize);
	const state: CatchUpState = previous ? { ...previous } : initialState();
	const { pages: allowance, carry } = allowanceFor(previous, options);
	state.lastPollAt = options.now;
	state.credit = carry;
	const notes: string[] = [];
	const warnings: string[] = [];
	const cache = new Map<number, ReadPage>();
	let pagesRead = 0;
	let limit = allowance;

	/** A page from this poll's cache, or fetched when the limit allows; null when it does not. */
	const read = async (page: number): Promise<ReadPage | null> => {
		const cached = cache.get(page);
		if (cached) return cached;
		if (pagesRead >= limit) return null;
		const result = await fetchPage(page);
		pagesRead += 1;
		const testers = Array.isArray(result?.testers) ? result.testers : [];
		const ids = testers.map(testerId);
		const pages = numeric(result?.pagination?.pages);
		let total = numeric(result?.pagination?.total_count);
		if (total === null && pages !== null) {
			total = page === pages ? (pages - 1) * PER_PAGE + testers.length : pages * PER_PAGE;
		}
		const entry: ReadPage = { page, testers, ids, total, pages, dir: directionOf(ids) };
		cache.set(page, entry);
		return entry;
	};

	const emitted = new Map<number | string, { tester: Tester; id: number | null; head: boolean }>();
	let unkeyed = 0;
	const emit = (tester: Tester, head: boolean) => {
		const id = testerId(tester);
		const key = id ?? `#${unkeyed++}`;
		if (!emitted.has(key)) emitted.set(key, { tester, id, head });
	};

	const loseOrder = (why: string) => {
		if (state.order === 'newest-first' || state.order === 'oldest-first') {
			warnings.push(`The tester list is no longer ${state.order} (${why}): new testers are now found by the sweep only`);
		}
		state.order = 'unordered';
		state.sweepEvidence = 'none';
		state.sweepLastId = null;
		state.watermarkRank = null;
	};

	/** Does this page keep the remembered order (within, and against adjacent cached pages)? */
	const keepsOrder = (pg: ReadPage): string | null => {
		const want = dirOfOrder(state.order);
		if (!want) return null;
		if (pg.dir === 'mixed' || (pg.dir !== 'none' && pg.dir !== want)) return `page ${pg.page} is ${pg.dir === 'mixed' ? 'not monotonic' : pg.dir === 'asc' ? 'ascending' : 'descending'}`;
		for (const other of [cache.get(pg.page - 1), cache.get(pg.page + 1)]) {
			if (!other || other.total !== pg.total) continue;
			const [before, after] = other.page < pg.page ? [other, pg] : [pg, other];
			const a = before.ids.filter((x): x is number => x !== null);
			const b = after.ids.filter((x): x is number => x !== null);
			if (a.length === 0 || b.length === 0) continue;
			const ok = want === 'asc' ? a[a.length - 1] < b[0] : a[a.length - 1] > b[0];
			if (!ok) return `pages ${before.page} and ${after.page} overlap`;
		}
		return null;
	};

	let fromHead = 0;
	let headReachedNewest = false;

	if (allowance === 0) {
		notes.push('allowance: 0 pages this poll (the budget share is spent until more time passes)');
	} else if (!previous || state.watermark === null || state.order === 'unknown') {
		// First poll (or no order known yet): find the newest tester, set the watermark, start the backfill.
		const first = await read(1);
		if (first) {
			let seen = [...first.ids];
			let order: ListOrder = first.dir === 'desc' ? 'newest-first' : first.dir === 'asc' ? 'oldest-first' : first.dir === 'mixed' ? 'unordered' : 'unknown';
			if (first.pages === null && first.total === null) {
				warnings.push('Prefinery sent no X-Pagination header: the list is swept page by page only');
				order = first.dir === 'mixed' ? 'unordered' : order;
			}
			if (first.pages !== null && first.pages > 1 && first.dir !== 'desc' && first.dir !== 'mixed') {
				const last = await read(first.pages);
				if (last) {
					seen = seen.concat(last.ids);
					const a = first.ids.filter((x): x is number => x !== null);
					const b = last.ids.filter((x): x is number => x !== null);
					const across = a.length && b.length ? (a[a.length - 1] < b[0] ? 'asc' : 'other') : 'none';
					if (last.dir === 'mixed' || last.dir === 'desc' || across === 'other') order = 'unordered';
					else if (first.dir === 'asc' || last.dir === 'asc' || across === 'asc') order = 'oldest-first';
				}
			}
			const ids = seen.filter((x): x is number => x !== null);
			const newest = ids.length ? Math.max(...ids) : null;
			if (state.watermark === null || (newest !== null && newest > state.watermark)) state.watermark = newest;
			state.order = order;
			state.total = first.total;
			state.pages = first.pages;
			state.watermarkRank = order === 'newest-first' || order === 'oldest-first' ? 0 : null;
			if (!previous) {
				state.sweepPage = 1;
				notes.push(`first poll: watermark ${state.watermark ?? 'none (empty list)'}; the backfill of ${first.total ?? 'all'} testers starts (sweep from page 1)`);
			}
			notes.push(`order: ${order}${order === 'unknown' ? ' (too few testers to tell)' : ' (detected)'}`);
			headReachedNewest = true;
		}
	} else if (state.order === 'newest-first' || state.order === 'oldest-first') {
		const head = await runHead();
		fromHead = head.count;
		headReachedNewest = head.reachedNewest;
	} else {
		notes.push(`order: ${state.order}: no head, the sweep only`);
	}

	async function runHead(): Promise<{ count: number; reachedNewest: boolean }> {
		const newestFirst = state.order === 'newest-first';
		const W = state.watermark as number;
		const towardNewer = (p: number) => (newestFirst ? p - 1 : p + 1);
		const towardOlder = (p: number) => (newestFirst ? p + 1 : p - 1);
		const isNewest = (pg: ReadPage) => (newestFirst ? pg.page <= 1 : pg.pages === null ? pg.testers.length < PER_PAGE : pg.page >= pg.pages);
		const isOldest = (pg: ReadPage) => (newestFirst ? (pg.pages === null ? pg.testers.length < PER_PAGE : pg.page >= pg.pages) : pg.page <= 1);
		const indexOf = (pg: ReadPage, offset: number) => (pg.page - 1) * PER_PAGE + offset;
		const rankOf = (pg: ReadPage, offset: number) =>
			newestFirst ? indexOf(pg, offset) : Math.max(0, (pg.total ?? indexOf(pg, offset) + 1) - 1 - indexOf(pg, offset));
		const pageOfRank = (rank: number, total: number, pages: number) => {
			const index = newestFirst ? rank : total - 1 - rank;
			return Math.min(Math.max(1, Math.floor(Math.max(0, index) / PER_PAGE) + 1), Math.max(1, pages));
		};
		const broken = (pg: ReadPage) => {
			const why = keepsOrder(pg);
			if (why) loseOrder(why);
			return why !== null;
		};

		// 1. Where is the watermark now? One page tells the list's size; the rank estimate does the rest.
		const probe = await read(newestFirst ? 1 : Math.max(1, state.pages ?? 1));
		if (!probe) return { count: 0, reachedNewest: false };
		if (broken(probe)) return { count: 0, reachedNewest: false };
		let p = probe.page;
		if (probe.total !== null && probe.pages !== null) {
			const rank = state.watermarkRank === null ? 0 : Math.max(0, state.watermarkRank + (probe.total - (state.total ?? probe.total)));
			p = pageOfRank(rank, probe.total, probe.pages);
		}
		// 2. Step toward older pages until one holds an id ≤ watermark (the anchor).
		let anchor: ReadPage | null = null;
		const visited = new Set<number>();
		let knownNewer = 0;
		for (;;) {
			if (visited.has(p)) break;
			visited.add(p);
			const pg = await read(p);
			if (!pg) break;
			if (broken(pg)) return { count: 0, reachedNewest: false };
			if (pg.testers.length === 0) {
				// Past the end (deletions shrank the list) or an empty list.
				if (pg.pages !== null && pg.pages >= 1 && pg.pages !== p && !visited.has(pg.pages)) {
					p = pg.pages;
					continue;
				}
				anchor = pg;
				break;
			}
			const ids = pg.ids.filter((x): x is number => x !== null);
			if (ids.some((id) => id <= W) || isOldest(pg)) {
				anchor = pg;
				break;
			}
			// Everything here is newer than the watermark: it lies further toward the older end.
			knownNewer = Math.max(knownNewer, rankOf(pg, newestFirst ? pg.testers.length - 1 : 0) + 1);
			p = towardOlder(p);
		}
		if (!anchor) {
			state.watermarkRank = knownNewer > 0 ? knownNewer : state.watermarkRank;
			state.total = probe.total;
			state.pages = probe.pages;
			notes.push(`head: the watermark (${W}) was not reached within the allowance; the next poll goes on from ${knownNewer} testers newer`);
			return { count: 0, reachedNewest: false };
		}
		// 3. Walk toward the newest end, collecting ids above the watermark, oldest first.
		let last = W;
		let lastRank: number | null = null;
		let count = 0;
		let reachedNewest = false;
		let stopped = '';
		let pg: ReadPage = anchor;
		let prev: ReadPage | null = null;
		for (;;) {
			if (prev) {
				const overlaps = pg.ids.some((id) => id !== null && id <= last);
				const stable = pg.total === prev.total || (!newestFirst && pg.total !== null && prev.total !== null && pg.total > prev.total);
				if (!stable && !overlaps) {
					stopped = 'the list changed under the walk';
					break;
				}
			}
			const offsets = pg.testers.map((_, i) => i);
			if (newestFirst) offsets.reverse();
			for (const i of offsets) {
				const id = pg.ids[i];
				if (id === null) continue;
				if (id <= last) {
					// The newest tester at or below the watermark so far: where the watermark is now.
					lastRank = rankOf(pg, i);
					continue;
				}
				if (count >= batchSize) break;
				emit(pg.testers[i], true);
				count += 1;
				last = id;
				lastRank = rankOf(pg, i);
			}
			if (count >= batchSize) {
				stopped = `batch full (${batchSize})`;
				break;
			}
			if (isNewest(pg) || pg.testers.length === 0) {
				reachedNewest = true;
				break;
			}
			const next = await read(towardNewer(pg.page));
			if (!next) {
				stopped = 'allowance spent';
				break;
			}
			if (broken(next)) return { count: 0, reachedNewest: false };
			prev = pg;
			pg = next;
		}
		state.watermark = last;
		state.watermarkRank = reachedNewest ? 0 : lastRank;
		state.total = pg.total;
		state.pages = pg.pages;
		notes.push(
			reachedNewest
				? `head: ${count} new tester(s) since ${W}; reached the newest (watermark ${last})`
				: `head: ${count} new tester(s) since ${W}, stopped (${stopped}) at watermark ${last}; the next poll goes on from there`,
		);
		return { count, reachedNewest };
	}

	// The sweep: the rest of the allowance, and no more pages than the batch has room for.
	// If the head lost the order, drop what it collected: the sweep (or the next poll) finds it again.
	if (state.order === 'unordered') {
		for (const [key, entry] of emitted) if (entry.head) emitted.delete(key);
		fromHead = 0;
	}
	const ordered = state.order === 'newest-first' || state.order === 'oldest-first';
	const room = batchSize - emitted.size;
	const sweepPages = Math.min(Math.floor(room / PER_PAGE), allowance - pagesRead);
	limit = pagesRead + Math.max(0, sweepPages);
	let fromSweep = 0;
	let swept = 0;
	let wrapped = false;
	const sweepStart = state.sweepPage;
	if (allowance > 0 && sweepPages > 0) {
		let p = Math.max(1, state.sweepPage);
		while (swept < sweepPages && batchSize - emitted.size >= PER_PAGE) {
			// One round at most per poll: back at the page it started from, it stops.
			if (wrapped && p >= sweepStart) break;
			const pg = await read(p);
			if (!pg) break;
			swept += 1;
			if (pg.testers.length === 0) {
				// Past the end: wrap (once per poll).
				if (p === 1 || wrapped) break;
				p = 1;
				state.sweepRounds += 1;
				wrapped = true;
				finishRound();
				continue;
			}
			if (ordered) {
				const why = keepsOrder(pg);
				if (why) loseOrder(why);
			}
			observeSweep(pg);
			const ceiling = state.order === 'newest-first' || state.order === 'oldest-first' ? state.watermark : null;
			for (const tester of pg.testers) {
				const id = testerId(tester);
				if (ceiling !== null && id !== null && id > ceiling) continue;
				const before = emitted.size;
				emit(tester, false);
				if (emitted.size > before) fromSweep += 1;
			}
			const lastPage = pg.pages !== null ? p >= pg.pages : pg.testers.length < PER_PAGE;
			if (lastPage) {
				p = 1;
				state.sweepRounds += 1;
				wrapped = true;
				finishRound();
				if (state.sweepRounds === 1) notes.push('backfill complete: the first sweep round reached the end of the list');
			} else {
				p += 1;
			}
		}
		state.sweepPage = p;
	}
	notes.push(
		state.order === 'unordered' || state.order === 'unknown' || swept > 0 || allowance > 0
			? `sweep: ${swept} page(s) from page ${sweepStart}, ${fromSweep} tester(s)${wrapped ? ', wrapped to page 1' : ''}; next page ${state.sweepPage}; round ${state.sweepRounds + 1}${state.sweepRounds === 0 ? ' (backfill)' : ''}`
			: 'sweep: nothing this poll',
	);
	if (!headReachedNewest && fromHead === 0 && (state.order === 'newest-first' || state.order === 'oldest-first') && previous && pagesRead >= allowance) {
		notes.push(`stopped at the allowance (${allowance} pages)`);
	}

	/** Monotonicity across a sweep round, to leave `unordered` (or settle `unknown`) on strong evidence. */
	function observeSweep(pg: ReadPage) {
		const ids = pg.ids.filter((x): x is number => x !== null);
		if (ids.length === 0) return;
		let dir: 'asc' | 'desc' | 'none' | 'mixed' = pg.dir;
		if (state.sweepLastId !== null) {
			const across = ids[0] > state.sweepLastId ? 'asc' : ids[0] < state.sweepLastId ? 'desc' : 'none';
			if (dir === 'none') dir = across;
			else if (across !== 'none' && across !== dir) dir = 'mixed';
		}
		const ev = state.sweepEvidence;
		state.sweepEvidence = ev === 'mixed' || dir === 'mixed' ? 'mixed' : ev === 'none' ? dir : dir === 'none' || dir === ev ? ev : 'mixed';
		state.sweepLastId = ids[ids.length - 1];
	}

	function finishRound() {
		if (state.order === 'unordered' && (state.sweepEvidence === 'asc' || state.sweepEvidence === 'desc')) {
			state.order = state.sweepEvidence === 'asc' ? 'oldest-first' : 'newest-first';
			state.watermarkRank = null;
			notes.push(`order: a whole sweep round was ${state.order}; the head takes over again from watermark ${state.watermark}`);
		}
		state.sweepEvidence = 'none';
		state.sweepLastId = null;
	}

	const testers = [...emitted.values()]
		.sort((a, b) => (a.id ?? Number.MAX_SAFE_INTEGER) - (b.id ?? Number.MAX_SAFE_INTEGER))
		.map((entry) => entry.tester);
	notes.unshift(`read ${pagesRead} of ${allowance} allowed page(s); order ${state.order}; ${testers.length} tester(s) (${fromHead} new, ${fromSweep} swept)`);
	return { testers, fromHead, fromSweep, state, pagesRead, allowance, notes, warnings };
}

/**
 * The newest tester (manual "Fetch Test Event"): page 1, and the last page when page 1 is not
 * descending. At most 2 pages; changes no state.
 */
export async function newestTester(fetchPage: FetchPage): Promise<Tester | null> {
	const first = await fetchPage(1);
	const testers = [...(first?.testers ?? [])];
	const ids = testers.map(testerId);
	const pages = numeric(first?.pagination?.pages);
	if (pages !== null && pages > 1 && directionOf(ids) !== 'desc') testers.push(...((await fetchPage(pages))?.testers ?? []));
	let best: Tester | null = null;
	let bestId = -1;
	for (const tester of testers) {
		const id = testerId(tester);
		if (id !== null && id > bestId) {
			best = tester;
			bestId = id;
		}
	}
	return best ?? testers[0] ?? null;
}

/** `X-Pagination` as the planner needs it: `pages` and `total_count`, from the raw header. */
export function paginationOf(header: unknown): { pages: number | null; total_count: number | null } {
	const text = Array.isArray(header) ? header[0] : header;
	if (typeof text !== 'string') return { pages: null, total_count: null };
	try {
		const p = JSON.parse(text) as Record<string, unknown>;
		if (typeof p !== 'object' || p === null) return { pages: null, total_count: null };
		const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
		return { pages: int(p.pages ?? p.total_pages), total_count: int(p.total_count ?? p.total) };
	} catch {
		return { pages: null, total_count: null };
	}
}
