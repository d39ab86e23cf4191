/**
 * The Prefinery action node against a local mock of Prefinery's REST API v2
 * (test/support/mock-prefinery-api.js). The n8n context is a jest-mock-extended mock whose
 * `helpers.httpRequestWithAuthentication` is n8n-core's own: it reads the credential, applies the
 * credential type's generic `authenticate` (Bearer header), sends the request through n8n's HTTP
 * stack and, on an error status, throws the NodeApiError n8n throws.
 */
import { mock } from 'jest-mock-extended';
import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeApiError, NodeHelpers, NodeOperationError, sleep } from 'n8n-workflow';
import { PrefineryApi } from '../credentials/PrefineryApi.credentials';
import { OPERATION_ACTIONS, Prefinery } from '../nodes/Prefinery/Prefinery.node';
import { RETURN_ALL_MAX_ITEMS, RETURN_ALL_MAX_PAGES, searchProjects } from '../nodes/shared/transport';
import { resetSharedRateLimiter } from '../lib/rate-limit';
import { httpRequestWithAuthentication } from './helpers/prefinery-http';
import { virtualClock, type VirtualClock } from './helpers/virtual-clock';
import {
	startMockPrefineryApi,
	type MockPrefineryApi,
	type RecordedRequest,
} from './support/mock-prefinery-api';
import { startDripper, startEndlessList, startHugePage, startRecorder, startRedirector, type HostileServer } from './support/hostile-hosts';

const credentialType = new PrefineryApi();
const NODE: INode = {
	id: 'prefinery-node',
	name: 'Prefinery',
	type: 'n8n-nodes-prefinery.prefinery',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};


type Params = Record<string, unknown>;

interface RunOptions {
	apiKey?: string;
	continueOnFail?: boolean;
}

function projectRl(value: string, mode: 'list' | 'id' = 'list') {
	return { __rl: true, mode, value };
}

function makeContext(server: MockPrefineryApi, items: Params[], options: RunOptions = {}) {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue(NODE);
	ctx.getInputData.mockReturnValue(items.map((_, index) => ({ json: { index } })));
	ctx.continueOnFail.mockReturnValue(options.continueOnFail ?? false);
	ctx.getCredentials.mockResolvedValue({
		apiKey: options.apiKey ?? server.apiKey,
		baseUrl: server.url,
	});
	(ctx.getNodeParameter as unknown as jest.Mock).mockImplementation(
		(name: string, itemIndex: number, fallback?: unknown, opts?: { extractValue?: boolean }) => {
			const params = items[itemIndex] ?? {};
			// Dotted names ("options.maxRateLimitWait") read inside a collection, as n8n does.
			const [head, ...rest] = name.split('.');
			let value: unknown = params[head];
			for (const key of rest) value = value && typeof value === 'object' ? (value as Params)[key] : undefined;
			if (!(head in params) || value === undefined) {
				if (fallback !== undefined) return fallback;
				throw new Error(`Could not get parameter "${name}" (test did not set it)`);
			}
			if (opts?.extractValue && value && typeof value === 'object' && '__rl' in value) {
				return (value as unknown as { value: unknown }).value;
			}
			return value;
		},
	);
	const httpHelper = jest.fn(httpRequestWithAuthentication);
	(ctx as unknown as { helpers: unknown }).helpers = { httpRequestWithAuthentication: httpHelper };
	const logger = { info: jest.fn(), warn: jest.fn(), debug: jest.fn(), error: jest.fn(), verbose: jest.fn() };
	(ctx as unknown as { logger: unknown }).logger = logger;
	return { ctx, httpHelper, logger };
}

async function run(
	server: MockPrefineryApi,
	params: Params | Params[],
	options: RunOptions = {},
): Promise<INodeExecutionData[]> {
	const items = Array.isArray(params) ? params : [params];
	const { ctx } = makeContext(server, items, options);
	const result = await new Prefinery().execute.call(ctx);
	return result[0];
}

async function runError(server: MockPrefineryApi, params: Params, options: RunOptions = {}) {
	try {
		await run(server, params, options);
	} catch (error) {
		return error as NodeApiError;
	}
	throw new Error('Expected the node to fail');
}

function expectStandardRequest(request: RecordedRequest, apiKey?: string) {
	expect(request.headers['content-type']).toBe('application/json');
	expect(request.headers.authorization).toMatch(
		apiKey === undefined ? /^Bearer \S+$/ : `Bearer ${apiKey}`,
	);
	expect(request.url).not.toMatch(/api_key/i);
	expect(request.query).not.toHaveProperty('api_key');
}

const json = (items: INodeExecutionData[]) => items.map((item) => item.json);

