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

describe('Prefinery node in a real n8n', { timeout: 300_000 }, () => {
	before(async () => {
		api = await startMockPrefineryApi();
		({ n8n } = await startSuiteN8n());
	});

	after(async () => {
		const log = n8n ? readFileSync(n8n.logFile, 'utf8') : '';
		await n8n?.dispose();
		await api?.close();
		assert.ok(!log.includes(api.apiKey), 'the API key never appears in n8n\'s log');
	});

	it('a signed tester event → Prefinery "get tester" looks the tester up through the credential', async () => {
		const credential = await n8n.api.createCredential('Prefinery (mock API)', 'prefineryApi', {
			webhookSigningSecret: 'whsec_e2e_' + 'k3y-not-for-production',
			apiKey: api.apiKey,
			baseUrl: api.url,
		});
		const wf = await createTriggerWorkflow(
			n8n,
			credential,
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
});
