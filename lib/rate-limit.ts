/**
 * Pacing for Prefinery's documented rate limits (reference: prefinery.md §5) and the retry rules of
 * the action node. Pure module: no n8n imports; the clock is injectable, and the transport does the
 * actual waiting (with n8n-workflow's `sleep`).
 *
 * - Buckets: `GET /betas` and `GET /betas/{id}` share 90 requests per 15 minutes per company; the
 *   tester list (`GET /betas/{id}/testers`) 60 per minute per project and 180 per minute per company;
 *   rewards and points (any method on `/betas/{id}/rewards|points`) 60 per minute per company. Other
 *   endpoints have no documented limit and are not paced (a 429 from them is still waited out).
 * - A sliding window per bucket: a request may go when fewer than `limit` requests of the bucket were
 *   sent in the last `windowMs` (plus a small safety margin for latency). Slots are reserved when
 *   they are handed out, so concurrent executions in one process never overbook a bucket.
 * - One classification of paths (`classifyPath`) decides both the buckets a request counts against and
 *   how an error names the limit; ids in paths are canonical (`/betas/01` and `/betas/1` are one
 *   project, one budget).
 * - Time is a monotonic clock (`performance.now()`), so a step of the wall clock (NTP, daylight saving
 *   done wrong, a VM resumed) never turns into a wait; the wall clock is read only to turn an HTTP-date
 *   `Retry-After` into a duration.
 * - A server-given wait (`Retry-After`) blocks a bucket for every request of this process, but never for
 *   longer than the Max Wait of the request that received it: a `Retry-After: 86400` fails that request
 *   at once (it may not wait that long) and holds back the others for at most that Max Wait; then the
 *   next request asks Prefinery again (one request per Max Wait while Prefinery keeps refusing), instead
 *   of failing at once for a day. No block lasts longer than `MAX_SERVER_BLOCK_MS` (1 hour) either.
 * - Memory: at most `limit` + 1 timestamps per bucket, at most `maxBuckets` buckets (least recently used
 *   dropped), per process.
 */
import { createHash } from 'crypto';
import { touch, trimOldest } from './lru';

export interface Clock {
	/** Milliseconds on a clock that only moves forward (any origin): all scheduling uses it. */
	now(): number;
	/** Wall-clock milliseconds since the epoch, only to read an HTTP-date `Retry-After` (default: `now()`). */
	wallNow?: () => number;
	/** Used by the transport instead of n8n-workflow's `sleep` when set (tests, benchmarks). */
	sleep?: (ms: number) => Promise<void>;
}

export interface LimitSpec {
	limit: number;
	windowMs: number;
	/** How the README and error messages name it. */
	label: string;
}

export interface Bucket extends LimitSpec {
	key: string;
}

const MINUTE = 60_000;

/** Prefinery's documented limits. */
export const PREFINERY_LIMITS = {
	projects: { limit: 90, windowMs: 15 * MINUTE, label: 'projects: 90 requests per 15 minutes' },
	testerListProject: { limit: 60, windowMs: MINUTE, label: 'tester list: 60 requests per minute per project' },
	testerListCompany: { limit: 180, windowMs: MINUTE, label: 'tester list: 180 requests per minute per company' },
	rewardsPoints: { limit: 60, windowMs: MINUTE, label: 'rewards and points: 60 requests per minute' },
} as const satisfies Record<string, LimitSpec>;

/**
 * An opaque key for the company an API key belongs to (one key, one company): a hash of the API base
 * URL and the key, so the key itself is never kept as a map key or shown.
 */
export function companyKey(baseUrl: string, apiKey: string): string {
	return createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex').slice(0, 24);
}

/** What a path is, as far as Prefinery's documented limits go. */
export type PathKind = 'projects' | 'testerList' | 'rewardsPoints' | 'undocumented';

/**
 * A path segment in canonical form: an all-digit id without leading zeros (`01` → `1`), so one project
 * is one bucket however its id was written; other segments as they are.
 */
export function canonicalSegment(segment: string): string {
	return /^\d+$/.test(segment) ? segment.replace(/^0+(?=\d)/, '') : segment;
}

/**
 * The one classification of request paths (method + path, query string ignored) for Prefinery's
 * documented limits; `bucketsFor` and the error messages both use it, so they never disagree:
 * - `GET /betas`, `GET /betas/{id}` → projects;
 * - `GET /betas/{id}/testers` → tester list (`POST …/testers` and `GET …/testers/{id}` are not the list);
 * - any method on `/betas/{id}/points` or `/betas/{id}/rewards` (and below) → rewards and points;
 * - anything else → undocumented (no pacing; a 429 is still waited out).
 */
