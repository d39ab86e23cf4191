/** lib/rate-limit.ts: Prefinery's documented buckets, the sliding-window limiter and the retry rules (virtual clock). */
import {
	bucketsFor,
	classifyPath,
	companyKey,
	limitNames,
	MAX_SERVER_BLOCK_MS,
	PacedRequest,
	parseRetryAfter,
	PREFINERY_LIMITS,
	rateLimitFor,
	RateLimiter,
	resetSharedRateLimiter,
	sharedRateLimiter,
	systemClock,
	type Bucket,
} from '../lib/rate-limit';
import { virtualClock } from './helpers/virtual-clock';

const company = companyKey('https://api.prefinery.com/api/v2', 'key');

describe('bucketsFor: the documented limits a request counts against', () => {
	it.each([
		['GET', '/betas', ['projects']],
		['GET', '/betas/12', ['projects']],
		['GET', '/betas/12/testers', ['testerListProject', 'testerListCompany']],
		['GET', '/betas/12/testers?page=3', ['testerListProject', 'testerListCompany']],
		['GET', '/betas/12/points', ['rewardsPoints']],
		['POST', '/betas/12/points', ['rewardsPoints']],
		['GET', '/betas/12/rewards', ['rewardsPoints']],
		['POST', '/betas/12/testers', []],
		['GET', '/betas/12/testers/5', []],
		['POST', '/betas/12/checkins', []],
		['DELETE', '/betas/12/suppressions/3', []],
		['POST', '/betas', []],
		['GET', '/betas/012/testers/', ['testerListProject', 'testerListCompany']],
	])('%s %s → %j', (method, path, names) => {
		const labels = bucketsFor(method, path, company).map((b) => b.label);
		expect(labels).toEqual(names.map((n) => PREFINERY_LIMITS[n as keyof typeof PREFINERY_LIMITS].label));
		// Issue 26: the error messages name the limit by the same classification.
		expect(rateLimitFor(method, path)).toBe(limitNames(bucketsFor(method, path, company)));
	});

	it('a 429 on POST /testers is not named the tester-list limit (one classification for pacing and messages)', () => {
		expect(classifyPath('POST', '/betas/12/testers').kind).toBe('undocumented');
		expect(rateLimitFor('POST', '/betas/12/testers')).not.toMatch(/tester/);
		expect(rateLimitFor('GET', '/betas/12/testers/5')).not.toMatch(/tester/);
		expect(rateLimitFor('GET', '/betas/12/testers')).toMatch(/^tester list: 60 requests per minute per project/);
	});

	it('canonical project ids: /betas/01 and /betas/1 share one per-project budget', () => {
		expect(bucketsFor('GET', '/betas/01/testers', company).map((b) => b.key)).toEqual(
			bucketsFor('GET', '/betas/1/testers', company).map((b) => b.key),
		);
		expect(bucketsFor('GET', '/betas/000/testers', company)[0].key).toBe(bucketsFor('GET', '/betas/0/testers', company)[0].key);
		const limiter = new RateLimiter(virtualClock());
		for (let i = 0; i < 30; i++) limiter.reserve(bucketsFor('GET', '/betas/01/testers', company));
		for (let i = 0; i < 30; i++) limiter.reserve(bucketsFor('GET', '/betas/1/testers', company));
		expect(limiter.reserve(bucketsFor('GET', '/betas/001/testers', company)).delayMs).toBe(60_300);
	});

	it('keys the tester list per project and per company; the company key never shows the API key', () => {
		const [p12, c12] = bucketsFor('GET', '/betas/12/testers', company);
		const [p13, c13] = bucketsFor('GET', '/betas/13/testers', company);
		expect(p12.key).not.toBe(p13.key);
		expect(c12.key).toBe(c13.key);
		expect(bucketsFor('GET', '/betas/12/testers', companyKey('https://api.prefinery.com/api/v2', 'other'))[1].key).not.toBe(c12.key);
		expect(company).not.toContain('key');
	});
});

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-01-01T00:00:00Z');
	it.each([
		['120', 120_000],
		['1.5', 1500],
		[' 0 ', 0],
		['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
		[['7'], 7000],
	])('%j → %s ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
	it.each([undefined, '', '-5', 'soon', '1e3'])('%j → null (the documented window decides)', (value) =>
		expect(parseRetryAfter(value, now)).toBeNull(),
	);
});

