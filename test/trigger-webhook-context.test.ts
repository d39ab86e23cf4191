/**
 * The trigger's webhook() through n8n-core's real WebhookContext and a real n8n-workflow Workflow:
 * n8n's own parameter defaults, expressions, resource-locator extraction, credential lookup, static
 * data and request accessors, for both typeVersions. test/trigger-node.test.ts keeps the cases where
 * a hand mock is simpler and still true.
 */
import type {
	IWebhookResponseData, INodeParameters } from 'n8n-workflow';
import { samplePayload } from '../lib/samples';
import articleSample from './fixtures/article-sample.json';
import { runInCoreContext, type CoreCall, type FakeRequest } from './helpers/n8n-core-context';
import { bytes, signedHeader } from './helpers/signing';

const SECRET = 'whsec_core_context_secret';
const VERSIONS = [1, 1.1, 1.2];

/**
 * A rejection answered by the node itself (noWebhookResponse), starting nothing on the Event output; from
 * 1.2 ("Rejected Output" on by default) with one item on the Rejected output saying why.
 */
function expectRejected(result: IWebhookResponseData, typeVersion: number, reason: string) {
	expect(result.noWebhookResponse).toBe(true);
	if (typeVersion < 1.2) {
		expect(result.workflowData).toBeUndefined();
		return;
	}
	expect(result.workflowData).toHaveLength(2);
	expect(result.workflowData![0]).toEqual([]);
	expect(result.workflowData![1]).toHaveLength(1);
	expect(result.workflowData![1][0].json).toMatchObject({ rejected: true, reason, url: 'production' });
}