export function classifyPath(method: string, path: string): { kind: PathKind; project?: string } {
	const segments = path
		.split('?')[0]
		.split('/')
		.filter((s) => s !== '')
		.map(canonicalSegment);
	if (segments[0] !== 'betas') return { kind: 'undocumented' };
	const verb = method.toUpperCase();
	if (segments.length <= 2) return { kind: verb === 'GET' ? 'projects' : 'undocumented' };
	const project = segments[1];
	if (segments.length === 3 && segments[2] === 'testers' && verb === 'GET') return { kind: 'testerList', project };
	if (segments[2] === 'points' || segments[2] === 'rewards') return { kind: 'rewardsPoints', project };
	return { kind: 'undocumented', project };
}

/** The documented buckets a request counts against (none for endpoints without a documented limit). */
export function bucketsFor(method: string, path: string, company: string): Bucket[] {
	const { kind, project } = classifyPath(method, path);
	const bucket = (spec: LimitSpec, key: string): Bucket => ({ ...spec, key });
	switch (kind) {
		case 'projects':
			return [bucket(PREFINERY_LIMITS.projects, `projects|${company}`)];
		case 'testerList':
			return [
				bucket(PREFINERY_LIMITS.testerListProject, `testers|${company}|${project}`),
				bucket(PREFINERY_LIMITS.testerListCompany, `testers|${company}`),
			];
		case 'rewardsPoints':
			return [bucket(PREFINERY_LIMITS.rewardsPoints, `rewards-points|${company}`)];
		default:
			return [];
	}
}

/** The documented limits of a request, for messages (see `limitNames`). */
export function rateLimitFor(method: string, path: string): string {
	return limitNames(bucketsFor(method, path, ''));
}

/** "tester list: 60 requests per minute per project; tester list: 180 …", or what an undocumented one is. */
export function limitNames(buckets: Bucket[]): string {
	return buckets.length ? buckets.map((b) => b.label).join('; ') : 'a limit Prefinery does not document for this endpoint';
}

/**
 * `Retry-After` in milliseconds: delta-seconds (`120`, `1.5`) or an HTTP date. Missing, negative or
 * unreadable → null (then the documented window decides).
 */
export function parseRetryAfter(value: unknown, nowMs: number): number | null {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return null;
	const raw = String(text).trim();
	if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
	const date = Date.parse(raw);
	if (!Number.isFinite(date) || !/[a-z]/i.test(raw)) return null;
	return Math.max(0, date - nowMs);
}

interface BucketState {
	/** Send times (sorted, at most `limit` + 1), including reserved future slots. */
	log: number[];
	/** No request before this (a Retry-After). */
	blockedUntil: number;
}

export interface Reservation {
	ok: boolean;
	/** How long to wait before sending (when ok), or how long it would have been (when not). */
	delayMs: number;
	/** The bucket that decided the wait, if any. */
	bucket?: Bucket;
}

/**
 * The process's clock: `performance.now()` (monotonic, allowed by n8n's scanner, unlike `process.hrtime`)
 * for scheduling, `Date.now()` only for HTTP dates.
 */
export const systemClock: Clock = { now: () => performance.now(), wallNow: () => Date.now() };

/** No server-given block of a bucket lasts longer than this, whatever Retry-After and Max Wait say. */
export const MAX_SERVER_BLOCK_MS = 60 * MINUTE;

export class RateLimiter {
	private readonly buckets = new Map<string, BucketState>();

	constructor(
		readonly clock: Clock = systemClock,
		private readonly options: { maxBuckets?: number; marginRatio?: number } = {},
	) {}

	/** Buckets kept in memory (bounded by `maxBuckets`). */
	get size(): number {
		return this.buckets.size;
	}

	private margin(bucket: LimitSpec): number {
		return Math.ceil(bucket.windowMs * (this.options.marginRatio ?? 0.005));
	}

	private state(bucket: Bucket): BucketState {
		const state = this.buckets.get(bucket.key) ?? { log: [], blockedUntil: 0 };
		touch(this.buckets, bucket.key, state);
		trimOldest(this.buckets, this.options.maxBuckets ?? 1000);
		return state;
	}

