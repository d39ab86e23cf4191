// Prefinery Trigger → Prefinery "get tester" in a real n8n, against a loopback server that behaves as
// Prefinery's documented API (test/support/mock-prefinery-api.js); the credential's API Base URL
// points at it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { createTriggerWorkflow, dist, startSuiteN8n, waitForExecutions } from './support.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');

let n8n;
let api;
let webhookCredential;

/** Saves a credential, then asks what the editor's "Test" button asks n8n; returns n8n's answer. */
async function testCredential(type, data) {
	const name = `${type} test ${Math.random().toString(36).slice(2, 8)}`;
	const { id } = await n8n.api.createCredential(name, type, data);
	const answer = await n8n.api.rest('POST', '/credentials/test', { credentials: { id, name, type, data } });
	return answer.data;
}

describe('Prefinery node in a real n8n', { timeout: 300_000 }, () => {
	before(async () => {
		api = await startMockPrefineryApi();
		({ n8n, credential: webhookCredential } = await startSuiteN8n());
	});

	after(async () => {
		const log = n8n ? readFileSync(n8n.logFile, 'utf8') : '';
		await n8n?.dispose();
		await api?.close();
		assert.ok(!log.includes(api.apiKey), 'the API key never appears in n8n\'s log');
	});

	it('a signed tester event → Prefinery "get tester" looks the tester up through the credential', async () => {
		const credential = await n8n.api.createCredential('Prefinery (mock API)', 'prefineryApi', {
			apiKey: api.apiKey,
			baseUrl: api.url,
		});
		const wf = await createTriggerWorkflow(
			n8n,
			webhookCredential,
			{ events: ['tester_created'] },
			{
				extraNodes: [
					{
						id: 'lookup',
						name: 'Look up tester',
						type: 'n8n-nodes-prefinery.prefinery',
						typeVersion: 1,
						position: [240, 200],
						parameters: {
							resource: 'tester',
							operation: 'get',
							project: { __rl: true, mode: 'id', value: '={{ $json.project_id }}' },
							testerId: '={{ $json.tester.id }}',
						},
						credentials: { prefineryApi: { id: credential.id, name: credential.name } },
					},
				],
				connections: { 'Prefinery Trigger': { main: [[{ node: 'Look up tester', type: 'main', index: 0 }]] } },
			},
		);
		const { samplePayload } = await dist('lib/samples.js');
		const { send } = await import('./support.mjs');
		const event = samplePayload('tester_created', 4242001);
		event.data.id = 1001;
		event.data.project_id = 1;
		const res = await send(wf.urls.production, event);
		assert.equal(res.status, 200, res.text);
		const [execution] = await waitForExecutions(n8n, wf.id, 1);
		assert.equal(execution.status, 'success', JSON.stringify(execution.data?.resultData?.error ?? {}));
		const looked = execution.data.resultData.runData['Look up tester'][0].data.main[0][0].json;
		assert.equal(looked.id, 1001);
		assert.ok(typeof looked.email === 'string' && looked.email.includes('@'));
		const request = api.requests.find((r) => r.path === '/api/v2/betas/1/testers/1001');
		assert.ok(request, `requests: ${api.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
		assert.equal(request.method, 'GET');
		assert.equal(request.headers.authorization, `Bearer ${api.apiKey}`);
		assert.ok(!request.url.includes(api.apiKey), 'the key is never in the URL');
	});

	it('hardening #1: a tester ID of ".." (as a model or an expression may fill it) fails the execution and calls nothing', async () => {
		const credential = await n8n.api.createCredential('Prefinery (mock API, ids)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
		const wf = await createTriggerWorkflow(
			n8n,
			webhookCredential,
			{ events: ['tester_created'] },
			{
				extraNodes: [
					{
						id: 'delete',
						name: 'Delete tester',
						type: 'n8n-nodes-prefinery.prefinery',
						typeVersion: 1,
						position: [240, 200],
						parameters: { resource: 'tester', operation: 'delete', project: { __rl: true, mode: 'id', value: '1' }, testerId: '={{ $json.tester.referral_code }}' },
						credentials: { prefineryApi: { id: credential.id, name: credential.name } },
					},
				],
				connections: { 'Prefinery Trigger': { main: [[{ node: 'Delete tester', type: 'main', index: 0 }]] } },
			},
		);
		const { samplePayload } = await dist('lib/samples.js');
		const { send } = await import('./support.mjs');
		const before = api.requests.length;
		for (const [i, id] of ['..', '.'].entries()) {
			const event = samplePayload('tester_created', 4242100 + i);
			event.data.referral_code = id;
			assert.equal((await send(wf.urls.production, event)).status, 200);
		}
		const executions = await waitForExecutions(n8n, wf.id, 2);
		for (const execution of executions) {
			assert.equal(execution.status, 'error');
			assert.match(JSON.stringify(execution.data.resultData.error), /tester ID must be a Prefinery ID \(digits only\)/);
		}
		assert.deepEqual(api.requests.slice(before).map((r) => `${r.method} ${r.path}`), [], 'no request reached the API');
	});

	it('"Test" on the Prefinery API credential really checks the key (GET /betas on the API)', async () => {
		const before = api.requests.length;
		const good = await testCredential('prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
		assert.equal(good.status, 'OK', JSON.stringify(good));
		const calls = api.requests.slice(before);
		assert.deepEqual(calls.map((r) => `${r.method} ${r.path}`), ['GET /api/v2/betas']);
		assert.equal(calls[0].headers.authorization, `Bearer ${api.apiKey}`);
		assert.ok(!calls[0].url.includes(api.apiKey), 'the key is never in the URL');

		const wrong = await testCredential('prefineryApi', { apiKey: 'not-the-key', baseUrl: api.url });
		assert.equal(wrong.status, 'Error', JSON.stringify(wrong));
		assert.ok(!JSON.stringify(wrong).includes('not-the-key'), 'the key is not echoed');

		const unreachable = await testCredential('prefineryApi', { apiKey: api.apiKey, baseUrl: 'http://127.0.0.1:9/api/v2' });
		assert.equal(unreachable.status, 'Error', JSON.stringify(unreachable));

		// Issue 37 #2: the key never follows a redirect, and never goes to a base URL the nodes refuse.
		const { startRecorder, startRedirector } = require('../test/support/hostile-hosts.js');
		const elsewhere = await startRecorder('127.0.0.2');
		const redirector = await startRedirector(302, `${elsewhere.url}/collect`);
		try {
			const redirected = await testCredential('prefineryApi', { apiKey: api.apiKey, baseUrl: `${redirector.url}/api/v2` });
			assert.equal(redirected.status, 'Error', JSON.stringify(redirected));
			assert.equal(redirector.requests.length, 1);
			assert.deepEqual(elsewhere.requests, [], 'the redirect was not followed');
			// Plain http to a host that is not loopback by name (0.0.0.0 reaches this machine's listeners on
			// Linux): the nodes refuse it, so the Test sends nothing there either.
			const port = new URL(redirector.url).port;
			const plainHttp = await testCredential('prefineryApi', { apiKey: api.apiKey, baseUrl: `http://0.0.0.0:${port}/api/v2` });
			assert.equal(plainHttp.status, 'Error', JSON.stringify(plainHttp));
			assert.equal(redirector.requests.length, 1, 'nothing was sent to the plain-http base URL');
			assert.ok(!JSON.stringify([redirected, plainHttp]).includes(api.apiKey), 'the key is not echoed');
		} finally {
			await redirector.close();
			await elsewhere.close();
		}
	});

	it('"Test" on the Prefinery Webhook credential never fails for a secret, and calls nobody', async () => {
		const before = api.requests.length;
		const ok = await testCredential('prefineryWebhookApi', { webhookSigningSecret: 'whsec_any_' + 'value-123' });
		assert.equal(ok.status, 'OK', JSON.stringify(ok));
		const pasted = await testCredential('prefineryWebhookApi', { webhookSigningSecret: '  whsec_with_newline\n' });
		assert.equal(pasted.status, 'OK', JSON.stringify(pasted));
		const header = await testCredential('prefineryWebhookApi', { webhookSigningSecret: 't=1700000000,v1=abc123' });
		assert.equal(header.status, 'Error', JSON.stringify(header));
		assert.match(header.message, /signature header/);
		assert.equal(api.requests.length, before, 'a signing secret is checked locally');
	});
});
