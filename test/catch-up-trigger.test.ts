/**
 * The Prefinery Catch-Up Trigger node: poll() in a jest-mock-extended IPollFunctions whose HTTP helper is
 * n8n-core's own (test/helpers/prefinery-http.ts), against the mock Prefinery API
 * (test/support/mock-prefinery-api.js) enforcing the documented rate limits on a virtual clock shared
 * with the node's limiter.
 */
import { mock } from 'jest-mock-extended';
import { Workflow, type IDataObject, type INode, type INodeExecutionData, type INodeTypes, type IPollFunctions, type WorkflowExecuteMode } from 'n8n-workflow';
import { PrefineryCatchUpTrigger } from '../nodes/PrefineryCatchUpTrigger/PrefineryCatchUpTrigger.node';
import { resetSharedRateLimiter } from '../lib/rate-limit';
import { pagesPerDay, type CatchUpState } from '../lib/catch-up';
import { httpRequestWithAuthentication } from './helpers/prefinery-http';
import { virtualClock, type VirtualClock } from './helpers/virtual-clock';
import { startMockPrefineryApi, type MockPrefineryApi, type MockTesterOrder } from './support/mock-prefinery-api';

const MIN = 60_000;
const trigger = new PrefineryCatchUpTrigger();

interface PollSetup {
	project?: string;
	budgetShare?: number;
	batchSize?: number;
	mode?: WorkflowExecuteMode;
	workflowId?: string;
	startFrom?: string;
	safetySweepDays?: number;
}

/** The Catch-Up Trigger node as a workflow holds it. */
function catchUpNode(parameters: INode['parameters'] = {}): INode {
	return {
		id: 'catch-up-node',
		name: 'Prefinery Catch-Up Trigger',
		type: 'n8n-nodes-prefinery.prefineryCatchUpTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters,
	};
}

function pollContext(api: MockPrefineryApi, staticData: IDataObject, setup: PollSetup = {}) {
	const node = catchUpNode();
	const ctx = mock<IPollFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.getMode.mockReturnValue(setup.mode ?? 'trigger');
	ctx.getWorkflow.mockReturnValue({ id: setup.workflowId ?? 'wf-1' } as unknown as ReturnType<IPollFunctions['getWorkflow']>);
	ctx.getWorkflowStaticData.mockReturnValue(staticData);
	ctx.getCredentials.mockResolvedValue({ apiKey: api.apiKey, baseUrl: api.url });
	const params: Record<string, unknown> = {
		project: { __rl: true, mode: 'id', value: setup.project ?? '1' },
		budgetShare: setup.budgetShare ?? 10,
		batchSize: setup.batchSize ?? 500,
		startFrom: setup.startFrom ?? 'wholeWaitlist',
		safetySweepDays: setup.safetySweepDays ?? 7,
	};
	(ctx.getNodeParameter as unknown as jest.Mock).mockImplementation((name: string, fallback?: unknown, opts?: { extractValue?: boolean }) => {
		const value = params[name];
		if (value === undefined) return fallback;
		if (opts?.extractValue && value && typeof value === 'object' && '__rl' in value) return (value as unknown as { value: unknown }).value;
		return value;
	});
	(ctx as unknown as { helpers: unknown }).helpers = { httpRequestWithAuthentication: jest.fn(httpRequestWithAuthentication) };
	const logger = { info: jest.fn(), warn: jest.fn(), debug: jest.fn(), error: jest.fn(), verbose: jest.fn() };
	(ctx as unknown as { logger: unknown }).logger = logger;
	return { ctx, logger };
}

const json = (out: INodeExecutionData[][] | null) => (out ? out[0].map((item) => item.json) : []);
const testerIds = (out: INodeExecutionData[][] | null) => json(out).map((item) => (item.tester as IDataObject).id as number);
const listRequests = (api: MockPrefineryApi) => api.requests.filter((r) => r.method === 'GET' && /\/testers$/.test(r.path));

