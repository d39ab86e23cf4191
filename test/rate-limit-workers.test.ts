/**
 * Issue 26, item 8: budgets across processes. The rate limiter is per n8n process, so two queue-mode
 * workers (or two n8n instances) with one API key each pace to the full documented budget, and together
 * ask for twice what Prefinery allows. Here two copies of the node, each loaded in its own module
 * registry (its own limiter, as two processes have), list the same project at once against the mock API
 * enforcing Prefinery's limits on one shared virtual clock. The 429 back-off must still give each
 * execution every tester exactly once, with no failed item. Started together, the two share the budget.
 * One started while the other is under way finds the window full at every turn (the first sends its next
 * window's pages the moment they are allowed): it waits its turn, for up to Max Wait on Rate Limit, and
 * then lists; with a shorter Max Wait its item fails, saying so. The same, at 10,000 testers, is measured by
 * `node bench/ratelimit.mjs` (docs/prefinery-node.md, "Several workers or instances").
 */
import { mock } from 'jest-mock-extended';
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { httpRequestWithAuthentication } from './helpers/prefinery-http';
import { concurrentClock, type ConcurrentClock } from './support/concurrent-clock';
import { startMockPrefineryApi, PER_PAGE, type MockPrefineryApi } from './support/mock-prefinery-api';

type NodeModule = typeof import('../nodes/Prefinery/Prefinery.node');
type LimitModule = typeof import('../lib/rate-limit');

/** One "process": its own copy of the node and of the process-wide limiter, on `clock`. */
async function loadWorker(clock: ConcurrentClock): Promise<{ Prefinery: NodeModule['Prefinery'] }> {
	let loaded!: { Prefinery: NodeModule['Prefinery'] };
	await jest.isolateModulesAsync(async () => {
		const limits: LimitModule = await import('../lib/rate-limit');
		limits.resetSharedRateLimiter(clock);
		loaded = { Prefinery: (await import('../nodes/Prefinery/Prefinery.node')).Prefinery };
	});
	return loaded;
}

const NODE: INode = { id: 'w', name: 'Prefinery', type: 'n8n-nodes-prefinery.prefinery', typeVersion: 1.2, position: [0, 0], parameters: {} };
const BACKFILL: Record<string, unknown> = {
	resource: 'tester',
	operation: 'getAll',
	project: { __rl: true, mode: 'id', value: '1' },
	returnAll: true,
	filters: {},
	options: {},
};

function context(api: MockPrefineryApi, maxRateLimitWait?: number) {
	const params: Record<string, unknown> = { ...BACKFILL, options: maxRateLimitWait === undefined ? {} : { maxRateLimitWait } };
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue(NODE);
	ctx.getInputData.mockReturnValue([{ json: {} }]);
	ctx.continueOnFail.mockReturnValue(true);
	ctx.getCredentials.mockResolvedValue({ apiKey: api.apiKey, baseUrl: api.url });
	(ctx.getNodeParameter as unknown as jest.Mock).mockImplementation(
		(name: string, _i: number, fallback?: unknown, opts?: { extractValue?: boolean }) => {
			const [head, ...rest] = name.split('.');
			let value: unknown = params[head];
			for (const key of rest) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
			if (value === undefined) return fallback;
			if (opts?.extractValue && value && typeof value === 'object' && '__rl' in value) return (value as unknown as { value: unknown }).value;
			return value;
		},
	);
	(ctx as unknown as { helpers: unknown }).helpers = { httpRequestWithAuthentication: jest.fn(httpRequestWithAuthentication) };
	(ctx as unknown as { logger: unknown }).logger = { info: jest.fn(), warn: jest.fn(), debug: jest.fn(), error: jest.fn(), verbose: jest.fn() };
	return ctx;
}

describe('two workers listing one project at once (each its own limiter, one API key)', () => {
	let api: MockPrefineryApi | undefined;
	afterEach(async () => {
		await api?.close();
		api = undefined;
	});

	it.each([
		['no Retry-After (what Prefinery documents)', false],
		['with Retry-After', true],
	])('%s: each execution returns every tester once, no item fails, 429s are waited out', async (_label, retryAfterHeader) => {
		const TESTERS = 2000;
		const pages = Math.ceil(TESTERS / PER_PAGE);
		const clock = concurrentClock();
		api = await startMockPrefineryApi({ testers: TESTERS, rateLimits: true, retryAfterHeader, now: clock.now });
		const workers = [await loadWorker(clock), await loadWorker(clock)];
		const t0 = clock.now();
		const outs: INodeExecutionData[][] = await Promise.all(
			workers.map((worker) =>
				clock.actor(async () => {
					const ctx = context(api!);
					const [out] = await new worker.Prefinery().execute.call(ctx);
					return out;
				}),
			),
		);
		for (const out of outs) {
			expect(out.filter((item) => item.json.error !== undefined)).toEqual([]);
			const ids = out.map((item) => item.json.id);
			expect(ids).toHaveLength(TESTERS);
			expect(new Set(ids).size).toBe(TESTERS);
		}
		const ok = api.requests.filter((r) => r.status === 200);
		expect(ok).toHaveLength(2 * pages);
		// Both paced to the whole budget, so Prefinery refused some: measured, and every one waited out.
		expect(api.stats().rateLimited).toBeGreaterThan(0);
		// Together no faster than one budget allows (the mock enforces it), and not much slower.
		const minimumMs = Math.floor((2 * pages - 1) / 60) * 60_000;
		const tookMs = clock.now() - t0;
		expect(tookMs).toBeGreaterThanOrEqual(minimumMs);
		expect(tookMs).toBeLessThanOrEqual(minimumMs + 3 * 60_000);
	});

	async function staggered(maxRateLimitWait: number) {
		const TESTERS = 10_000;
		const clock = concurrentClock();
		api = await startMockPrefineryApi({ testers: TESTERS, rateLimits: true, now: clock.now });
		const [first, second] = [await loadWorker(clock), await loadWorker(clock)];
		const ended: number[] = [];
		const outs = await Promise.all([
			clock.actor(async () => {
				const [out] = await new first.Prefinery().execute.call(context(api!, maxRateLimitWait));
				ended[0] = clock.now();
				return out;
			}),
			clock.actor(async () => {
				await clock.sleep(30_000);
				const [out] = await new second.Prefinery().execute.call(context(api!, maxRateLimitWait));
				ended[1] = clock.now();
				return out;
			}),
		]);
		return { outs, ended, TESTERS };
	}

	it('one started 30 s into the other\'s 10,000-tester list waits its turn (Max Wait 600 s covers it): both return every tester once', async () => {
		const { outs, ended, TESTERS } = await staggered(600);
		for (const out of outs) {
			expect(out.filter((item) => item.json.error !== undefined)).toEqual([]);
			expect(new Set(out.map((item) => item.json.id)).size).toBe(TESTERS);
			expect(out).toHaveLength(TESTERS);
		}
		expect(ended[1]).toBeGreaterThan(ended[0]);
		expect(api!.stats().rateLimited).toBeGreaterThan(20);
	});

	it('with the default Max Wait (300 s) the later one fails visibly, naming Max Wait; the first is untouched', async () => {
		const { outs, TESTERS } = await staggered(300);
		expect(new Set(outs[0].map((item) => item.json.id)).size).toBe(TESTERS);
		expect(outs[1]).toHaveLength(1);
		expect(outs[1][0].json.error).toMatch(/^Prefinery rate limit reached/);
		expect(String(outs[1][0].json.description ?? '')).toMatch(/exceeds Max Wait on Rate Limit \(300 s\)/);
	});
});