let counter = 0;
/** A fresh workflow id per call, so the process-wide duplicate memory never leaks between tests. */
const freshWorkflow = () => `wf-core-${++counter}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A signed POST as n8n's server hands it over: raw bytes read, JSON parsed. */
function signedPost(body: unknown, { secret = SECRET, timestamp = nowSeconds() } = {}): FakeRequest {
	const rawBody = bytes(body);
	return {
		method: 'POST',
		rawBody,
		body: JSON.parse(rawBody.toString('utf8')),
		headers: {
			'content-type': 'application/json',
			'x-prefinery-signature': signedHeader(secret, timestamp, rawBody),
		},
		query: {},
		params: {},
	};
}

function run(call: Partial<CoreCall> & { request: FakeRequest }) {
	return runInCoreContext({ workflowId: freshWorkflow(), decrypted: { webhookSigningSecret: SECRET }, ...call });
}

function event(id: number, type = 'tester_created', project?: number) {
	const payload = samplePayload(type, id) as { data: { project_id?: number } };
	if (project !== undefined) payload.data.project_id = project;
	return payload;
}

describe.each(VERSIONS)('typeVersion %p through n8n-core WebhookContext', (typeVersion) => {
	it('saved with no parameters at all: n8n fills the defaults (any event, signature on, typed output)', async () => {
		const { result, res, getDecrypted } = await run({ typeVersion, parameters: {}, request: signedPost(articleSample) });
		expect(res.status).not.toHaveBeenCalled();
		expect(result.webhookResponse).toEqual({ status: 'accepted', message: 'Event received.', event_id: 123, type: 'tester_created' });
		const item = result.workflowData![0][0].json;
		expect(item).toEqual(expect.objectContaining({ id: 123, type: 'tester_created', object: 'tester', signature_verified: true, sample: false }));
		expect(item).not.toHaveProperty('headers');
		expect(getDecrypted).toHaveBeenCalledTimes(1);
		expect(getDecrypted.mock.calls[0]).toEqual(
			expect.arrayContaining([{ id: 'cred-1', name: 'Prefinery Webhook' }, 'prefineryWebhookApi', 'webhook']),
		);
	});

	it('the defaults n8n filled in are the node description\'s', async () => {
		const { workflow } = await run({ typeVersion, parameters: {}, request: signedPost(event(1)) });
		expect(workflow.getNode('Prefinery Trigger')!.parameters).toEqual({
			setupNotice: '',
			events: ['*'],
			verifySignature: true,
			project: { __rl: true, mode: 'id', value: '' },
			output: 'typed',
			// "Rejected Output": on for new nodes (1.2), off where workflows were saved with 1 or 1.1.
			rejectedOutput: typeVersion >= 1.2,
			options: {},
		});
	});

	it('an unsigned delivery is rejected with 429 (Prefinery retries) through the real response object', async () => {
		const request = signedPost(event(2));
		delete request.headers['x-prefinery-signature'];
		const { result, res } = await run({ typeVersion, request });
		expectRejected(result, typeVersion, 'missing_header');
		expect(res.status).toHaveBeenCalledWith(429);
		expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ status: 'rejected', reason: 'missing_header' }));
	});

	it('expressions in Events and in an option are evaluated by n8n', async () => {
		const parameters: INodeParameters = {
			events: '={{ ["tester_" + "applied"] }}',
			options: { signatureTolerance: '={{ 30 * 2 }}', includeHeaders: '={{ true }}' },
		};
		const applied = await run({ typeVersion, parameters, request: signedPost(event(3, 'tester_applied')) });
		expect(applied.result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted', type: 'tester_applied' }));
		expect(applied.result.workflowData![0][0].json.headers).toEqual({ 'content-type': 'application/json' });

		const created = await run({ typeVersion, parameters, request: signedPost(event(4)) });
		expect(created.result.webhookResponse).toEqual(expect.objectContaining({ status: 'ignored', reason: 'event_not_selected' }));

		const stale = await run({ typeVersion, parameters, request: signedPost(event(5, 'tester_applied'), { timestamp: nowSeconds() - 120 }) });
		expect(stale.res.status).toHaveBeenCalledWith(429);
		expect(stale.res.json).toHaveBeenCalledWith(expect.objectContaining({ reason: 'timestamp_too_old' }));
	});

	describe('Project filter: the resource locator as n8n saves it, value extracted by n8n', () => {
		const byId = (value: string) => ({ project: { __rl: true, mode: 'id', value } });

		it('by ID: only that project', async () => {
			const own = await run({ typeVersion, parameters: byId('42'), request: signedPost(event(6, 'tester_created', 42)) });
			expect(own.result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
			const other = await run({ typeVersion, parameters: byId('42'), request: signedPost(event(7, 'tester_created', 7)) });
			expect(other.result.webhookResponse).toEqual(expect.objectContaining({ status: 'ignored', reason: 'project_not_selected' }));
		});

		it('by ID from an expression', async () => {
			const { result } = await run({ typeVersion, parameters: byId('={{ 40 + 2 }}'), request: signedPost(event(8, 'tester_created', 42)) });
			expect(result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
		});

		it('not a number: fails closed (429 until fixed, never "any project")', async () => {
			const { result, res } = await run({ typeVersion, parameters: byId('my-project'), request: signedPost(event(9, 'tester_created', 42)) });
			expectRejected(result, typeVersion, 'invalid_project_filter');
			expect(res.status).toHaveBeenCalledWith(429);
			expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ status: 'rejected', reason: 'invalid_project_filter' }));
		});
	});

	describe('credentials through n8n-core (credentialsHelper.getDecrypted stubbed)', () => {
		it('no credential selected on the node: n8n-core refuses, the node answers 429 without the error text', async () => {
			const { result, res, getDecrypted } = await run({ typeVersion, credential: null, request: signedPost(event(10)) });
			expect(getDecrypted).not.toHaveBeenCalled();
			expectRejected(result, typeVersion, 'credential_unavailable');
			expect(res.status).toHaveBeenCalledWith(429);
			expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ reason: 'credential_unavailable' }));
			expect(JSON.stringify(res.json.mock.calls)).not.toContain('does not have any credentials');
		});

		it('the credential store fails: 429, so Prefinery retries', async () => {
			const { res } = await run({ typeVersion, decrypted: new Error('Credential with ID "cred-1" does not exist'), request: signedPost(event(11)) });
			expect(res.status).toHaveBeenCalledWith(429);
			expect(JSON.stringify(res.json.mock.calls)).not.toContain('cred-1');
		});

		it('a secret pasted with a trailing newline still verifies', async () => {
			const { result } = await run({ typeVersion, decrypted: { webhookSigningSecret: `${SECRET}\n` }, request: signedPost(event(12)) });
			expect(result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
		});

		it('Verify Signature off: no credential needs to be selected, none is read', async () => {
			const request = signedPost(event(13));
			delete request.headers['x-prefinery-signature'];
			const { result, getDecrypted } = await run({ typeVersion, credential: null, parameters: { verifySignature: false }, request });
			expect(getDecrypted).not.toHaveBeenCalled();
			expect(result.workflowData![0][0].json.signature_verified).toBe(false);
		});
	});

	it('static data: deliveries and duplicates leave the workflow\'s static data untouched (nothing for n8n to save)', async () => {
		const staticData = { global: { kept: 1 } };
		const workflowId = freshWorkflow();
		const first = await run({ typeVersion, workflowId, staticData, request: signedPost(event(14)) });
		const again = await run({ typeVersion, workflowId, staticData, request: signedPost(event(14)) });
		expect(first.result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
		expect(again.result.webhookResponse).toEqual(expect.objectContaining({ status: 'duplicate', reason: 'duplicate_event_id' }));
		for (const { workflow } of [first, again]) {
			expect(workflow.staticData).toEqual({ global: { kept: 1 } });
			// n8n observes static data and saves it after the call only when this flag turned true.
			expect(workflow.staticData.__dataChanged).toBe(false);
		}
	});

	it('duplicates are remembered per workflow and node (ids from n8n\'s Workflow and node)', async () => {
		const workflowId = freshWorkflow();
		expect((await run({ typeVersion, workflowId, request: signedPost(event(15)) })).result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
		expect((await run({ typeVersion, workflowId, nodeId: 'node-2', request: signedPost(event(15)) })).result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
		expect((await run({ typeVersion, request: signedPost(event(15)) })).result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted' }));
	});

	describe('getRequestObject().rawBody: the signature is over the bytes received', () => {
		it('the parsed body does not matter for the signature (n8n may hand over another shape)', async () => {
			const request = signedPost(articleSample);
			request.body = { something: 'else' };
			const { result } = await run({ typeVersion, request });
			expect(result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted', event_id: 123 }));
		});

		it('a re-serialised body with the original signature is rejected', async () => {
			const request = signedPost(articleSample);
			request.rawBody = Buffer.from(JSON.stringify(articleSample, null, 2));
			const { res } = await run({ typeVersion, request });
			expect(res.status).toHaveBeenCalledWith(429);
			expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ reason: 'mismatch' }));
		});

		it('raw bytes n8n left unread (another or no content type, typeVersion > 1) are read by the node', async () => {
			const request = signedPost(event(16));
			const wire = request.rawBody!;
			delete request.rawBody;
			request.body = undefined;
			delete request.headers['content-type'];
			request.readRawBody = jest.fn(async () => {
				request.rawBody = wire;
			});
			const { result } = await run({ typeVersion, request });
			expect(request.readRawBody).toHaveBeenCalledTimes(1);
			expect(result.webhookResponse).toEqual(expect.objectContaining({ status: 'accepted', event_id: 16 }));
		});

		it('raw bytes already read are not read again', async () => {
			const request = signedPost(event(17));
			request.readRawBody = jest.fn(async () => undefined);
			await run({ typeVersion, request });
			expect(request.readRawBody).not.toHaveBeenCalled();
		});

		it('over n8n\'s size limit while the node reads: 413 body_too_large, no exception', async () => {
			const request = signedPost(event(18));
			delete request.rawBody;
			request.readRawBody = async () => {
				throw Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' });
			};
			const { result, res } = await run({ typeVersion, request });
			expect(result).toMatchObject({ noWebhookResponse: true });
			// A rejection like any other: logged and, with the Rejected output (1.2), an item.
			if (typeVersion >= 1.2) expect(result.workflowData?.[1]?.[0]?.json).toMatchObject({ reason: 'body_too_large', http_status: 413 });
			expect(res.status).toHaveBeenCalledWith(413);
			expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ status: 'rejected', reason: 'body_too_large' }));
		});

		it('unreadable otherwise (e.g. consumed as multipart): 401 as without a raw body', async () => {
			const request = signedPost(event(19));
			delete request.rawBody;
			request.readRawBody = async () => {
				throw Object.assign(new Error('Request body stream was aborted or is not readable'), { httpStatusCode: 400 });
			};
			const { res } = await run({ typeVersion, request });
			expect(res.status).toHaveBeenCalledWith(401);
			expect(res.json).toHaveBeenCalledWith(expect.objectContaining({ reason: 'raw_body_unavailable' }));
		});
	});

	describe('the setup GET (n8n\'s webhook name and mode)', () => {
		const get = (query: Record<string, unknown> = {}): FakeRequest => ({ method: 'GET', headers: {}, query, params: {} });

		it('Test URL while listening: the sample of the requested event, without reading the credential', async () => {
			const { result, getDecrypted } = await run({
				typeVersion,
				mode: 'manual',
				webhookName: 'setup',
				parameters: { events: ['tester_created', 'tester_updated'] },
				request: get({ event: 'tester_updated' }),
			});
			expect(getDecrypted).not.toHaveBeenCalled();
			const item = result.workflowData![0][0].json;
			expect(item).toEqual(expect.objectContaining({ type: 'tester_updated', sample: true }));
		});

		it('Production URL: help only, no execution', async () => {
			const { result } = await run({ typeVersion, webhookName: 'setup', request: get() });
			expect(result.workflowData).toBeUndefined();
			expect(result.webhookResponse).toEqual(expect.objectContaining({ status: 'ignored', reason: 'get_not_delivered' }));
		});
	});
});

describe('both typeVersions emit the same item', () => {
	it('typeVersion 1 and 1.1: identical answers and items for the same delivery', async () => {
		const [v1, v11] = await Promise.all(VERSIONS.map((typeVersion) => run({ typeVersion, request: signedPost(articleSample) })));
		expect(v11.result.webhookResponse).toEqual(v1.result.webhookResponse);
		expect(v11.result.workflowData).toEqual(v1.result.workflowData);
	});
});