describe('RateLimiter', () => {
	const testers = () => bucketsFor('GET', '/betas/1/testers', company);

	it('lets 60 tester-list requests go at once, then the 61st waits one window (plus 0.5 %)', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		const delays = Array.from({ length: 61 }, () => limiter.reserve(testers()).delayMs);
		expect(delays.slice(0, 60).every((d) => d === 0)).toBe(true);
		expect(delays[60]).toBe(60_300);
	});

	it('a sliding window: after waiting, the next requests free up one by one as old ones leave it', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		for (let i = 0; i < 60; i++) {
			expect(limiter.reserve(testers()).delayMs).toBe(0);
			clock.advance(500);
		}
		// 30 s in: the first request leaves the window at 60.3 s.
		expect(limiter.reserve(testers()).delayMs).toBe(30_300);
		clock.advance(30_300);
		expect(limiter.reserve(testers()).delayMs).toBe(500);
	});

	it('counts the company bucket across projects: 180 per minute for 4 projects together', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		const delays: number[] = [];
		for (let i = 0; i < 181; i++) delays.push(limiter.reserve(bucketsFor('GET', `/betas/${i % 4}/testers`, company)).delayMs);
		expect(delays.filter((d) => d === 0)).toHaveLength(180);
		expect(delays[180]).toBe(60_300);
	});

	it('reserves slots: concurrent requests (no time passing) never overbook a window', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		const points = bucketsFor('POST', '/betas/1/points', company);
		const delays = Array.from({ length: 150 }, () => limiter.reserve(points).delayMs);
		// Any 60-s window holds at most 60 of the reserved send times.
		const times = delays.map((d) => clock.now() + d).sort((a, b) => a - b);
		for (let i = 60; i < times.length; i++) expect(times[i] - times[i - 60]).toBeGreaterThanOrEqual(60_000);
	});

	it('refuses (and records nothing) when the wait would exceed the maximum', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		for (let i = 0; i < 60; i++) limiter.reserve(testers());
		expect(limiter.reserve(testers(), 1000)).toMatchObject({ ok: false, delayMs: 60_300, bucket: { label: PREFINERY_LIMITS.testerListProject.label } });
		expect(limiter.reserve(testers()).delayMs).toBe(60_300);
	});

	it('after a bare 429 with nothing sent in the window: waits a whole window', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		limiter.rateLimited(testers(), null);
		expect(limiter.delayFor(testers()).delayMs).toBe(60_300);
	});

	it('after a bare 429 (someone else used the quota): waits until the oldest request this process sent in the window leaves it', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		limiter.reserve(testers());
		clock.advance(20_000);
		limiter.reserve(testers());
		limiter.rateLimited(testers(), null);
		expect(limiter.delayFor(testers()).delayMs).toBe(40_300);
	});

	it('after a bare 429 right when its own burst should have left the window (Prefinery a little behind): waits until it has, plus 5 %, not a whole window', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		for (let i = 0; i < 60; i++) limiter.reserve(testers());
		clock.advance(limiter.reserve(testers()).delayMs);
		limiter.rateLimited(testers(), null);
		// Burst at 0, refused at 60.3 s: the burst leaves the 63-s look-back at 63 s.
		expect(limiter.delayFor(testers()).delayMs).toBe(2700);
	});

	it('after a 429 with Retry-After: nothing of those buckets goes before it ends', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		limiter.rateLimited(testers(), 12_000);
		expect(limiter.delayFor(testers()).delayMs).toBe(12_000);
		expect(limiter.delayFor(bucketsFor('GET', '/betas/2/testers', company)).delayMs).toBe(12_000);
		expect(limiter.delayFor(bucketsFor('GET', '/betas/2/points', company)).delayMs).toBe(0);
	});

	it('is bounded in memory: at most maxBuckets buckets, at most `limit` + 1 times per bucket', () => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock, { maxBuckets: 50 });
		for (let p = 0; p < 500; p++) limiter.reserve(bucketsFor('GET', `/betas/${p}/testers`, companyKey('u', String(p))));
		expect(limiter.size).toBe(50);
		const one: Bucket[] = [{ key: 'x', limit: 5, windowMs: 1000, label: 'x' }];
		for (let i = 0; i < 1000; i++) {
			limiter.reserve(one);
			clock.advance(1000);
		}
		const logs = (limiter as unknown as { buckets: Map<string, { log: number[] }> }).buckets;
		expect(logs.get('x')?.log.length).toBeLessThanOrEqual(6);
	});

	it('one limiter per process, replaceable with a clock for tests and benchmarks', () => {
		const clock = virtualClock();
		const limiter = resetSharedRateLimiter(clock);
		expect(sharedRateLimiter()).toBe(limiter);
		expect(limiter.clock).toBe(clock);
		resetSharedRateLimiter();
		expect(sharedRateLimiter().clock).toBe(systemClock);
	});

	describe('a wall-clock step is not a wait (issue 26: the system clock is monotonic)', () => {
		afterEach(() => jest.restoreAllMocks());

		it('the wall clock stepping back an hour between two requests adds no wait', () => {
			const limiter = new RateLimiter(systemClock);
			const wall = Date.now();
			expect(limiter.reserve(testers()).delayMs).toBe(0);
			jest.spyOn(Date, 'now').mockReturnValue(wall - 3_600_000);
			expect(limiter.reserve(testers()).delayMs).toBeLessThan(1000);
		});

		it('an HTTP-date Retry-After is still read against the wall clock', () => {
			const limiter = new RateLimiter(systemClock);
			const paced = new PacedRequest(limiter, 'GET', testers(), 300_000);
			paced.beforeAttempt();
			const in30s = new Date(Math.ceil(Date.now() / 1000) * 1000 + 30_000).toUTCString();
			expect(paced.afterFailure({ status: 429, retryAfter: in30s })).toEqual({ action: 'retry' });
			const delay = paced.beforeAttempt().delayMs;
			expect(delay).toBeGreaterThan(28_000);
			expect(delay).toBeLessThanOrEqual(31_000);
		});
	});
});

