/**
 * An in-memory Prefinery tester list for the catch-up planner's tests: 25 a page, `pages` and
 * `total_count` as X-Pagination gives them, in one of the orders the mock API offers, with sign-ups
 * and deletions between (or during) polls. Every fetch is counted.
 */
import type { FetchPage, PageResult } from '../../lib/catch-up';

export type ListOrder = 'oldest-first' | 'newest-first' | 'shuffled';

/** A fixed pseudo-random rank of a tester id: the order of a 'shuffled' list (also test/catch-up-hostile-list.ts). */
export function shuffleRank(id: number): number {
	let x = (id * 2654435761) >>> 0;
	x ^= x >>> 15;
	x = Math.imul(x, 2246822519) >>> 0;
	x ^= x >>> 13;
	return x >>> 0;
}

export interface TesterList {
	ids: number[];
	order: ListOrder;
	fetches: number;
	/** Called before each page is answered (e.g. a sign-up during a poll). */
	beforeFetch?: (page: number) => void;
	add(n?: number): number[];
	remove(id: number): void;
	fetchPage: FetchPage;
}

export function testerList(count: number, order: ListOrder = 'oldest-first', firstId = 1001): TesterList {
	let nextId = firstId;
	const list: TesterList = {
		ids: [],
		order,
		fetches: 0,
		add(n = 1) {
			const added: number[] = [];
			for (let i = 0; i < n; i++) {
				list.ids.push(nextId);
				added.push(nextId);
				nextId += 1;
			}
			return added;
		},
		remove(id: number) {
			const at = list.ids.indexOf(id);
			if (at !== -1) list.ids.splice(at, 1);
		},
		async fetchPage(page: number): Promise<PageResult> {
			list.beforeFetch?.(page);
			list.fetches += 1;
			let ordered = list.ids;
			if (list.order === 'newest-first') ordered = [...list.ids].reverse();
			else if (list.order === 'shuffled') ordered = [...list.ids].sort((a, b) => shuffleRank(a) - shuffleRank(b) || a - b);
			const total = ordered.length;
			const pages = Math.max(1, Math.ceil(total / 25));
			const slice = ordered.slice((page - 1) * 25, page * 25);
			return {
				testers: slice.map((id) => ({ id, email: `user${id}@example.com`, created_at: '2026-01-01T00:00:00Z' })),
				pagination: { pages, total_count: total },
			};
		},
	};
	list.add(count);
	return list;
}
