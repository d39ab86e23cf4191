/** Types for `mock-prefinery-api.js` (hand-written; the implementation is plain CommonJS). */

export type MockPermission =
	| 'betas'
	| 'testers'
	| 'checkins'
	| 'friend_invitations'
	| 'points'
	| 'rewards'
	| 'suppressions'
	| '*';

export interface MockPrefineryApiOptions {
	/** The valid API key (default `test-api-key`). */
	apiKey?: string;
	/** Permissions of `apiKey` (default: all). A missing permission answers 403. */
	permissions?: MockPermission[];
	/** Further keys and their permissions. */
	apiKeys?: Record<string, MockPermission[]>;
	/** Testers seeded in project 1 (default 60, i.e. 3 pages of 25). Project 2 gets 3. */
	testers?: number;
	/** Status of a successful DELETE (default 200, as Prefinery documents; 204 also works). */
	deleteStatus?: 200 | 204;
	/**
	 * How lists are paged (default 'header': Prefinery's X-Pagination). 'none': no header; 'other-keys':
	 * a header with keys the node does not know; 'ignore-page': `?page=` is ignored (always page 1).
	 */
	pagination?: 'header' | 'none' | 'other-keys' | 'ignore-page';
	/**
	 * Order of the tester list (default 'oldest-first': creation order, as before). 'newest-first' is what
	 * API v1 documented; 'shuffled' a fixed pseudo-random order by id, the same on every request.
	 */
	testerOrder?: MockTesterOrder;
	/** Port to listen on (default 0: any free port). Always 127.0.0.1. */
	port?: number;
	/**
	 * Enforce Prefinery's documented rate limits (default off): `true` for the documented numbers, or
	 * an object overriding some of them. An overflowing request is answered 429 and not carried out.
	 */
	rateLimits?: boolean | Partial<Record<MockLimitName, Partial<MockLimit>>>;
	/** Send `Retry-After` (whole seconds until the window allows the request) on a rate-limit 429 (default false: no header, as Prefinery documents none). */
	retryAfterHeader?: boolean;
	/** The mock's clock in ms (default: real time, times `speed`). Share it with the node's limiter in tests. */
	now?: () => number;
	/** Real time sped up this many times for the mock's clock (default 1; ignored with `now`). */
	speed?: number;
}

export type MockTesterOrder = 'oldest-first' | 'newest-first' | 'shuffled';

export type MockLimitName = 'projects' | 'testerListProject' | 'testerListCompany' | 'rewardsPoints';

export interface MockLimit {
	limit: number;
	windowMs: number;
}

export interface MockStats {
	/** Requests received (all, including 429s). */
	requests: number;
	/** Requests answered 429 (rate limits and forced). */
	rateLimited: number;
	/** Writes (non-GET) carried out with a 2xx answer. */
	acceptedWrites: number;
	/** Writes carried out more than once with the same method, path and body (extra times). */
	duplicateWrites: number;
}

export interface RecordedRequest {
	method: string;
	/** URL path, e.g. `/api/v2/betas/1/testers`. */
	path: string;
	/** Query string as an object (last value wins). */
	query: Record<string, string>;
	/** Request headers, lower-cased names as Node gives them. */
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON body, the raw text when it is not JSON, or undefined when empty. */
	body: unknown;
	/** The raw request target (path and query string). */
	url: string;
	/** When it arrived, on the mock's clock (ms). */
	at: number;
	/** The status answered (0 until answered). */
	status: number;
}

export interface ForcedFailure {
	/** HTTP status to answer, e.g. 429 or 500; 0 resets the connection without an answer. */
	status: number;
	/** With status 0: carry the request out before resetting (the write happened, the client cannot know). */
	carryOut?: boolean;
	/** Only for this method (default: any). */
	method?: string;
	/** Only for paths containing this string / matching this RegExp (default: any). */
	path?: string | RegExp;
	/** How many matching requests fail (default 1). */
	times?: number;
	/** Error message in `{"errors":[{"message"}]}` (a default per status otherwise). */
	message?: string;
	/** Error code in the error body. */
	code?: number;
	/** A complete body instead of the generated one. */
	body?: unknown;
	/** `Retry-After` seconds for 429 (default 60; null: no header). */
	retryAfter?: number | null;
	/** Never answer (a hung request; `status` is then ignored): the client must time out or abort. */
	hang?: boolean;
}

export interface MockPrefineryState {
	projects: Array<Record<string, unknown> & { id: number; name: string }>;
	testers: Map<number, Array<Record<string, unknown> & { id: number; email: string; status: string }>>;
	points: Map<number, Array<Record<string, unknown>>>;
	rewards: Map<number, Array<Record<string, unknown>>>;
	suppressions: Map<number, Array<Record<string, unknown> & { id: number; email: string }>>;
	checkins: Array<{ id: number; project_id: number; tester_id: number }>;
	friendInvitations: Array<Record<string, unknown>>;
	nextId: Record<string, number>;
}

export interface MockPrefineryApi {
	/** Base URL including `/api/v2`, e.g. `http://127.0.0.1:43567/api/v2` (use as the credential's API Base URL). */
	url: string;
	/** `http://127.0.0.1:<port>` */
	origin: string;
	port: number;
	/** The valid API key. */
	apiKey: string;
	/** Every request received, in order. */
	requests: RecordedRequest[];
	/** The live data (mutable). */
	state: MockPrefineryState;
	/** The mock's clock (ms). */
	now(): number;
	/** Counts for assertions: 429s, writes carried out, writes carried out twice. */
	stats(): MockStats;
	/** Change the tester list's order from now on (see `testerOrder`). */
	setTesterOrder(order: MockTesterOrder): void;
	/** Make the next matching request(s) fail, e.g. `failNext({ status: 429 })`. */
	failNext(failure: ForcedFailure): void;
	/** Empty `requests`. */
	clearRequests(): void;
	/** Re-seed the data, clear requests, pending failures, rate-limit windows and counts; the tester order back to `testerOrder`. */
	reset(): void;
	close(): Promise<void>;
}

export const DEFAULT_API_KEY: string;
export const PER_PAGE: number;
export const DOCUMENTED_LIMITS: Record<MockLimitName, MockLimit>;

export function startMockPrefineryApi(options?: MockPrefineryApiOptions): Promise<MockPrefineryApi>;