describe('Prefinery node', () => {
	let server: MockPrefineryApi;

	beforeAll(async () => {
		server = await startMockPrefineryApi();
	});
	afterAll(async () => {
		await server.close();
	});
	let clock: VirtualClock;
	beforeEach(() => {
		server.reset();
		// The node's rate limiter on a virtual clock: its waits pass at once.
		clock = virtualClock();
		resetSharedRateLimiter(clock);
	});
	afterEach(() => {
		// Every request the node made: JSON content type, key only in the Authorization header.
		for (const request of server.requests) expectStandardRequest(request);
	});

	describe('description', () => {
		const description = new Prefinery().description;
		const operationsFor = (resource: string) =>
			description.properties.find(
				(p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource),
			)?.options as INodePropertyOptions[];

		it('is the registered action node', () => {
			expect(description.name).toBe('prefinery');
			expect(description.displayName).toBe('Prefinery');
			expect(description.version).toEqual([1, 1.1, 1.2]);
			expect(description.defaultVersion).toBe(1.2);
			expect(description.usableAsTool).toBe(true);
			// The canvas subtitle is the operation's action text, e.g. "Get many testers".
			expect(description.subtitle).toMatch(/^=\{\{ \(\{.*\}\)\[\$parameter\["resource"\] \+ ":" \+ \$parameter\["operation"\]\] \|\| \$parameter\["operation"\] \}\}$/);
			expect(OPERATION_ACTIONS['tester:getAll']).toBe('Get many testers');
			expect(OPERATION_ACTIONS['tester:verify']).toBe('Verify the invitation code of a tester');
			expect(Object.keys(OPERATION_ACTIONS)).toHaveLength(16);
			expect(description.icon).toEqual({
				light: 'file:../../icons/prefinery.svg',
				dark: 'file:../../icons/prefinery.dark.svg',
			});
			expect(description.credentials).toEqual([
				{ name: 'prefineryApi', required: true },
			]);
		});

		// Issue 18: the tool an AI agent gets takes the node's defaults; from 1.1 that is a read.
		it.each([
			[1, 'create'],
			[1.1, 'getAll'],
			[1.2, 'getAll'],
		])('version %s defaults to Tester → %s (n8n resolves the defaults per version)', (typeVersion, operation) => {
			const defaults = NodeHelpers.getNodeParameters(description.properties, {}, true, false, { typeVersion }, description);
			expect(defaults).toMatchObject({ resource: 'tester', operation, options: {} });
		});

		const defaultOperation = (resource: string, typeVersion: number) =>
			NodeHelpers.getNodeParameters(description.properties, { resource }, true, false, { typeVersion }, description)?.operation;

		// Issue 26 item 2: workflows saved with 1 or 1.1 keep the defaults they were saved with (n8n stores
		// only parameters that differ from the default); 1.2 starts every resource that has a read on one.
		it.each([
			['point', 'award', 'award', 'getAll'],
			['suppression', 'create', 'create', 'getAll'],
			['tester', 'create', 'getAll', 'getAll'],
			['project', 'get', 'get', 'get'],
			['reward', 'getAll', 'getAll', 'getAll'],
			['friendInvitation', 'create', 'create', 'create'],
		])('%s defaults to %s (1), %s (1.1), %s (1.2)', (resource, v1, v11, v12) => {
			expect([1, 1.1, 1.2].map((v) => defaultOperation(resource, v))).toEqual([v1, v11, v12]);
		});

		// Every resource's default operation in 1.2, run against the mock API: only GETs go out. Friend
		// Invitation is the exception the API imposes: Prefinery documents only POST for it (no read to
		// default to), so its one operation is its default; it is never the node's default resource.
		it('version 1.2: every resource\'s default operation is a read (only GET requests), Resource defaults to one of them', async () => {
			const version = 1.2;
			const resources = (description.properties.find((p) => p.name === 'resource')?.options ?? []) as INodePropertyOptions[];
			const fresh = NodeHelpers.getNodeParameters(description.properties, {}, true, false, { typeVersion: version }, description);
			const methods: Record<string, string[]> = {};
			for (const { value } of resources) {
				const resource = String(value);
				const operation = String(defaultOperation(resource, version));
				if (resource === 'friendInvitation') {
					expect(operationsFor(resource).map((o) => o.value)).toEqual(['create']);
					continue;
				}
				server.clearRequests();
				await run(server, { resource, operation, project: projectRl('1'), testerId: '1001', limit: 5 });
				methods[`${resource}:${operation}`] = [...new Set(server.requests.map((r) => r.method))];
			}
			expect(methods).toEqual({
				'tester:getAll': ['GET'],
				'point:getAll': ['GET'],
				'project:get': ['GET'],
				'reward:getAll': ['GET'],
				'suppression:getAll': ['GET'],
			});
			expect(fresh?.resource).toBe('tester');
			expect(methods[`tester:${String(fresh?.operation)}`]).toEqual(['GET']);
		});

		// n8n's node creator (editor-ui useActionsGeneration resourceCategories, then useActions
		// injectActionsLabels, whose sortNodeCreateElements sorts only nodes and leaves actions in place)
		// lists the actions resource by resource in the Resource options' order, each in its Operation
		// options' order; Enter picks the first one.
		it('the node picker\'s first action is a read, the same as a bare new node (Tester → Get Many), and each resource starts with its 1.2 default', () => {
			const versions = description.version as number[];
			const resources = (description.properties.find((p) => p.name === 'resource')?.options ?? []) as INodePropertyOptions[];
			const picker = resources.flatMap((resource) => {
				const operations = description.properties.find((p) => {
					const shown = p.displayOptions?.show;
					const atVersion = shown?.['@version'] as unknown[] | undefined;
					const versionMatches = atVersion ? atVersion.some((v) => typeof v === 'number' && versions.includes(v)) : true;
					return p.name === 'operation' && (shown?.resource as string[] | undefined)?.includes(String(resource.value)) && versionMatches;
				});
				return ((operations?.options ?? []) as INodePropertyOptions[]).map((o) => ({ resource: String(resource.value), operation: String(o.value), action: o.action }));
			});
			expect(picker[0]).toEqual({ resource: 'tester', operation: 'getAll', action: 'Get many testers' });
			const fresh = NodeHelpers.getNodeParameters(description.properties, {}, true, false, { typeVersion: description.defaultVersion as number }, description);
			expect([fresh?.resource, fresh?.operation]).toEqual([picker[0].resource, picker[0].operation]);
			for (const { value } of resources) {
				const first = picker.find((a) => a.resource === value);
				expect(first?.operation).toBe(defaultOperation(String(value), 1.2));
			}
			// The order the picker shows (reads first in every resource).
			expect(picker.map((a) => a.action)).toEqual([
				'Get many testers',
				'Get a tester',
				'Verify the invitation code of a tester',
				'Check in a tester',
				'Create a tester',
				'Delete a tester',
				'Update a tester',
				'Create a friend invitation',
				'Get many points',
				'Award points to a tester',
				'Get a project',
				'Get many projects',
				'Get many rewards',
				'Get many suppressions',
				'Create a suppression',
				'Delete a suppression',
			]);
		});

		it('a version 1 node saved with the old default keeps Create; new nodes start with a read', () => {
			const saved = NodeHelpers.getNodeParameters(description.properties, { resource: 'tester' }, true, false, { typeVersion: 1 }, description);
			expect(saved?.operation).toBe('create');
			const fresh = NodeHelpers.getNodeParameters(description.properties, {}, true, false, { typeVersion: description.defaultVersion as number }, description);
			expect(fresh?.operation).toBe('getAll');
			expect(OPERATION_ACTIONS[`tester:${String(fresh?.operation)}`]).toBe('Get many testers');
		});

		// n8n's node creator (editor-ui useActionsGeneration, resourceCategories) takes, per resource, the
		// first "operation" property whose displayOptions name the resource and whose '@version' (if any)
		// lists one of the node's versions as a number; a `_cnd` condition there hides the resource's actions.
		it('the node creator still finds every resource\'s actions, once (16 in all)', () => {
			const versions = description.version as number[];
			const resources = (description.properties.find((p) => p.name === 'resource')?.options ?? []) as INodePropertyOptions[];
			const actions = resources.flatMap((resource) => {
				const operations = description.properties.find((p) => {
					const shown = p.displayOptions?.show;
					const atVersion = shown?.['@version'] as unknown[] | undefined;
					const versionMatches = atVersion
						? atVersion.some((v) => typeof v === 'number' && versions.includes(v))
						: true;
					return p.name === 'operation' && (shown?.resource as string[] | undefined)?.includes(String(resource.value)) && versionMatches;
				});
				return ((operations?.options ?? []) as INodePropertyOptions[]).map((o) => o.action);
			});
			expect(actions).toHaveLength(16);
			expect(new Set(actions).size).toBe(16);
			expect(actions).toContain('Get many testers');
			expect(actions).toContain('Create a tester');
		});

		it('offers Max Wait on Rate Limit (Seconds), 300 by default, and Timeout (Seconds), 60 by default, in Options', () => {
			const options = description.properties.find((p) => p.name === 'options');
			expect(options?.type).toBe('collection');
			expect(options?.displayOptions).toBeUndefined();
			expect(options?.options).toEqual([
				expect.objectContaining({ displayName: 'Max Wait on Rate Limit (Seconds)', name: 'maxRateLimitWait', type: 'number', default: 300 }),
				expect.objectContaining({ displayName: 'Timeout (Seconds)', name: 'timeout', type: 'number', default: 60 }),
			]);
		});

		it('offers the resources and operations', () => {
			const resources = (
				description.properties.find((p) => p.name === 'resource')!.options as INodePropertyOptions[]
			).map((o) => o.value);
			// Tester (the default) first, then alphabetical; in each resource the default, other reads, writes.
			expect(resources).toEqual([
				'tester',
				'friendInvitation',
				'point',
				'project',
				'reward',
				'suppression',
			]);
			const ops = (r: string) => operationsFor(r).map((o) => o.value);
			expect(ops('project')).toEqual(['get', 'getAll']);
			expect(ops('tester')).toEqual([
				'getAll',
				'get',
				'verify',
				'checkIn',
				'create',
				'delete',
				'update',
			]);
			expect(ops('friendInvitation')).toEqual(['create']);
			expect(ops('point')).toEqual(['getAll', 'award']);
			expect(ops('reward')).toEqual(['getAll']);
			expect(ops('suppression')).toEqual(['getAll', 'create', 'delete']);
		});

		it('marks the endpoints known only from third-party code as unverified', () => {
			const tester = operationsFor('tester');
			const unverified = tester.filter((o) =>
				String(o.description).includes('(unverified endpoint)'),
			);
			expect(unverified.map((o) => o.value).sort()).toEqual(['update', 'verify']);
		});

		it('offers a project picker with list search and ID mode', () => {
			const project = description.properties.find(
				(p) => p.name === 'project' && p.displayOptions?.show?.resource?.includes('tester'),
			) as INodeProperties;
			expect(project.type).toBe('resourceLocator');
			expect(project.modes?.map((m) => m.name)).toEqual(['list', 'id']);
			expect(project.modes?.[0].typeOptions?.searchListMethod).toBe('searchProjects');
			expect(new Prefinery().methods.listSearch.searchProjects).toBe(searchProjects);
		});
	});

	describe('project', () => {
		it('gets many projects (GET /betas)', async () => {
			const out = await run(server, { resource: 'project', operation: 'getAll', returnAll: true });
			expect(json(out).map((p) => p.name)).toEqual(['Acme Waitlist', 'Beta Launch']);
			expect(out[0].pairedItem).toEqual({ item: 0 });
			expect(server.requests).toHaveLength(1);
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas',
				query: { page: '1' },
			});
			expect(server.requests[0].body).toBeUndefined();
		});

		it('gets one project picked from the list (GET /betas/{id})', async () => {
			const out = await run(server, {
				resource: 'project',
				operation: 'get',
				project: projectRl('1'),
			});
			expect(json(out)).toHaveLength(1);
			expect(out[0].json).toMatchObject({ id: 1, name: 'Acme Waitlist', testers_count: 60 });
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas/1',
				query: {},
			});
		});

		it('accepts a project entered by ID', async () => {
			const out = await run(server, {
				resource: 'project',
				operation: 'get',
				project: projectRl(' 2 ', 'id'),
			});
			expect(out[0].json).toMatchObject({ id: 2, name: 'Beta Launch' });
			expect(server.requests[0].path).toBe('/api/v2/betas/2');
		});
	});

	describe('tester', () => {
		const base = { resource: 'tester', project: projectRl('1') };

		// Hardening #9: without X-Pagination (or with keys it does not know) Return All stopped after
		// page 1 and returned 25 of 60 testers without a word.
		it.each(['none', 'other-keys'] as const)('Return All reads every page when X-Pagination is %s', async (pagination) => {
			const api = await startMockPrefineryApi({ pagination });
			try {
				const out = await run(api, { ...base, operation: 'getAll', returnAll: true, filters: {} });
				expect(out).toHaveLength(60);
				expect(new Set(json(out).map((t) => t.id)).size).toBe(60);
				// Pages 1–3 (25, 25, 10): the partial page ends the list, no extra request.
				expect(api.requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
			} finally {
				await api.close();
			}
		});

		it('Return All fails loudly when the API ignores ?page= (the same page again), never loops or doubles', async () => {
			const api = await startMockPrefineryApi({ pagination: 'ignore-page' });
			try {
				const error = await runError(api, { ...base, operation: 'getAll', returnAll: true, filters: {} });
				expect(error).toBeInstanceOf(NodeOperationError);
				expect(error.message).toMatch(/same 25 items for page 2/);
				expect(api.requests).toHaveLength(2);
			} finally {
				await api.close();
			}
		});

		it('gets all testers across pages following X-Pagination (Return All)', async () => {
			const out = await run(server, { ...base, operation: 'getAll', returnAll: true, filters: {} });
			expect(out).toHaveLength(60);
			expect(json(out)[0]).toMatchObject({ id: 1001, email: 'user01@example.com' });
			expect(json(out)[59]).toMatchObject({ id: 1060, email: 'user60@example.com' });
			expect(new Set(json(out).map((t) => t.id)).size).toBe(60);
			expect(server.requests.map((r) => [r.method, r.path, r.query.page])).toEqual([
				['GET', '/api/v2/betas/1/testers', '1'],
				['GET', '/api/v2/betas/1/testers', '2'],
				['GET', '/api/v2/betas/1/testers', '3'],
			]);
			expect(out.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		});

		it('stops paging at the limit', async () => {
			const out = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: false,
				limit: 30,
				filters: {},
			});
			expect(out).toHaveLength(30);
			expect(json(out)[29].id).toBe(1030);
			expect(server.requests.map((r) => r.query.page)).toEqual(['1', '2']);

			server.clearRequests();
			const few = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: false,
				limit: 5,
				filters: {},
			});
			expect(json(few).map((t) => t.id)).toEqual([1001, 1002, 1003, 1004, 1005]);
			expect(server.requests).toHaveLength(1);
		});

		it.each([
			[{ email_is: 'user07@example.com' }, 1],
			[{ email_contains: 'user1' }, 10],
			[{ name: 'Penny' }, 8],
			[{ referral_code: 'REF01003' }, 1],
			[{ custom_vars: 'vip' }, 12],
		])("filters with Prefinery's own parameters %p", async (filters, expected) => {
			const out = await run(server, { ...base, operation: 'getAll', returnAll: true, filters });
			expect(out).toHaveLength(expected);
			for (const request of server.requests)
				expect(request.query).toEqual({ ...filters, page: '1' });
		});

		it('sends a filter on every page', async () => {
			const out = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: true,
				filters: { email_contains: '@example.com', name: '' },
			});
			expect(out).toHaveLength(60);
			expect(server.requests.map((r) => r.query)).toEqual([
				{ email_contains: '@example.com', page: '1' },
				{ email_contains: '@example.com', page: '2' },
				{ email_contains: '@example.com', page: '3' },
			]);
		});

		it('gets a tester by ID', async () => {
			const out = await run(server, { ...base, operation: 'get', testerId: '1002' });
			expect(out[0].json).toMatchObject({
				id: 1002,
				email: 'user02@example.com',
				status: 'applied',
			});
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas/1/testers/1002',
			});
		});

		it('creates a tester with profile, UTM, custom variables, referral and responses', async () => {
			const out = await run(server, {
				...base,
				operation: 'create',
				email: ' new@example.com ',
				additionalFields: {
					status: 'applied',
					referred_by: 'user01@example.com',
					responses: {
						response: [
							{ question_id: '12', answer: 'Yes' },
							{ question_id: '', answer: 'x' },
						],
					},
				},
				profile: {
					first_name: 'Sam',
					last_name: 'Sample',
					utm_source: 'newsletter',
					utm_campaign: 'spring',
					custom_var1: 'plan-pro',
					city: '',
				},
			});
			const request = server.requests[0];
			expect(request).toMatchObject({ method: 'POST', path: '/api/v2/betas/1/testers', query: {} });
			expect(request.body).toEqual({
				tester: {
					email: 'new@example.com',
					status: 'applied',
					referred_by: 'user01@example.com',
					profile: {
						first_name: 'Sam',
						last_name: 'Sample',
						utm_source: 'newsletter',
						utm_campaign: 'spring',
						custom_var1: 'plan-pro',
					},
					responses: [{ question_id: 12, answer: 'Yes' }],
				},
			});
			expect(out).toHaveLength(1);
			expect(out[0].json).toMatchObject({
				email: 'new@example.com',
				status: 'applied',
				referred_by: 'user01@example.com',
				profile: expect.objectContaining({ first_name: 'Sam', custom_var1: 'plan-pro' }),
			});
			expect(server.state.testers.get(1)).toHaveLength(61);
		});

		it('creates a tester with only an email', async () => {
			await run(server, {
				...base,
				operation: 'create',
				email: 'plain@example.com',
				additionalFields: {},
				profile: {},
			});
			expect(server.requests[0].body).toEqual({ tester: { email: 'plain@example.com' } });
		});

		it('updates a tester: invite (PUT, unverified endpoint)', async () => {
			const out = await run(server, {
				...base,
				operation: 'update',
				testerId: '1001',
				updateFields: { status: 'invited' },
				profile: { utm_medium: 'email' },
			});
			expect(server.requests[0]).toMatchObject({
				method: 'PUT',
				path: '/api/v2/betas/1/testers/1001',
			});
			expect(server.requests[0].body).toEqual({
				tester: { status: 'invited', profile: { utm_medium: 'email' } },
			});
			expect(out[0].json).toMatchObject({ id: 1001, status: 'invited' });
			expect(out[0].json.invitation_code).toBeTruthy();
		});

		it('updates a tester: reject and change email', async () => {
			const out = await run(server, {
				...base,
				operation: 'update',
				testerId: '1002',
				updateFields: { status: 'rejected', email: 'changed@example.com' },
				profile: {},
			});
			expect(server.requests[0].body).toEqual({
				tester: { status: 'rejected', email: 'changed@example.com' },
			});
			expect(out[0].json).toMatchObject({
				id: 1002,
				status: 'rejected',
				email: 'changed@example.com',
			});
		});

		it('refuses an update with nothing to change, without calling Prefinery', async () => {
			const error = await runError(server, {
				...base,
				operation: 'update',
				testerId: '1001',
				updateFields: { email: '' },
				profile: {},
			});
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe('Nothing to update');
			expect(server.requests).toHaveLength(0);
		});

		it('deletes a tester', async () => {
			const out = await run(server, { ...base, operation: 'delete', testerId: '1003' });
			expect(server.requests[0]).toMatchObject({
				method: 'DELETE',
				path: '/api/v2/betas/1/testers/1003',
			});
			expect(server.requests[0].body).toBeUndefined();
			expect(json(out)).toEqual([{ success: true, id: '1003' }]);
			expect(server.state.testers.get(1)!.some((t) => t.id === 1003)).toBe(false);
		});

		it('checks a tester in by email (POST /checkins, 202)', async () => {
			const out = await run(server, { ...base, operation: 'checkIn', email: 'user04@example.com' });
			expect(server.requests[0]).toMatchObject({
				method: 'POST',
				path: '/api/v2/betas/1/checkins',
			});
			expect(server.requests[0].body).toEqual({ checkin: { email: 'user04@example.com' } });
			expect(json(out)).toEqual([{ success: true, email: 'user04@example.com', statusCode: 202 }]);
			expect(server.state.testers.get(1)!.find((t) => t.id === 1004)!.status).toBe('active');
		});

		it('verifies an invitation code (unverified endpoint)', async () => {
			const code = `inv${(1007).toString(16)}`;
			const out = await run(server, {
				...base,
				operation: 'verify',
				testerId: '1007',
				invitationCode: code,
			});
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas/1/testers/1007/verify',
				query: { invitation_code: code },
			});
			expect(out[0].json).toMatchObject({ id: 1007, invitation_code: code });
		});

		// Hardening #1: `.` and `..` survive URL-encoding and `new URL()` resolves them, so Tester →
		// Delete with ID `..` called DELETE /betas/1/ (the project's route). IDs are digits, or refused.
		it.each([
			['..', 'delete'],
			['.', 'delete'],
			['1001/../../2', 'get'],
			['%2e%2e', 'delete'],
			['1003?x=1', 'delete'],
			['user01@example.com', 'get'],
			['', 'get'],
		])('refuses the tester ID %p before any request (%s)', async (testerId, operation) => {
			const error = await runError(server, { ...base, operation, testerId });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(testerId === '' ? /testerId/ : /tester ID must be a Prefinery ID \(digits only\)/);
			expect(server.requests).toHaveLength(0);
		});

		it('an email as tester ID (a person or an AI agent\'s model) is pointed at the lookup by email', async () => {
			const error = await runError(server, { ...base, operation: 'get', testerId: 'user01@example.com' });
			expect(error.message).toMatch(/To find a tester by email, use Tester → Get Many with the "Email Is" filter\./);
			const other = await runError(server, { ...base, operation: 'get', testerId: '..' });
			expect(other.message).not.toMatch(/Email Is/);
			expect(other.message).toMatch(/\{\{ \$json\.tester\.id \}\}/);
			const project = await runError(server, { ...base, project: projectRl('..', 'id'), operation: 'get', testerId: '1001' });
			expect(project.message).toMatch(/\{\{ \$json\.project_id \}\}/);
		});

		it('refuses a project ID of ".." (ID mode) before any request', async () => {
			const error = await runError(server, { ...base, project: projectRl('..', 'id'), operation: 'get', testerId: '1001' });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(/project ID must be a Prefinery ID/);
			expect(server.requests).toHaveLength(0);
		});

		it('refuses a suppression ID of ".." before any request', async () => {
			const error = await runError(server, { resource: 'suppression', project: projectRl('1'), operation: 'delete', suppressionId: '..' });
			expect(error.message).toMatch(/suppression ID must be a Prefinery ID/);
			expect(server.requests).toHaveLength(0);
		});

		it('trims white space around a numeric ID', async () => {
			await run(server, { ...base, operation: 'get', testerId: ' 1001 ' });
			expect(server.requests[0].path).toBe('/api/v2/betas/1/testers/1001');
		});

	});

	describe('friend invitation', () => {
		it('creates a friend invitation', async () => {
			const out = await run(server, {
				resource: 'friendInvitation',
				operation: 'create',
				project: projectRl('1'),
				senderEmail: 'user01@example.com',
				recipientEmail: 'friend@example.net',
				message: 'You will love this',
			});
			expect(server.requests[0]).toMatchObject({
				method: 'POST',
				path: '/api/v2/betas/1/friend_invitations',
			});
			expect(server.requests[0].body).toEqual({
				friend_invitation: {
					sender_email: 'user01@example.com',
					recipient_email: 'friend@example.net',
					message: 'You will love this',
				},
			});
			expect(out[0].json).toMatchObject({
				inviter: expect.objectContaining({
					email: 'user01@example.com',
					friend_invitations_count: 1,
				}),
				invitee: expect.objectContaining({ email: 'friend@example.net', status: 'invited' }),
			});
		});

		it('leaves out an empty message', async () => {
			await run(server, {
				resource: 'friendInvitation',
				operation: 'create',
				project: projectRl('1'),
				senderEmail: 'user01@example.com',
				recipientEmail: 'friend2@example.net',
				message: '',
			});
			expect(server.requests[0].body).toEqual({
				friend_invitation: {
					sender_email: 'user01@example.com',
					recipient_email: 'friend2@example.net',
				},
			});
		});
	});

	describe('points', () => {
		const base = { resource: 'point', project: projectRl('1') };

		it('gets all points (2 pages)', async () => {
			const out = await run(server, { ...base, operation: 'getAll', returnAll: true, filters: {} });
			expect(out).toHaveLength(30);
			expect(server.requests.map((r) => [r.method, r.path, r.query.page])).toEqual([
				['GET', '/api/v2/betas/1/points', '1'],
				['GET', '/api/v2/betas/1/points', '2'],
			]);
		});

		it('gets the points of one tester', async () => {
			const out = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: false,
				limit: 50,
				filters: { email: 'user01@example.com' },
			});
			expect(out).toHaveLength(6);
			expect(json(out).every((p) => p.user_id === 1001)).toBe(true);
			expect(server.requests[0].query).toEqual({ email: 'user01@example.com', page: '1' });
		});

		it('awards points', async () => {
			const out = await run(server, {
				...base,
				operation: 'award',
				email: 'user02@example.com',
				quantity: 10,
				reason: 'share on Facebook',
			});
			expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/api/v2/betas/1/points' });
			expect(server.requests[0].body).toEqual({
				email: 'user02@example.com',
				quantity: 10,
				reason: 'share on Facebook',
			});
			expect(out[0].json).toMatchObject({
				quantity: 10,
				reason: 'share on Facebook',
				user_id: 1002,
			});
		});

		it("reports Prefinery's 422 message and code (2803 Email not found)", async () => {
			const error = await runError(server, {
				...base,
				operation: 'award',
				email: 'nobody@example.com',
				quantity: 5,
				reason: '',
			});
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('422');
			expect(error.message).toBe('Prefinery API error 422: Email not found.');
			expect(error.description).toContain('Prefinery error code 2803');
			expect(server.requests[0].body).toEqual({ email: 'nobody@example.com', quantity: 5 });
		});
	});

	describe('rewards', () => {
		it('gets rewards filtered by status and email', async () => {
			const out = await run(server, {
				resource: 'reward',
				operation: 'getAll',
				project: projectRl('1'),
				returnAll: true,
				filters: { status: 'earned' },
			});
			expect(json(out).map((r) => r.status)).toEqual(['earned', 'earned']);
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas/1/rewards',
				query: { status: 'earned', page: '1' },
			});

			server.clearRequests();
			const mine = await run(server, {
				resource: 'reward',
				operation: 'getAll',
				project: projectRl('1'),
				returnAll: true,
				filters: { email: 'user02@example.com' },
			});
			expect(json(mine)).toEqual([expect.objectContaining({ user_id: 1002, status: 'delivered' })]);
			expect(server.requests[0].query).toEqual({ email: 'user02@example.com', page: '1' });
		});
	});

	describe('suppressions', () => {
		const base = { resource: 'suppression', project: projectRl('1') };

		it('lists, creates and deletes suppressions', async () => {
			const listed = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: true,
				filters: {},
			});
			expect(json(listed).map((s) => s.email)).toEqual(['bounced@example.com', 'spam@example.com']);
			expect(server.requests[0]).toMatchObject({
				method: 'GET',
				path: '/api/v2/betas/1/suppressions',
			});

			const created = await run(server, {
				...base,
				operation: 'create',
				email: 'user05@example.com',
				reason: 'Unsubscribe',
			});
			expect(server.requests[1]).toMatchObject({
				method: 'POST',
				path: '/api/v2/betas/1/suppressions',
			});
			expect(server.requests[1].body).toEqual({
				email: 'user05@example.com',
				reason: 'Unsubscribe',
			});
			expect(created[0].json).toMatchObject({
				email: 'user05@example.com',
				reason: 'Unsubscribe',
				user_id: 1005,
			});

			const id = String(created[0].json.id);
			const deleted = await run(server, { ...base, operation: 'delete', suppressionId: id });
			expect(server.requests[2]).toMatchObject({
				method: 'DELETE',
				path: `/api/v2/betas/1/suppressions/${id}`,
			});
			expect(json(deleted)).toEqual([{ success: true, id }]);

			const filtered = await run(server, {
				...base,
				operation: 'getAll',
				returnAll: false,
				limit: 10,
				filters: { email: 'spam@example.com' },
			});
			expect(json(filtered)).toEqual([expect.objectContaining({ email: 'spam@example.com' })]);
			expect(server.requests[3].query).toEqual({ email: 'spam@example.com', page: '1' });
		});

		it('handles a 204 No Content delete', async () => {
			const other = await startMockPrefineryApi({ deleteStatus: 204 });
			try {
				const out = await run(other, { ...base, operation: 'delete', suppressionId: '9001' });
				expect(json(out)).toEqual([{ success: true, id: '9001' }]);
				expect(other.requests[0]).toMatchObject({
					method: 'DELETE',
					path: '/api/v2/betas/1/suppressions/9001',
				});
				expectStandardRequest(other.requests[0], 'test-api-key');
			} finally {
				await other.close();
			}
		});

		it('reports a duplicate (422, code 2702)', async () => {
			const error = await runError(server, {
				...base,
				operation: 'create',
				email: 'spam@example.com',
				reason: 'Manual',
			});
			expect(error.httpCode).toBe('422');
			expect(error.message).toBe('Prefinery API error 422: Email already exists.');
			expect(error.description).toContain('2702');
		});
	});

	describe('errors', () => {
		const getTesters = {
			resource: 'tester',
			operation: 'getAll',
			project: projectRl('1'),
			returnAll: true,
			filters: {},
		};

		it('401: names the permission the API key needs', async () => {
			const error = await runError(server, getTesters, { apiKey: 'wrong-key' });
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('401');
			expect(error.message).toBe('Prefinery refused the API key (401): Invalid API key.');
			expect(error.description).toContain('"Testers" permission');
			expect(server.requests[0].headers.authorization).toBe('Bearer wrong-key');
		});

		it('403: names the missing permission', async () => {
			const limited = await startMockPrefineryApi({ permissions: ['betas', 'testers'] });
			try {
				const error = await runError(limited, {
					resource: 'point',
					operation: 'award',
					project: projectRl('1'),
					email: 'user01@example.com',
					quantity: 1,
					reason: '',
				});
				expect(error.httpCode).toBe('403');
				expect(error.message).toContain('Prefinery refused the API key (403)');
				expect(error.description).toContain('"Points" permission');
			} finally {
				await limited.close();
			}
		});

		it("404: carries Prefinery's message", async () => {
			const error = await runError(server, {
				resource: 'tester',
				operation: 'get',
				project: projectRl('1'),
				testerId: '999',
			});
			expect(error.httpCode).toBe('404');
			expect(error.message).toBe('Prefinery could not find it (404): Tester not found.');
			expect(error.description).toContain('GET /betas/1/testers/999');
			expect(error.context.itemIndex).toBe(0);
		});

		it('404 for an unknown project', async () => {
			const error = await runError(server, {
				resource: 'project',
				operation: 'get',
				project: projectRl('77', 'id'),
			});
			expect(error.message).toBe('Prefinery could not find it (404): Beta not found.');
		});

		it("422: carries Prefinery's validation message and code", async () => {
			const error = await runError(server, {
				resource: 'tester',
				operation: 'create',
				project: projectRl('1'),
				email: 'user01@example.com',
				additionalFields: {},
				profile: {},
			});
			expect(error.httpCode).toBe('422');
			expect(error.message).toBe('Prefinery API error 422: Email has already been taken.');
			expect(error.description).toContain('Prefinery error code 2405');
		});

		it('429 with Retry-After: waits for it, asks again, and the page is in the output once', async () => {
			server.failNext({ status: 429, path: '/testers', retryAfter: 7 });
			const out = await run(server, getTesters);
			expect(out).toHaveLength(60);
			expect(new Set(json(out).map((t) => t.id)).size).toBe(60);
			expect(server.requests.map((r) => [r.query.page, r.status])).toEqual([
				['1', 429],
				['1', 200],
				['2', 200],
				['3', 200],
			]);
			expect(clock.sleeps).toEqual([7000]);
		});

		it('429 whose Retry-After exceeds Max Wait fails at once, naming the limit and the option', async () => {
			server.failNext({ status: 429, path: '/testers', retryAfter: 600 });
			const error = await runError(server, getTesters);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('429');
			expect(error.message).toBe(
				'Prefinery rate limit reached (tester list: 60 requests per minute per project; tester list: 180 requests per minute per company)',
			);
			expect(error.description).toContain("600 s (Prefinery's Retry-After)");
			expect(error.description).toContain('Max Wait on Rate Limit (300 s)');
			expect(error.description).toContain('Raise "Max Wait on Rate Limit (Seconds)"');
			expect(server.requests).toHaveLength(1);
			expect(clock.sleeps).toEqual([]);
		});

		it('a bare 429 on the projects endpoint waits for its documented window (15 min) when Max Wait allows it', async () => {
			server.failNext({ status: 429, retryAfter: null });
			const error = await runError(server, { resource: 'project', operation: 'getAll', returnAll: true });
			expect(error.message).toBe('Prefinery rate limit reached (projects: 90 requests per 15 minutes)');
			expect(error.description).toContain('the documented window');
			expect(server.requests).toHaveLength(1);

			server.failNext({ status: 429, retryAfter: null });
			clock.advance(16 * 60_000);
			const out = await run(server, {
				resource: 'project',
				operation: 'getAll',
				returnAll: true,
				options: { maxRateLimitWait: 1000 },
			});
			expect(json(out).map((p) => p.id)).toEqual([1, 2]);
			// A whole window (plus the 0.5 % margin), since this process sent nothing in it.
			expect(clock.sleeps).toEqual([904_500]);
		});

		it('continueOnFail: a failing item becomes an error item, the others go on', async () => {
			const out = await run(
				server,
				[
					{ resource: 'tester', operation: 'get', project: projectRl('1'), testerId: '999' },
					{ resource: 'tester', operation: 'get', project: projectRl('1'), testerId: '1005' },
					{ resource: 'tester', operation: 'get', project: projectRl('2'), testerId: '1061' },
				],
				{ continueOnFail: true },
			);
			expect(out).toHaveLength(3);
			expect(out[0]).toEqual({
				json: {
					error: 'Prefinery could not find it (404): Tester not found.',
					description: 'GET /betas/1/testers/999 (Prefinery error code 2402)',
					httpCode: '404',
				},
				pairedItem: { item: 0 },
			});
			expect(out[1]).toMatchObject({ json: { id: 1005 }, pairedItem: { item: 1 } });
			expect(out[2]).toMatchObject({
				json: { id: 1061, email: 'beta1@example.org' },
				pairedItem: { item: 2 },
			});
		});

		it('without continueOnFail the first failing item stops the node with its index', async () => {
			const items = [
				{ resource: 'tester', operation: 'get', project: projectRl('1'), testerId: '1001' },
				{ resource: 'tester', operation: 'get', project: projectRl('1'), testerId: '404404' },
			];
			const { ctx } = makeContext(server, items);
			await expect(new Prefinery().execute.call(ctx)).rejects.toMatchObject({
				httpCode: '404',
				context: expect.objectContaining({ itemIndex: 1 }),
			});
		});

		it('a credential without API key fails before any request', async () => {
			const error = await runError(server, getTesters, { apiKey: '' });
			expect(error.message).toBe('The Prefinery credential has no API key');
			expect(server.requests).toHaveLength(0);
		});

		it('an empty project is a clear error', async () => {
			const error = await runError(server, { ...getTesters, project: projectRl('') });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe('Choose a Prefinery project');
			expect(server.requests).toHaveLength(0);
		});
	});

	describe('rate limits (the mock enforces Prefinery\'s documented limits on the same virtual clock)', () => {
		const backfill = { resource: 'tester', operation: 'getAll', project: projectRl('1'), returnAll: true, filters: {} };
		let limited: MockPrefineryApi;
		afterEach(async () => {
			await limited?.close();
		});
		const start = (options: Parameters<typeof startMockPrefineryApi>[0]) =>
			startMockPrefineryApi({ rateLimits: true, now: clock.now, ...options }).then((api) => (limited = api));

		it('Return All of 2,000 testers (80 pages) stays inside 60 per minute: no 429, nothing lost or doubled, progress logged', async () => {
			const api = await start({ testers: 2000 });
			const t0 = clock.now();
			const { ctx, logger } = makeContext(api, [backfill]);
			const [out] = await new Prefinery().execute.call(ctx);
			expect(out).toHaveLength(2000);
			expect(new Set(json(out).map((t) => t.id)).size).toBe(2000);
			expect(api.stats().rateLimited).toBe(0);
			expect(api.requests).toHaveLength(80);
			// Pages 1–60 at once, 61–80 one window later (plus the 0.5 % margin): 60.3 s.
			expect(clock.now() - t0).toBe(60_300);
			const lines = logger.info.mock.calls.map(([line]) => String(line));
			expect(lines).toEqual([
				'Prefinery: GET /betas/1/testers at page 20 of 80, 500 items so far, waited 0 s for rate limits',
				'Prefinery: GET /betas/1/testers at page 40 of 80, 1000 items so far, waited 0 s for rate limits',
				'Prefinery: GET /betas/1/testers at page 60 of 80, 1500 items so far, waited 0 s for rate limits',
				'Prefinery: GET /betas/1/testers done after page 80 of 80, 2000 items so far, waited 60.3 s for rate limits',
			]);
		});

		it.each([
			['no header', false, 60_000],
			['Retry-After', true, 60_000],
		])(
			'quota used by someone else (%s): one 429, waited out, then the list completes once',
			async (_label, retryAfterHeader, expectedWait) => {
				const api = await start({ testers: 2000, retryAfterHeader });
				// Another n8n process (its own limiter) reads 60 pages with the same key.
				await run(api, { ...backfill, returnAll: false, limit: 1500 });
				resetSharedRateLimiter(clock);
				const sleepsBefore = clock.sleeps.length;
				api.clearRequests();
				const out = await run(api, backfill);
				expect(out).toHaveLength(2000);
				expect(new Set(json(out).map((t) => t.id)).size).toBe(2000);
				expect(api.stats().rateLimited).toBe(1);
				expect(api.requests.filter((r) => r.status === 429).map((r) => r.query.page)).toEqual(['1']);
				expect(api.requests.filter((r) => r.status === 200)).toHaveLength(80);
				expect(clock.sleeps.slice(sleepsBefore)[0]).toBeGreaterThanOrEqual(expectedWait);
			},
		);

		it('100 point awards stay inside 60 per minute: each carried out once, no 429', async () => {
			const api = await start({});
			const items = Array.from({ length: 100 }, (_, n) => ({
				resource: 'point',
				operation: 'award',
				project: projectRl('1'),
				email: `user${String((n % 60) + 1).padStart(2, '0')}@example.com`,
				quantity: 1,
				reason: `award ${n}`,
			}));
			const t0 = clock.now();
			const out = await run(api, items);
			expect(out).toHaveLength(100);
			expect(api.stats()).toMatchObject({ rateLimited: 0, acceptedWrites: 100, duplicateWrites: 0 });
			expect(api.state.points.get(1)).toHaveLength(130);
			expect(clock.now() - t0).toBe(60_300);
		});

		it('a 429 on a write (unambiguous: not carried out) is sent again once, and the point exists once', async () => {
			const api = await start({});
			api.failNext({ status: 429, method: 'POST', path: '/points', retryAfter: 2 });
			const out = await run(api, { resource: 'point', operation: 'award', project: projectRl('1'), email: 'user01@example.com', quantity: 5, reason: 'once' });
			expect(json(out)[0]).toMatchObject({ quantity: 5, reason: 'once' });
			expect(api.requests.map((r) => r.status)).toEqual([429, 201]);
			expect(api.stats()).toMatchObject({ acceptedWrites: 1, duplicateWrites: 0 });
			expect(api.state.points.get(1)?.filter((p) => p.reason === 'once')).toHaveLength(1);
		});

		it.each([
			['a 500', { status: 500 }],
			['a 503', { status: 503 }],
			['a connection reset after the write was carried out', { status: 0, carryOut: true }],
		])('a write is never repeated after an ambiguous failure (%s)', async (_label, failure) => {
			const api = await start({});
			api.failNext({ ...failure, method: 'POST', path: '/points' });
			const error = await runError(api, { resource: 'point', operation: 'award', project: projectRl('1'), email: 'user01@example.com', quantity: 5, reason: 'maybe' });
			expect(error.description).toContain('Not retried: Prefinery may have carried out this POST');
			expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
			expect(api.stats().duplicateWrites).toBe(0);
		});

		it.each([
			['a 503', { status: 503 }],
			['a connection reset', { status: 0 }],
		])('a page read is retried after an ambiguous failure (%s) and is in the output once', async (_label, failure) => {
			const api = await start({});
			api.failNext({ ...failure, method: 'GET', path: '/testers' });
			api.failNext({ ...failure, method: 'GET', path: '/testers' });
			const out = await run(api, backfill);
			expect(out).toHaveLength(60);
			expect(new Set(json(out).map((t) => t.id)).size).toBe(60);
			expect(api.requests.map((r) => r.query.page)).toEqual(['1', '1', '1', '2', '3']);
			expect(clock.sleeps).toEqual([1000, 2000]);
		});

		it('a page read gives up after 3 tries', async () => {
			const api = await start({});
			api.failNext({ status: 503, method: 'GET', path: '/testers', times: 3 });
			const error = await runError(api, backfill);
			expect(error.httpCode).toBe('503');
			expect(error.description).toContain('Tried 3 times.');
			expect(api.requests).toHaveLength(3);
		});

		it('a stopped execution stops waiting within a second and sends nothing more', async () => {
			const api = await start({ testers: 2000 });
			const controller = new AbortController();
			const { ctx } = makeContext(api, [backfill]);
			ctx.getExecutionCancelSignal.mockReturnValue(controller.signal);
			const sleep = clock.sleep;
			clock.sleep = async (ms: number) => {
				await sleep(ms);
				if (clock.sleeps.length === 3) controller.abort();
			};
			await expect(new Prefinery().execute.call(ctx)).rejects.toThrow(
				'The execution was stopped before GET /betas/1/testers was sent',
			);
			expect(clock.sleeps).toEqual([1000, 1000, 1000]);
			expect(api.requests).toHaveLength(60);
		});

		it('fails before sending when its own schedule needs a longer wait than Max Wait', async () => {
			const api = await start({ testers: 2000 });
			const error = await runError(api, { ...backfill, options: { maxRateLimitWait: 30 } });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe(
				'Prefinery rate limit: the next request would have to wait 60.3 s (tester list: 60 requests per minute per project), longer than Max Wait on Rate Limit (30 s)',
			);
			expect(error.description).toContain('Raise "Max Wait on Rate Limit (Seconds)"');
			expect(api.requests).toHaveLength(60);
			expect(api.stats().rateLimited).toBe(0);
		});
	});

	describe('issue 26: limits, hung calls, unexpected bodies, the API Base URL', () => {
		const backfill = { resource: 'tester', operation: 'getAll', project: projectRl('1'), returnAll: true, filters: {} };
		const award = { resource: 'point', operation: 'award', project: projectRl('1'), email: 'user01@example.com', quantity: 5, reason: 'once' };

		// Item 3: one classification of paths for pacing and messages.
		it('a 429 on POST /testers (no documented limit) is not reported as the tester-list limit', async () => {
			server.failNext({ status: 429, method: 'POST', path: '/testers', retryAfter: 600 });
			const error = await runError(server, { resource: 'tester', operation: 'create', project: projectRl('1'), email: 'new@example.com' });
			expect(error.httpCode).toBe('429');
			expect(error.message).not.toMatch(/tester/i);
			expect(error.message).toBe('Prefinery rate limit reached (a limit Prefinery does not document for this endpoint)');
			expect(server.requests).toHaveLength(1);
		});

		// Item 3: `/betas/01` and `/betas/1` are one project.
		it('a project ID with leading zeros is the same project (one URL, one rate-limit budget)', async () => {
			const out = await run(server, { resource: 'tester', operation: 'get', project: projectRl('001', 'id'), testerId: '01001' });
			expect(json(out)[0]).toMatchObject({ id: 1001 });
			expect(server.requests.map((r) => r.path)).toEqual(['/api/v2/betas/1/testers/1001']);
		});

		// Item 4: a request timeout, and Stop ends a hung request.
		it('a GET that gets no answer within Timeout is abandoned and tried again (3 tries in all), then fails', async () => {
			server.failNext({ status: 0, hang: true, method: 'GET', path: '/testers', times: 3 });
			const started = Date.now();
			const error = await runError(server, { ...backfill, options: { timeout: 0.2 } });
			expect(Date.now() - started).toBeLessThan(5000);
			expect(error.description).toContain('Tried 3 times.');
			expect(server.requests).toHaveLength(3);
			expect(clock.sleeps).toEqual([1000, 2000]);
		}, 10_000);

		it('a GET that timed out once is tried again and the list is complete', async () => {
			server.failNext({ status: 0, hang: true, method: 'GET', path: '/testers' });
			const out = await run(server, { ...backfill, options: { timeout: 0.2 } });
			expect(out).toHaveLength(60);
			expect(server.requests.map((r) => r.query.page)).toEqual(['1', '1', '2', '3']);
		}, 10_000);

		it('a write that gets no answer within Timeout is not repeated', async () => {
			server.failNext({ status: 0, hang: true, method: 'POST', path: '/points' });
			const error = await runError(server, { ...award, options: { timeout: 0.2 } });
			expect(error.description).toContain('Not retried: Prefinery may have carried out this POST');
			expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
		}, 10_000);

		it('Stop ends a hung request at once (the execution\'s cancel signal goes to the HTTP request)', async () => {
			server.failNext({ status: 0, hang: true, method: 'POST', path: '/points' });
			const controller = new AbortController();
			const { ctx, httpHelper } = makeContext(server, [award]);
			ctx.getExecutionCancelSignal.mockReturnValue(controller.signal);
			// Stop once the request has reached the (hung) API.
			void (async () => {
				while (server.requests.length === 0) await sleep(10);
				controller.abort();
			})();
			const started = Date.now();
			await expect(new Prefinery().execute.call(ctx)).rejects.toThrow('The execution was stopped while POST /betas/1/points was under way');
			expect(Date.now() - started).toBeLessThan(5000);
			// The signal n8n's HTTP helper got ends with the execution's (combined with the attempt's deadline).
			const sent = httpHelper.mock.calls[0][1] as { abortSignal?: AbortSignal; timeout?: number };
			expect(sent.timeout).toBe(60_000);
			expect(sent.abortSignal?.aborted).toBe(true);
			expect(server.requests).toHaveLength(1);
		}, 10_000);

		// Item 5: a 200 whose body is not a list is an error, never 0 items.
		it.each([
			['an object', { testers: [] }, 'an object with the key "testers"'],
			['text', 'Service temporarily unavailable', 'text (31 characters, not JSON)'],
		])('Get Many fails when a 200 page is %s, saying what came and what was expected', async (_label, body, shown) => {
			server.failNext({ status: 200, method: 'GET', path: '/testers', body });
			const error = await runError(server, backfill);
			expect(error.message).toBe(`Prefinery answered GET /betas/1/testers (page 1) with ${shown}, where a list (JSON array) was expected`);
			expect(error.httpCode).toBe('200');
		});

		// Item 6: where the API key may go.
		const withBaseUrls = (items: Params[], baseUrl: (itemIndex: number) => string) => {
			const made = makeContext(server, items);
			(made.ctx.getCredentials as unknown as jest.Mock).mockImplementation(async (_type: string, itemIndex?: number) => ({
				apiKey: server.apiKey,
				baseUrl: baseUrl(itemIndex ?? 0),
			}));
			return made;
		};

		it('refuses an API Base URL that changes between items, before sending the key to the second host', async () => {
			const rogue = await startMockPrefineryApi();
			try {
				const items = [0, 1, 2].map(() => ({ resource: 'project', operation: 'get', project: projectRl('1') }));
				const { ctx } = withBaseUrls(items, (i) => (i === 0 ? server.url : rogue.url));
				const error = (await new Prefinery().execute.call(ctx).catch((e: unknown) => e)) as NodeOperationError;
				expect(error).toBeInstanceOf(NodeOperationError);
				expect(error.message).toMatch(/^The API Base URL of the Prefinery API credential changed between items of this execution/);
				expect(error.description).toContain('not an expression that depends on the item');
				expect(error.context.itemIndex).toBe(1);
				expect(`${error.message} ${error.description}`).not.toContain(server.apiKey);
				expect(server.requests).toHaveLength(1);
				expect(rogue.requests).toHaveLength(0);
			} finally {
				await rogue.close();
			}
		});

		it.each([
			['http on a non-loopback host', 'http://example.com/api/v2', 'must use https (it is http://example.com)'],
			['another scheme', 'ftp://127.0.0.1/api/v2', 'must use https (it is ftp://127.0.0.1)'],
			['credentials in the URL', 'https://user:pass@example.com/api/v2', 'must not contain a user name or password'],
			['not a URL', 'api.prefinery.com', 'is not a URL'],
		])('refuses an API Base URL with %s before any request, without showing the key', async (_label, baseUrl, text) => {
			const { ctx, httpHelper } = withBaseUrls([{ resource: 'project', operation: 'getAll' }], () => baseUrl);
			const error = (await new Prefinery().execute.call(ctx).catch((e: unknown) => e)) as NodeOperationError;
			expect(error.message).toContain(text);
			expect(error.message).toContain('API Base URL of the Prefinery API credential');
			expect(`${error.message} ${error.description}`).not.toContain(server.apiKey);
			expect(`${error.message} ${error.description}`).not.toContain('pass@');
			expect(httpHelper).not.toHaveBeenCalled();
		});
	});

	describe('project list', () => {
		it('searchProjects lists and filters the projects', async () => {
			const ctx = mock<ILoadOptionsFunctions>();
			ctx.getNode.mockReturnValue(NODE);
			ctx.getCredentials.mockResolvedValue({ apiKey: server.apiKey, baseUrl: server.url });
			(ctx as unknown as { helpers: unknown }).helpers = {
				httpRequestWithAuthentication: jest.fn(httpRequestWithAuthentication),
			};
			expect(await searchProjects.call(ctx)).toEqual({
				results: [
					{ name: 'Acme Waitlist (1)', value: '1' },
					{ name: 'Beta Launch (2)', value: '2' },
				],
			});
			expect(await searchProjects.call(ctx, 'beta')).toEqual({
				results: [{ name: 'Beta Launch (2)', value: '2' }],
			});
			expect(server.requests.every((r) => r.path === '/api/v2/betas')).toBe(true);
		});
	});
});

