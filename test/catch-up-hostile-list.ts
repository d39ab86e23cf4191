/**
 * A hostile tester list for the catch-up planner's tests (issue 34, item 3): the list Prefinery might
 * give at its worst. In memory, answered through `fetchPage` with no HTTP, so a property test can run
 * thousands of scenarios. What it can do:
 * - order: oldest-first, newest-first or shuffled (a fixed order by a hash of the id), switchable;
 * - `X-Pagination`: right, absent, with other keys (absent for the planner), `pages` one short or one
 *   over, `total_count` one short or one over, a constant lie, or a random number each time;
 * - pages beyond the last: empty, or the last page again (an API that clamps `page`);
 * - a duplicate: one tester listed twice on its page;
 * - changes between page reads (`beforeFetch`), sign-ups and deletions between polls;
 * - a page size other than 25 (one huge page).
 * Every request is counted; ids deleted are never reused.
 */
import type { FetchPage, PageResult } from '../lib/catch-up';
import { shuffleRank } from './helpers/tester-list';

export type HostileOrder = 'oldest-first' | 'newest-first' | 'shuffled';
export type HeaderMode = 'ok' | 'none' | 'other-keys' | 'pages-1' | 'pages+1' | 'total-1' | 'total+1' | 'total-lie' | 'total-random';
export type BeyondMode = 'empty' | 'repeat-last';

export interface HostileListOptions {
	order?: HostileOrder;
	header?: HeaderMode;
	beyond?: BeyondMode;
	/** Ids listed twice on their page (the second copy right after the first). */
	duplicates?: Set<number>;
	pageSize?: number;
	firstId?: number;
	/** A pseudo-random source for 'total-random' (default: a fixed LCG). */
	random?: () => number;
	/** created_at of each tester, ms (default: 2026-01-01 + one minute per id). */
	createdAt?: (id: number) => number;
}

export interface HostileList {
	ids: number[];
	order: HostileOrder;
	header: HeaderMode;
	beyond: BeyondMode;
	duplicates: Set<number>;
	pageSize: number;
	requests: number;
	beforeFetch?: (page: number) => void;
	add(n?: number): number[];
	remove(id: number): boolean;
	has(id: number): boolean;
	ordered(): number[];
	fetchPage: FetchPage;
}

export const T_CREATED = Date.parse('2026-01-01T00:00:00Z');

export function hostileList(count: number, options: HostileListOptions = {}): HostileList {
	let nextId = options.firstId ?? 1001;
	let seed = 12345;
	const random = options.random ?? (() => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	const createdAt = options.createdAt ?? ((id: number) => T_CREATED + id * 60_000);
	const present = new Set<number>();
	const made = new Map<number, Record<string, unknown>>();
	const tester = (id: number) => {
		let t = made.get(id);
		if (!t) made.set(id, (t = { id, email: `user${id}@example.com`, created_at: new Date(createdAt(id)).toISOString() }));
		return t;
	};
	const list: HostileList = {
		ids: [],
		order: options.order ?? 'oldest-first',
		header: options.header ?? 'ok',
		beyond: options.beyond ?? 'empty',
		duplicates: options.duplicates ?? new Set(),
		pageSize: options.pageSize ?? 25,
		requests: 0,
		add(n = 1) {
			const added: number[] = [];
			for (let i = 0; i < n; i++) {
				list.ids.push(nextId);
				present.add(nextId);
				added.push(nextId);
				nextId += 1;
			}
			return added;
		},
		remove(id) {
			const at = list.ids.indexOf(id);
			if (at === -1) return false;
			list.ids.splice(at, 1);
			present.delete(id);
			return true;
		},
		has: (id) => present.has(id),
		ordered() {
			if (list.order === 'newest-first') return [...list.ids].reverse();
			if (list.order === 'shuffled') return [...list.ids].sort((a, b) => shuffleRank(a) - shuffleRank(b) || a - b);
			return list.ids;
		},
		async fetchPage(page: number): Promise<PageResult> {
			list.beforeFetch?.(page);
			list.requests += 1;
			const rows: number[] = [];
			for (const id of list.ordered()) {
				rows.push(id);
				if (list.duplicates.has(id)) rows.push(id);
			}
			const size = list.pageSize;
			const total = rows.length;
			const pages = Math.max(1, Math.ceil(total / size));
			let slice = rows.slice((page - 1) * size, page * size);
			if (slice.length === 0 && page > 1 && list.beyond === 'repeat-last') slice = rows.slice((pages - 1) * size, pages * size);
			const testers = slice.map(tester);
			let pagination: PageResult['pagination'];
			switch (list.header) {
				case 'ok':
					pagination = { pages, total_count: total };
					break;
				case 'pages-1':
					pagination = { pages: Math.max(1, pages - 1), total_count: Math.max(0, total - size) };
					break;
				case 'pages+1':
					pagination = { pages: pages + 1, total_count: total + size };
					break;
				case 'total-1':
					pagination = { pages, total_count: Math.max(0, total - 1) };
					break;
				case 'total+1':
					pagination = { pages, total_count: total + 1 };
					break;
				case 'total-lie':
					pagination = { pages: 3, total_count: 75 };
					break;
				case 'total-random':
					pagination = { pages: Math.floor(random() * 10), total_count: Math.floor(random() * 250) };
					break;
				default:
					pagination = undefined;
			}
			return { testers, pagination };
		},
	};
	list.add(count);
	return list;
}