describe('PacedRequest: what is retried', () => {
	const setup = (method: string, path: string, maxWaitMs = 300_000) => {
		const clock = virtualClock();
		const limiter = new RateLimiter(clock);
		return { clock, limiter, paced: new PacedRequest(limiter, method, bucketsFor(method, path, company), maxWaitMs) };
	};

	it.each(['POST', 'PUT', 'DELETE'])('a %s is never repeated after a failure that may have been carried out (no answer, 5xx)', (method) => {
		for (const failure of [{}, { status: 500 }, { status: 502 }, { status: 503 }, { status: 504 }]) {
			const { paced } = setup(method, '/betas/1/points');
			paced.beforeAttempt();
			expect(paced.afterFailure(failure)).toEqual({ action: 'fail', reason: 'not-retried' });
		}
	});

	it('a 429 is retried for any method (the request was not carried out)', () => {
		for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
			const { paced } = setup(method, '/betas/1/points');
			paced.beforeAttempt();
			expect(paced.afterFailure({ status: 429, retryAfter: '3' })).toEqual({ action: 'retry' });
			expect(paced.beforeAttempt()).toMatchObject({ ok: true, delayMs: 3000 });
		}
	});

	it('Retry-After is waited for also on an endpoint without documented limit (check-ins)', () => {
		const { paced } = setup('POST', '/betas/1/checkins');
		paced.beforeAttempt();
		expect(paced.afterFailure({ status: 429, retryAfter: '9' })).toEqual({ action: 'retry' });
		expect(paced.beforeAttempt()).toMatchObject({ ok: true, delayMs: 9000 });
	});

	it('a GET is retried twice after a failure without answer or a 5xx (1 s, then 2 s), then gives up', () => {
		const { paced } = setup('GET', '/betas/1/testers');
		paced.beforeAttempt();
		expect(paced.afterFailure({})).toEqual({ action: 'retry' });
		expect(paced.beforeAttempt().delayMs).toBe(1000);
		expect(paced.afterFailure({ status: 503 })).toEqual({ action: 'retry' });
		expect(paced.beforeAttempt().delayMs).toBe(2000);
		expect(paced.afterFailure({ status: 503 })).toEqual({ action: 'fail', reason: 'gave-up' });
	});

	it('a 4xx other than 429 is final', () => {
		const { paced } = setup('GET', '/betas/1/testers');
		paced.beforeAttempt();
		expect(paced.afterFailure({ status: 404 })).toEqual({ action: 'fail', reason: 'final' });
	});

	it('a Retry-After longer than Max Wait (86400 s) fails that request, and holds the others back for at most that Max Wait (issue 26)', () => {
		const { clock, limiter, paced } = setup('GET', '/betas/1/testers', 300_000);
		paced.beforeAttempt();
		expect(paced.afterFailure({ status: 429, retryAfter: '86400' })).toEqual({ action: 'fail', reason: 'max-wait', waitMs: 86_400_000, retryAfterMs: 86_400_000 });
		// Another execution right away waits out what is left of the Max Wait, not a day.
		const soon = new PacedRequest(limiter, 'GET', bucketsFor('GET', '/betas/1/testers', company), 300_000);
		expect(soon.beforeAttempt()).toMatchObject({ ok: true, delayMs: 300_000 });
		// Once that Max Wait has passed, the next request asks Prefinery again at once.
		clock.advance(300_000);
		const later = new PacedRequest(limiter, 'GET', bucketsFor('GET', '/betas/1/testers', company), 300_000);
		expect(later.beforeAttempt()).toMatchObject({ ok: true, delayMs: 0 });
	});

	it('no server-given block outlives MAX_SERVER_BLOCK_MS (1 hour), even with a longer Max Wait', () => {
		const { limiter } = setup('GET', '/betas/1/testers');
		limiter.rateLimited(bucketsFor('GET', '/betas/1/testers', company), 86_400_000, Infinity);
		expect(limiter.delayFor(bucketsFor('GET', '/betas/1/testers', company)).delayMs).toBe(MAX_SERVER_BLOCK_MS);
	});

	it('waits add up per request and may not exceed Max Wait', () => {
		const { paced } = setup('GET', '/betas/1/testers', 10_000);
		paced.beforeAttempt();
		expect(paced.afterFailure({ status: 429, retryAfter: '6' })).toEqual({ action: 'retry' });
		expect(paced.beforeAttempt().delayMs).toBe(6000);
		expect(paced.afterFailure({ status: 429, retryAfter: '6' })).toEqual({ action: 'fail', reason: 'max-wait', waitMs: 6000, retryAfterMs: 6000 });
	});

	it('a documented endpoint answered 429 again and again (even with Retry-After: 0) waits at least a slot each time and stops at Max Wait, not at a count', () => {
		const { paced, clock } = setup('GET', '/betas/1/testers', 120_000);
		paced.beforeAttempt();
		let retries = 0;
		for (;;) {
			const next = paced.afterFailure({ status: 429, retryAfter: '0' });
			if (next.action !== 'retry') {
				expect(next).toMatchObject({ action: 'fail', reason: 'max-wait' });
				break;
			}
			retries += 1;
			const { delayMs } = paced.beforeAttempt();
			expect(delayMs).toBeGreaterThanOrEqual(1000);
			clock.advance(delayMs);
		}
		// 60 per minute: one slot is 1 s, so 120 s of Max Wait allow about 120 retries (more than 20).
		expect(retries).toBeGreaterThan(100);
		expect(paced.waitedMs).toBeLessThanOrEqual(120_000);
	});

	it('an endpoint without documented limit backs off 1 s, 2 s, 4 s … on bare 429s and stops after 20', () => {
		const { paced } = setup('POST', '/betas/1/checkins', Infinity);
		const waits: number[] = [];
		paced.beforeAttempt();
		for (let i = 0; i < 19; i++) {
			expect(paced.afterFailure({ status: 429 })).toEqual({ action: 'retry' });
			waits.push(paced.beforeAttempt().delayMs);
		}
		expect(waits.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
		expect(Math.max(...waits)).toBe(60_000);
		expect(paced.afterFailure({ status: 429 })).toEqual({ action: 'fail', reason: 'too-many-429' });
	});
});