	/** The earliest time a request of this bucket may be sent (never before the bucket's last one). */
	private earliest(bucket: Bucket, state: BucketState, now: number): number {
		const { log } = state;
		let at = Math.max(now, state.blockedUntil);
		if (log.length > 0) at = Math.max(at, log[log.length - 1]);
		if (log.length >= bucket.limit) at = Math.max(at, log[log.length - bucket.limit] + bucket.windowMs + this.margin(bucket));
		return at;
	}

	private record(bucket: Bucket, state: BucketState, at: number): void {
		state.log.push(at);
		// `limit` for the window, one more to tell after a 429 whether its own requests filled it.
		if (state.log.length > bucket.limit + 1) state.log.splice(0, state.log.length - bucket.limit - 1);
	}

	/** When a request of these buckets could go (not before `notBefore`), without reserving it. */
	delayFor(buckets: Bucket[], notBefore = 0): Reservation {
		const now = this.clock.now();
		let at = Math.max(now, notBefore);
		let binding: Bucket | undefined;
		for (const bucket of buckets) {
			const earliest = this.earliest(bucket, this.state(bucket), now);
			if (earliest > at) {
				at = earliest;
				binding = bucket;
			}
		}
		return { ok: true, delayMs: at - now, bucket: binding };
	}

	/**
	 * Reserves the next slot of every bucket for one request, not before `notBefore`: ok with the
	 * delay to wait, or not ok (nothing reserved) when the delay would exceed `maxDelayMs`.
	 */
	reserve(buckets: Bucket[], maxDelayMs = Infinity, notBefore = 0): Reservation {
		const plan = this.delayFor(buckets, notBefore);
		if (plan.delayMs > maxDelayMs) return { ...plan, ok: false };
		const at = this.clock.now() + plan.delayMs;
		for (const bucket of buckets) this.record(bucket, this.state(bucket), at);
		return plan;
	}

	/**
	 * Prefinery answered 429: its window is full now. With a Retry-After, nothing of these buckets goes
	 * before it ends, or before `maxBlockMs` (the Max Wait of the request that received it; at most
	 * `MAX_SERVER_BLOCK_MS`) has passed, whichever comes first: a wait no request may make must not
	 * outlive the Max Wait that refused it (see the module comment).
	 * Without, the next request waits until the documented window allows one:
	 * - when this process's own requests filled a bucket's window as Prefinery may see it (its clock or
	 *   the network a little behind: a look-back 5 % longer than the window), until the oldest of them
	 *   leaves that longer window (at least `window / limit`);
	 * - otherwise someone else used the rest of the quota: each bucket is taken as full as of now, so
	 *   the oldest request this process sent in the window must leave it (a whole window if none).
	 */
	rateLimited(buckets: Bucket[], retryAfterMs: number | null, maxBlockMs = MAX_SERVER_BLOCK_MS): void {
		const now = this.clock.now();
		const states = buckets.map((bucket) => this.state(bucket));
		if (retryAfterMs !== null) {
			const blockMs = Math.min(retryAfterMs, maxBlockMs, MAX_SERVER_BLOCK_MS);
			for (const state of states) state.blockedUntil = Math.max(state.blockedUntil, now + blockMs);
			return;
		}
		// Buckets whose own requests explain the 429: `limit` of them before the refused one (the
		// last entry) in a look-back 5 % longer than the window.
		let explained = false;
		buckets.forEach((bucket, i) => {
			const slack = Math.ceil(bucket.windowMs * 0.05);
			const recent = states[i].log.filter((t) => t > now - bucket.windowMs - slack);
			if (recent.length <= bucket.limit) return;
			explained = true;
			const oldest = recent[recent.length - 1 - bucket.limit];
			const until = Math.max(oldest + bucket.windowMs + slack, now + Math.ceil(bucket.windowMs / bucket.limit));
			states[i].blockedUntil = Math.max(states[i].blockedUntil, until);
		});
		if (explained) return;
		buckets.forEach((bucket, i) => {
			const state = states[i];
			const inWindow = state.log.filter((t) => t > now - bucket.windowMs);
			const last = inWindow.length ? Math.max(now, inWindow[inWindow.length - 1]) : now;
			while (inWindow.length < bucket.limit) inWindow.push(last);
			state.log = inWindow.slice(-bucket.limit - 1);
		});
	}
}

let shared = new RateLimiter();

/** The process-wide limiter every Prefinery node in this n8n process shares. */
export function sharedRateLimiter(): RateLimiter {
	return shared;
}

/** Starts a fresh process-wide limiter on `clock` (tests and benchmarks; default: the system clock). */
export function resetSharedRateLimiter(clock: Clock = systemClock): RateLimiter {
	shared = new RateLimiter(clock);
	return shared;
}