describe('Prefinery API credential: declarative test (run for real against the mock API in e2e/action.e2e.test.mjs)', () => {
	it('GET /betas on the base URL, authenticated by the Bearer header, never by a query parameter', () => {
		expect(credentialType.test.request).toEqual(
			expect.objectContaining({ method: 'GET', url: '/betas' }),
		);
		expect(credentialType.test.request.baseURL).toMatch(/\$credentials\.baseUrl/);
		expect(JSON.stringify(credentialType.test)).not.toMatch(/api_key/);
		expect(credentialType.authenticate.properties.headers).toEqual({
			Authorization: '=Bearer {{$credentials.apiKey}}',
		});
	});

	it('the API key is required and the credential holds no signing secret', () => {
		const names = credentialType.properties.map((property) => property.name);
		expect(names).toEqual(['apiKey', 'baseUrl']);
		expect(credentialType.properties[0].required).toBe(true);
	});
});

describe('issue 37: hostile hosts behind the API Base URL', () => {
	const servers: HostileServer[] = [];
	const started = async <T extends HostileServer>(server: Promise<T>): Promise<T> => {
		const ready = await server;
		servers.push(ready);
		return ready;
	};
	beforeEach(() => resetSharedRateLimiter(virtualClock()));
	afterEach(async () => {
		await Promise.all(servers.splice(0).map((server) => server.close()));
	});
	/** The node with the API credential's base URL set to `baseUrl`. */
	const runAgainst = async (baseUrl: string, params: Params) => {
		const { ctx } = makeContext({ apiKey: 'key-for-the-real-api', url: baseUrl } as MockPrefineryApi, [params]);
		return await new Prefinery().execute.call(ctx).catch((error: unknown) => error as NodeOperationError);
	};
	const listTesters = { resource: 'tester', operation: 'getAll', project: projectRl('1'), returnAll: true, filters: {} };

	// #2: the API key never follows a redirect, to another host or another port, whatever the status.
	it.each([301, 302, 307, 308])('%i to another host and to another port: not followed, the key stays, the error names the target', async (status) => {
		const otherHost = await started(startRecorder('127.0.0.2'));
		const otherPort = await started(startRecorder('127.0.0.1'));
		for (const [target, shown] of [
			[`${otherHost.url}/steal?from=prefinery`, otherHost.url],
			[`${otherPort.url}/api/v2/betas/1/testers`, otherPort.url],
			['https://attacker.example/collect', 'https://attacker.example'],
		]) {
			const base = await started(startRedirector(status, target));
			const error = await runAgainst(`${base.url}/api/v2`, listTesters);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect((error as NodeOperationError).message).toBe(
				`Prefinery API answered ${status}, a redirect to ${shown}: not followed, so the API key was not sent there`,
			);
			expect((error as NodeOperationError).description).toContain('check the API Base URL of the Prefinery API credential');
			expect(JSON.stringify(error)).not.toContain('key-for-the-real-api');
			expect(JSON.stringify(error)).not.toContain('steal?from');
			expect(base.requests).toHaveLength(1);
		}
		expect(otherHost.requests).toEqual([]);
		expect(otherPort.requests).toEqual([]);
	});

	it('a redirect to another path on the same host is not followed either (a write is never repeated elsewhere)', async () => {
		const base = await started(startRedirector(307, '/elsewhere'));
		const error = await runAgainst(`${base.url}/api/v2`, { resource: 'point', operation: 'award', project: projectRl('1'), email: 'a@example.com', quantity: 1, reason: 'x' });
		expect((error as NodeOperationError).message).toBe(`Prefinery API answered 307, a redirect to another path on ${base.url}: not followed, so the API key was not sent there`);
		expect(base.requests.map((r) => r.method)).toEqual(['POST']);
	});

	// #4: a body dripped a byte at a time cannot hold a request past its Timeout.
	it('a body dripped slower than the Timeout allows is abandoned at the deadline, before it ends; a GET is tried again, then fails naming the Timeout', async () => {
		const drip = await started(startDripper({ everyMs: 50, bytes: 100_000 }));
		const { ctx } = makeContext({ apiKey: 'key-for-the-real-api', url: `${drip.url}/api/v2` } as MockPrefineryApi, [{ ...listTesters, options: { timeout: 1 } }]);
		// As in n8n's execute context, whose HTTP helper replaces the request's signal with the execution's.
		ctx.getExecutionCancelSignal.mockReturnValue(new AbortController().signal);
		expect('getExecutionCancelSignal' in ctx).toBe(true);
		const error = await new Prefinery().execute.call(ctx).catch((e: unknown) => e);
		expect((error as unknown as NodeApiError).message).toContain('no complete answer within 1 s (the Timeout option)');
		expect((error as unknown as NodeApiError).description).toContain('Tried 3 times.');
		// Abandoned on the deadline, not on the body's end: the server was still dripping.
		expect(drip.state.finished).toBe(false);
		expect(drip.requests).toHaveLength(3);
	}, 30_000);

	// #4: Return All has a cap, named in its error.
	it(`Return All against a list that always has a next page stops at ${RETURN_ALL_MAX_PAGES} pages, naming the cap and what to do`, async () => {
		const endless = await started(startEndlessList());
		const error = await runAgainst(`${endless.url}/api/v2`, listTesters);
		expect((error as NodeOperationError).message).toBe(
			`Return All stopped after ${RETURN_ALL_MAX_PAGES} pages and ${RETURN_ALL_MAX_PAGES * 25} items: it reads at most ${RETURN_ALL_MAX_PAGES} pages and ${RETURN_ALL_MAX_ITEMS} items`,
		);
		expect((error as NodeOperationError).description).toContain('set a Limit');
		expect(endless.requests).toHaveLength(RETURN_ALL_MAX_PAGES);
	}, 120_000);

	it(`one page of 150,000 testers: Return All fails naming the cap (no stack overflow); a Limit still returns its items`, async () => {
		const huge = await started(startHugePage({ count: 150_000 }));
		const error = await runAgainst(`${huge.url}/api/v2`, listTesters);
		expect((error as NodeOperationError).message).toBe(
			`Return All stopped after 1 pages and 150000 items: it reads at most ${RETURN_ALL_MAX_PAGES} pages and ${RETURN_ALL_MAX_ITEMS} items`,
		);
		const limited = await runAgainst(`${huge.url}/api/v2`, { ...listTesters, returnAll: false, limit: 50 });
		expect(Array.isArray(limited) ? (limited as INodeExecutionData[][])[0] : limited).toHaveLength(50);
	}, 60_000);
});