describe('Prefinery Catch-Up Trigger node', () => {
	let api: MockPrefineryApi;
	let clock: VirtualClock;
	afterEach(async () => {
		await api?.close();
	});
	async function start(testers: number, testerOrder?: MockTesterOrder) {
		clock = virtualClock();
		resetSharedRateLimiter(clock);
		api = await startMockPrefineryApi({ testers, testerOrder, rateLimits: true, now: clock.now });
	}
	// As n8n does: one poll context per activation (here: per saved state), reused for every poll; its
	// first poll is the activation's (bounded, and never failing the publish).
	const activations = new WeakMap<IDataObject, ReturnType<typeof pollContext>['ctx']>();
	async function poll(staticData: IDataObject, setup: PollSetup = {}, minutes = 15) {
		clock.advance(minutes * MIN);
		const { ctx: fresh, logger } = pollContext(api, staticData, setup);
		const ctx = activations.get(staticData) ?? fresh;
		activations.set(staticData, ctx);
		// The reused context answers with this poll's set-up.
		if (ctx !== fresh) {
			for (const method of ['getNodeParameter', 'getMode', 'getWorkflow', 'getCredentials'] as const) {
				(ctx[method] as unknown as jest.Mock).mockImplementation(fresh[method] as unknown as (...args: unknown[]) => unknown);
			}
			(ctx as unknown as { logger: unknown }).logger = logger;
		}
		const out = await trigger.poll.call(ctx);
		return { out, logger };
	}

	it('describes a polling trigger with the shared credential, project picker and its two settings', () => {
		const d = trigger.description;
		expect(d.polling).toBe(true);
		expect(d.group).toEqual(['trigger']);
		expect(d.credentials).toEqual([{ name: 'prefineryApi', required: true }]);
		const byName = Object.fromEntries(d.properties.map((p) => [p.name, p]));
		expect(byName.project.type).toBe('resourceLocator');
		expect(byName.budgetShare).toMatchObject({ default: 10, typeOptions: { minValue: 1, maxValue: 50 } });
		expect(byName.batchSize).toMatchObject({ default: 500, typeOptions: { minValue: 25, maxValue: 5000 } });
		expect(trigger.methods.listSearch.searchProjects).toBeDefined();
	});

	it('emits the typed tester_created shape, backfills over polls, then new sign-ups once by the head', async () => {
		await start(120);
		const staticData: IDataObject = {};
		const first = await poll(staticData, { batchSize: 50 });
		const items = json(first.out);
		expect(items.length).toBeLessThanOrEqual(50);
		const item = items[0];
		expect(item).toMatchObject({ id: null, type: 'tester_created', source: 'catch_up', object: 'tester', project_id: 1, reward: null, point: null, data: null, sample: false, signature_verified: false });
		expect(Object.keys(item).slice(0, 3)).toEqual(['id', 'type', 'source']);
		const tester = item.tester as IDataObject;
		expect(tester.id).toBe(1001);
		expect(item.created_at).toBe(tester.created_at);
		expect(tester.profile).toMatchObject({ first_name: 'Leonard' });
		const state = staticData.catchUp as unknown as CatchUpState;
		expect(state).toMatchObject({ order: 'oldest-first', watermark: 1120 });
		const seen = new Set(testerIds(first.out));
		for (let i = 0; i < 3; i++) for (const id of testerIds((await poll(staticData, { batchSize: 50 })).out)) seen.add(id);
		expect(seen.size).toBe(120);
		// Two sign-ups: the next poll emits them (and only them: the backfill is done, the sweep re-lists).
		const created: number[] = [];
		for (const email of ['new1@example.com', 'new2@example.com']) {
			const response = await fetch(`${api.url}/betas/1/testers`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${api.apiKey}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ tester: { email } }),
			});
			created.push(((await response.json()) as { id: number }).id);
		}
		const next = await poll(staticData, { batchSize: 50 });
		expect(testerIds(next.out)).toEqual(expect.arrayContaining(created));
		expect((staticData.catchUp as unknown as CatchUpState).watermark).toBe(created[1]);
		expect(next.logger.info.mock.calls.join()).toMatch(/2 tester\(s\) \(2 new, 0 swept\)/);
		// Several templates have a node of the same name: n8n's text log prints only the message, so the line names the workflow.
		expect(next.logger.info.mock.calls.join()).toMatch(/^Prefinery Catch-Up "Prefinery Catch-Up Trigger" \(workflow id wf-1\): sent /);
		expect(api.stats().rateLimited).toBe(0);
	});

	it.each(['newest-first', 'shuffled'] as MockTesterOrder[])('a %s list: the order is detected and every tester emitted', async (order) => {
		await start(80, order);
		const staticData: IDataObject = {};
		const seen = new Set<number>();
		for (let i = 0; i < 3; i++) for (const id of testerIds((await poll(staticData, { batchSize: 25 })).out)) seen.add(id);
		expect((staticData.catchUp as unknown as CatchUpState).order).toBe(order === 'shuffled' ? 'unordered' : 'newest-first');
		for (let i = 0; i < 2; i++) for (const id of testerIds((await poll(staticData, { batchSize: 25 })).out)) seen.add(id);
		expect(seen.size).toBe(80);
	});

	it('an order that changes is logged as a warning; the sweep takes over until a whole round shows the new order', async () => {
		await start(300);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 100 });
		api.setTesterOrder('newest-first');
		const { logger } = await poll(staticData, { batchSize: 100 });
		expect(logger.warn.mock.calls.join()).toMatch(/no longer oldest-first/);
		expect((staticData.catchUp as unknown as CatchUpState).order).toBe('unordered');
		let notes = '';
		for (let i = 0; i < 4; i++) notes += (await poll(staticData, { batchSize: 100 })).logger.info.mock.calls.join();
		expect(notes).toMatch(/a whole pass was newest-first/);
		expect((staticData.catchUp as unknown as CatchUpState).order).toBe('newest-first');
	});

	it('two polls at once: the second skips (logged) and leaves the state to the first', async () => {
		await start(60);
		const staticData: IDataObject = {};
		clock.advance(15 * MIN);
		const a = pollContext(api, staticData);
		const b = pollContext(api, staticData);
		const [outA, outB] = await Promise.all([trigger.poll.call(a.ctx), trigger.poll.call(b.ctx)]);
		expect(json(outA).length).toBe(60);
		expect(outB).toBeNull();
		expect(b.logger.info.mock.calls.join()).toMatch(/still running; this one is skipped/);
		// Another workflow's poll is not held back; once the first is done, the next one runs.
		clock.advance(15 * MIN);
		const c = pollContext(api, {}, { workflowId: 'wf-2' });
		const d = pollContext(api, staticData);
		const [outC, outD] = await Promise.all([trigger.poll.call(c.ctx), trigger.poll.call(d.ctx)]);
		expect(json(outC).length).toBe(60);
		// D ran (its poll is not skipped) and found nothing new: each tester comes once.
		expect(outD).toBeNull();
		expect(d.logger.info.mock.calls.join()).toMatch(/0 tester\(s\)/);
	});

	it('manual mode (Fetch Test Event) emits the newest tester only and does not move the state', async () => {
		await start(90);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 25 });
		const before = JSON.stringify(staticData);
		api.clearRequests();
		const { out } = await poll(staticData, { mode: 'manual' });
		expect(testerIds(out)).toEqual([1090]);
		expect(JSON.stringify(staticData)).toBe(before);
		expect(listRequests(api).length).toBeLessThanOrEqual(2);
	});

	it('no poll emits more than the batch size, and pages per poll stay within the allowance over a simulated day', async () => {
		await start(3000, 'newest-first');
		const staticData: IDataObject = {};
		let pages = 0;
		let largest = 0;
		const share = 2;
		for (let i = 0; i < 96; i++) {
			api.clearRequests();
			const { out } = await poll(staticData, { batchSize: 100, budgetShare: share });
			const read = listRequests(api).length;
			expect(read).toBeLessThanOrEqual(i === 0 ? 18 : 18); // 2 % × 60 × 15 minutes
			pages += read;
			largest = Math.max(largest, json(out).length);
		}
		expect(largest).toBeLessThanOrEqual(100);
		expect(pages).toBeLessThanOrEqual(pagesPerDay(share));
		expect(api.stats().rateLimited).toBe(0);
	});

	it('refuses a project ID that is not a number', async () => {
		await start(10);
		const staticData: IDataObject = {};
		await poll(staticData, { project: '../2' }); // the publish's poll: logged, never thrown (below)
		await expect(poll(staticData, { project: '../2' })).rejects.toThrow(/project ID must be a Prefinery ID/);
		expect(api.requests).toHaveLength(0);
	});

	it('an API error leaves the state as it was (the next poll repeats the work)', async () => {
		await start(60);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 25 });
		const before = JSON.stringify(staticData);
		api.failNext({ status: 403, times: 10 });
		await expect(poll(staticData, { batchSize: 25 })).rejects.toThrow(/refused the API key/);
		expect(JSON.stringify(staticData)).toBe(before);
	});

	it('the canvas subtitle names the project (n8n gives $parameter a resource locator\'s value, not {__rl, value})', async () => {
		await start(10); // afterEach closes the mock API (which needs a few testers to seed)
		const nodeTypes = { getByName: () => trigger, getByNameAndVersion: () => trigger, getKnownTypes: () => ({}) } as unknown as INodeTypes;
		const node = catchUpNode({ project: { __rl: true, mode: 'list', value: '42', cachedResultName: 'Acme Waitlist' }, budgetShare: 10 });
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const subtitle = (expression: string) => workflow.expression.getSimpleParameterValue(node, expression, 'internal', {});
		expect(subtitle(trigger.description.subtitle as string)).toBe('Project 42, 10 % of the list budget');
		// What 0.2 had: "Project ?" whatever the project.
		expect(subtitle('={{ "Project " + ($parameter["project"].value || "?") }}')).toBe('Project ?');
	});

	it('New Sign-Ups Only (the default): the first poll emits nothing, the next brings a sign-up once; another Project starts afresh', async () => {
		await start(40);
		const staticData: IDataObject = {};
		const first = await poll(staticData, { startFrom: 'newSignUps' });
		expect(first.out).toBeNull();
		expect(staticData.catchUp).toMatchObject({ project: '1', startFrom: 'newSignUps', watermark: 1040 });
		const response = await fetch(`${api.url}/betas/1/testers`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${api.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ tester: { email: 'late@example.com' } }),
		});
		const { id } = (await response.json()) as { id: number };
		expect(testerIds((await poll(staticData, { startFrom: 'newSignUps' })).out)).toEqual([id]);
		expect((await poll(staticData, { startFrom: 'newSignUps' })).out).toBeNull();
		const other = await poll(staticData, { startFrom: 'newSignUps', project: '2' });
		expect(other.logger.info.mock.calls.join()).toMatch(/starting afresh for project 2/);
		expect(staticData.catchUp).toMatchObject({ project: '2' });
	});

	it('Fetch Test Event against a host that never answers fails within 15 s, naming the host', async () => {
		await start(10);
		api.failNext({ status: 0, hang: true, times: 20 });
		const { ctx } = pollContext(api, {}, { mode: 'manual' });
		const began = Date.now();
		await expect(trigger.poll.call(ctx)).rejects.toThrow(new RegExp(`Prefinery at ${api.origin.replace(/[.]/g, '\\.')} did not give the tester list within 12 s`));
		expect(Date.now() - began).toBeLessThan(15_000);
	});

	it('429 retries are requests sent: charged to the poll (and a poll that threw, to the next)', async () => {
		await start(60);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 25 });
		const before = listRequests(api).length;
		api.failNext({ status: 429, times: 2, retryAfter: 0 });
		const { logger } = await poll(staticData, { batchSize: 25 });
		const sent = Number(/sent (\d+) of/.exec(logger.info.mock.calls.join())?.[1]);
		// Every list request the mock saw in this poll (the two 429s included) is counted.
		expect(sent).toBe(listRequests(api).length - before);
		expect(sent).toBeGreaterThanOrEqual(3);
	});

	// Issue 34 #4: the poll n8n awaits while it publishes never holds or fails the publish.
	it.each([
		['refusing the key (401)', { status: 401, times: 3 }, /refused the API key/],
		['hanging (no answer)', { status: 0, hang: true, times: 3 }, /no complete answer|stopped/],
		['rate-limited (429 with a Retry-After of an hour)', { status: 429, times: 3, retryAfter: 3600 }, /rate limit/i],
	])('activation against an API %s: the first poll returns nothing and logs why, and keeps only where it started; a later poll works once the API does', async (_label, fault, reason) => {
		await start(30);
		api.failNext(fault as Parameters<MockPrefineryApi['failNext']>[0]);
		const staticData: IDataObject = {};
		const first = await poll(staticData, { batchSize: 25 });
		expect(first.out).toBeNull();
		const warning = first.logger.warn.mock.calls.map((c) => String(c[0])).join('\n');
		expect(warning).toMatch(/its first poll, while the workflow was being published, did not finish/);
		expect(warning).toMatch(reason);
		// Only where it started is kept (written before the first request, saved by n8n at the end of the
		// publish): a New Sign-Ups Only start brings the sign-ups made since (test/catch-up.test.ts).
		expect(staticData.catchUp).toMatchObject({ settling: true, watermark: null, round: null, anchor: expect.any(Number) });
		// The API is back: the next poll (Poll Times) does the work.
		api.reset();
		const next = await poll(staticData, { batchSize: 25 });
		expect(testerIds(next.out)).toHaveLength(25);
	}, 60_000);

	it('after the activation, a failing poll fails visibly (n8n shows it and calls the Error Workflow)', async () => {
		await start(30);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 25 });
		api.failNext({ status: 401, times: 3 });
		await expect(poll(staticData, { batchSize: 25 })).rejects.toThrow(/refused the API key/);
	});

	it('the activation poll against a working API does its work: the backfill starts, later polls go on', async () => {
		await start(60);
		const staticData: IDataObject = {};
		const first = await poll(staticData, { batchSize: 25 });

		expect(testerIds(first.out)).toHaveLength(25);
		const second = await poll(staticData, { batchSize: 25 });
		expect(testerIds(second.out)).toHaveLength(25);
		expect(new Set([...testerIds(first.out), ...testerIds(second.out)]).size).toBe(50);
	});

	it('a page that is not a list fails with the same message as the Prefinery node\'s Return All (one source)', async () => {
		await start(30);
		const staticData: IDataObject = {};
		await poll(staticData, { batchSize: 25 });
		api.failNext({ status: 200, method: 'GET', path: '/testers', body: { testers: [] }, times: 5 });
		await expect(poll(staticData, { batchSize: 25 })).rejects.toThrow(
			/^Prefinery answered GET \/betas\/1\/testers \(page \d+\) with an object with the key "testers", where a list \(JSON array\) was expected$/,
		);
	});

	it('a template published with its Project not set: the publish goes on (logged), a later poll fails naming the Project', async () => {
		await start(10);
		const staticData: IDataObject = {};
		const first = await poll(staticData, { project: 'REPLACE_WITH_YOUR_PROJECT_ID' });
		expect(first.out).toBeNull();
		expect(first.logger.warn.mock.calls.join()).toMatch(/not polling until its Project is set: The project ID must be a Prefinery ID/);
		await expect(poll(staticData, { project: 'REPLACE_WITH_YOUR_PROJECT_ID' })).rejects.toThrow(/The project ID must be a Prefinery ID/);
		expect(api.requests).toHaveLength(0);
	});
});