/** Methods whose repetition cannot double an effect: retried after an ambiguous failure. */
export function isIdempotentRead(method: string): boolean {
	return method.toUpperCase() === 'GET';
}

/** What to do after one attempt that did not succeed. */
export type AfterFailure =
	| { action: 'retry' }
	| { action: 'fail'; reason: 'max-wait'; waitMs: number; retryAfterMs: number | null }
	| { action: 'fail'; reason: 'too-many-429' | 'not-retried' | 'gave-up' | 'final' };

export interface AttemptFailure {
	/** HTTP status, or undefined when no answer came (timeout, reset, refused). */
	status?: number;
	/** The Retry-After header of a 429, raw. */
	retryAfter?: unknown;
}

/** Ambiguous: the request may or may not have been carried out (no answer, or a 5xx). */
export function isAmbiguous(failure: AttemptFailure): boolean {
	return failure.status === undefined || failure.status >= 500;
}

/** 429s in a row after which a request to an endpoint without a documented limit fails. */
export const MAX_RATE_LIMITED_ATTEMPTS = 20;
export const MAX_READ_RETRIES = 2;

/**
 * One request's way through the limits: `beforeAttempt()` reserves a slot and says how long to wait;
 * `afterFailure()` says whether to try again. Waits (pacing and 429s) add up per request and may not
 * exceed `maxWaitMs`. A 429 is always retried (the request was not carried out); an ambiguous failure
 * only for a GET (twice, after 1 s and 2 s); a write never, so it is carried out at most once.
 */
export class PacedRequest {
	waitedMs = 0;
	rateLimitedCount = 0;
	private readRetries = 0;
	private notBefore = 0;

	constructor(
		private readonly limiter: RateLimiter,
		readonly method: string,
		readonly buckets: Bucket[],
		readonly maxWaitMs: number,
	) {}

	beforeAttempt(): Reservation {
		const reservation = this.limiter.reserve(this.buckets, this.maxWaitMs - this.waitedMs, this.notBefore);
		if (reservation.ok) this.waitedMs += reservation.delayMs;
		return reservation;
	}

	afterFailure(failure: AttemptFailure): AfterFailure {
		const now = this.limiter.clock.now();
		if (failure.status === 429) {
			this.rateLimitedCount += 1;
			// Without a documented window the count bounds the retries. With one, Max Wait does: every
			// retry waits at least one slot of the window, so a request that another process keeps
			// beating to the window (two workers listing one project) waits its turn for up to Max Wait.
			if (this.buckets.length === 0 && this.rateLimitedCount >= MAX_RATE_LIMITED_ATTEMPTS) {
				return { action: 'fail', reason: 'too-many-429' };
			}
			const clock = this.limiter.clock;
			const retryAfterMs = parseRetryAfter(failure.retryAfter, clock.wallNow ? clock.wallNow() : now);
			// The shared block ends with this request's Max Wait at the latest (see the module comment).
			if (this.buckets.length > 0) this.limiter.rateLimited(this.buckets, retryAfterMs, this.maxWaitMs);
			// Without a documented window, back off 1 s, 2 s, 4 s … (at most a minute).
			const fallback = Math.min(MINUTE, 1000 * 2 ** (this.rateLimitedCount - 1));
			const slot = Math.max(0, ...this.buckets.map((bucket) => Math.ceil(bucket.windowMs / bucket.limit)));
			this.notBefore = now + (this.buckets.length ? Math.max(retryAfterMs ?? 0, slot) : (retryAfterMs ?? fallback));
			const probe = this.limiter.delayFor(this.buckets, this.notBefore);
			if (this.waitedMs + probe.delayMs > this.maxWaitMs) {
				return { action: 'fail', reason: 'max-wait', waitMs: probe.delayMs, retryAfterMs };
			}
			return { action: 'retry' };
		}
		if (!isAmbiguous(failure)) return { action: 'fail', reason: 'final' };
		if (!isIdempotentRead(this.method)) return { action: 'fail', reason: 'not-retried' };
		if (this.readRetries >= MAX_READ_RETRIES) return { action: 'fail', reason: 'gave-up' };
		this.readRetries += 1;
		const backoff = 1000 * 2 ** (this.readRetries - 1);
		if (this.waitedMs + backoff > this.maxWaitMs) return { action: 'fail', reason: 'gave-up' };
		this.notBefore = now + backoff;
		return { action: 'retry' };
	}
}
