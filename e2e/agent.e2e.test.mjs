// The Prefinery Tool in a real AI Agent (issue 17 part 4). The example examples/prefinery-ai-agent.json
// (Webhook → AI Agent, with the OpenAI Chat Model and the Prefinery Tool attached) runs in a real n8n;
// its OpenAI credential points at a scripted OpenAI-compatible server on 127.0.0.1 (harness/scripted-model.mjs:
// no network, no real model) and its Prefinery API credential at the mock Prefinery API. The scripted
// model calls the Prefinery Tool with the email it chooses, and answers by quoting the tool's result.
// Prints what the model receives (the tool's name, description and parameters): docs/ai-agents.md shows it.
// The example's Webhook takes only requests that carry the Header Auth credential's header (issue 26): the
// suite asks with that header, and checks that a request without it, or with a wrong value, reaches neither
// the model nor the Prefinery API, and that the example as shipped (no credential) lets nobody in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packPackage, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT, runtimePaths } from '../harness/runtime.mjs';
import { startScriptedModel } from '../harness/scripted-model.mjs';
import { readJson, waitForExecutions } from './support.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');

const EXAMPLE = 'prefinery-ai-agent.json';
const TOOL_NODE = 'Prefinery Tool';
/** The header the suite's Header Auth credential names (the example's note and docs/ai-agents.md suggest it). */
const AUTH_HEADER = 'X-Agent-Key';
const authKey = randomBytes(32).toString('hex');
const progress = (line) => process.stderr.write(`[agent] ${line}\n`);

let api;
let model;
let n8n;
let credentials;
/** The tester the scripted model asks about, and the email it puts into the tool call. */
let target;
let askedEmail;
/** When set, the arguments the scripted model sends instead (to hand the tool something wrong). */
let forcedArguments;

/** The tool the scripted model calls: the one whose name says Prefinery. */
const prefineryTool = (tools) => tools.find((tool) => /prefinery/i.test(tool.name));

/**
 * Imports the example (as "Import from file" would), with the test's credentials, project and a unique path.
 * `webhookCredential`: the Header Auth credential chosen in the Webhook node (null: none, as shipped).
 * `publish: false` returns the created workflow unpublished.
 */
async function importExample({ patchTool = () => {}, patchWebhook = () => {}, webhookCredential = credentials.header, publish = true } = {}) {
	const workflow = readJson(join('examples', EXAMPLE));
	const path = `prefinery-ai-agent-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = path;
			node.webhookId = path;
			if (webhookCredential) node.credentials = { httpHeaderAuth: { id: webhookCredential.id, name: webhookCredential.name } };
			patchWebhook(node);
		}
		if (node.credentials?.openAiApi) node.credentials.openAiApi = { id: credentials.openAi.id, name: credentials.openAi.name };
		if (node.credentials?.prefineryApi) node.credentials.prefineryApi = { id: credentials.prefinery.id, name: credentials.prefinery.name };
		if (node.name === TOOL_NODE) {
			assert.equal(node.parameters.project.value, 'REPLACE_WITH_YOUR_PROJECT_ID');
			node.parameters.project.value = '1';
			patchTool(node);
		}
	}
	const created = await n8n.api.createWorkflow({ name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings });
	const url = `${n8n.baseUrl}/webhook/${path}`;
	if (!publish) return { id: created.id, url };
	await n8n.api.publish(created.id);
	await waitForWebhook(url);
	return { id: created.id, url };
}

/** The headers of a request to the example's webhook: JSON, with the Header Auth credential's header unless `auth` is given. */
const headersFor = (auth = { [AUTH_HEADER]: authKey }) => ({ 'content-type': 'application/json', ...auth });

async function ask(url, question) {
	const res = await fetch(url, {
		method: 'POST',
		headers: headersFor(),
		body: JSON.stringify({ question }),
		signal: AbortSignal.timeout(240_000),
	});
	const text = await res.text();
	assert.equal(res.status, 200, text);
	return JSON.parse(text);
}

describe(`The Prefinery Tool in a real AI Agent (n8n ${runtimePaths().n8nVersion})`, { timeout: 900_000 }, () => {
	before(async () => {
		api = await startMockPrefineryApi();
		target = api.state.testers.get(1).find((tester) => tester.status === 'invited');
		askedEmail = target.email;
		model = await startScriptedModel({
			pickTool: prefineryTool,
			// The model fills every parameter the tool declares that names an email with the target's email.
			argumentsFor: (tool) =>
				forcedArguments ??
				Object.fromEntries(Object.keys(tool.parameters?.properties ?? {}).filter((key) => /email/i.test(key)).map((key) => [key, askedEmail])),
			finalAnswer: (toolMessages) => `I looked it up in Prefinery. The tool returned: ${toolMessages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')}`,
		});
		progress(`packing the package and starting n8n ${runtimePaths().n8nVersion} (slow on a busy machine)`);
		const pack = packPackage();
		// No N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: n8n ≥ 1.85 (2.41 and 1.123 included) has no such
		// setting any more and offers every installed node that is usableAsTool as a tool.
		n8n = await startN8n({ tarball: pack.tarball, log: progress, startTimeoutMs: 300_000 });
		credentials = {
			prefinery: await n8n.api.createCredential('Prefinery (mock API)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url }),
			// `header: false` spelled out: n8n 1.123's public API otherwise demands the custom header's name and value.
			openAi: await n8n.api.createCredential('OpenAI (scripted model)', 'openAiApi', { apiKey: 'sk-scripted-' + 'not-a-real-key', url: model.url, header: false }),
			// n8n's own Header Auth credential, as the example's note says to create it for the Webhook.
			header: await n8n.api.createCredential('Agent webhook key', 'httpHeaderAuth', { name: AUTH_HEADER, value: authKey }),
		};
		progress('n8n ready');
	});

	after(async () => {
		await n8n?.dispose();
		await model?.close();
		await api?.close();
	});

	it('the n8n node list offers the Prefinery node as a tool (n8n-nodes-prefinery.prefineryTool)', async () => {
		const types = await n8n.api.nodeTypes();
		const tool = types.find((type) => type.name === 'n8n-nodes-prefinery.prefineryTool');
		assert.ok(tool, 'n8n-nodes-prefinery.prefineryTool is offered');
		assert.equal(tool.displayName, 'Prefinery Tool');
		assert.deepEqual(tool.outputs, ['ai_tool']);
	});

	/** POSTs a question to `url` once per header set; returns the statuses and bodies, and how many requests reached the model and the API. */
	async function knock(url, headerSets) {
		const modelBefore = model.requests.length;
		const apiBefore = api.requests.length;
		const answers = [];
		for (const auth of headerSets) {
			const res = await fetch(url, {
				method: 'POST',
				headers: headersFor(auth),
				body: JSON.stringify({ question: `What is the status of ${target.email} on our waitlist?` }),
				signal: AbortSignal.timeout(60_000),
			});
			answers.push({ auth, status: res.status, text: (await res.text()).slice(0, 200) });
		}
		progress(`answers: ${answers.map((a) => `${JSON.stringify(a.auth)} → ${a.status} ${a.text}`).join('; ')}`);
		return { answers, modelRequests: model.requests.length - modelBefore, apiRequests: api.requests.length - apiBefore };
	}

	it('the example as shipped: its Webhook takes Header Auth with no credential chosen, and an empty Path (the editor gives it a random id on import)', () => {
		const webhook = readJson(join('examples', EXAMPLE)).nodes.find((node) => node.type === 'n8n-nodes-base.webhook');
		assert.equal(webhook.parameters.authentication, 'headerAuth');
		assert.equal(webhook.credentials, undefined, 'no credential: the user creates their own');
		assert.equal(webhook.parameters.path, '');
		assert.equal(webhook.webhookId, undefined);
	});

	it('published without a Header Auth credential, nobody gets in: n8n 2.41 refuses to publish it; n8n 1.x publishes it and answers every request 500', async () => {
		const workflow = await importExample({ webhookCredential: null, publish: false });
		let refusal;
		try {
			await n8n.api.publish(workflow.id);
		} catch (error) {
			refusal = error;
		}
		if (runtimePaths().major >= 2) {
			assert.ok(refusal, 'n8n refused to publish');
			assert.match(refusal.message, /Missing required credential: httpHeaderAuth/);
		} else {
			assert.equal(refusal, undefined, `n8n 1.x publishes it: ${refusal?.message}`);
			await waitForWebhook(workflow.url);
		}
		const { answers, modelRequests, apiRequests } = await knock(workflow.url, [{}, { [AUTH_HEADER]: '' }, { [AUTH_HEADER]: authKey }]);
		const expected = runtimePaths().major >= 2 ? 404 : 500;
		assert.deepEqual(answers.map((a) => a.status), [expected, expected, expected], JSON.stringify(answers));
		if (expected === 500) for (const { text } of answers) assert.match(text, /No authentication data defined on node/);
		assert.equal(modelRequests, 0, 'no request reached the model');
		assert.equal(apiRequests, 0, 'no request reached the Prefinery API');
	});

	it('a Header Auth credential with an empty value lets nobody in: every request is answered 500', async () => {
		const empty = await n8n.api.createCredential('Agent webhook key (empty)', 'httpHeaderAuth', { name: AUTH_HEADER, value: '' });
		const workflow = await importExample({ webhookCredential: empty });
		const { answers, modelRequests, apiRequests } = await knock(workflow.url, [{}, { [AUTH_HEADER]: '' }, { [AUTH_HEADER]: authKey }]);
		assert.deepEqual(answers.map((a) => a.status), [500, 500, 500], JSON.stringify(answers));
		for (const { text } of answers) assert.match(text, /No authentication data defined on node/);
		assert.equal(modelRequests, 0, 'no request reached the model');
		assert.equal(apiRequests, 0, 'no request reached the Prefinery API');
	});

	it('with the credential: no header, a wrong value, an empty value or the key under another header get 403 and reach neither the model nor the API; the right header gets the answer', async () => {
		const workflow = await importExample();
		const refused = await knock(workflow.url, [
			{},
			{ [AUTH_HEADER]: randomBytes(32).toString('hex') },
			{ [AUTH_HEADER]: '' },
			{ [AUTH_HEADER]: authKey.slice(0, -1) },
			{ authorization: `Bearer ${authKey}` },
		]);
		assert.deepEqual(refused.answers.map((a) => a.status), [403, 403, 403, 403, 403], JSON.stringify(refused.answers));
		for (const { text } of refused.answers) assert.match(text, /Authorization data is wrong!/);
		assert.equal(refused.modelRequests, 0, 'no request reached the model');
		assert.equal(refused.apiRequests, 0, 'no request reached the Prefinery API');
		assert.equal((await n8n.api.executionCounts(workflow.id)).total, 0, 'n8n started no execution');

		const allowed = await knock(workflow.url, [{ [AUTH_HEADER]: authKey }]);
		assert.equal(allowed.answers[0].status, 200, allowed.answers[0].text);
		assert.ok(allowed.modelRequests >= 2, `the model was asked (${allowed.modelRequests} requests)`);
		assert.equal(allowed.apiRequests, 1, 'the tool called the Prefinery API once');
	});

	it('the example workflow: the agent calls the Prefinery Tool with the email the model chose, and answers with the tester from the API', async () => {
		const workflow = await importExample();
		const question = `What is the status of ${target.email} on our waitlist?`;
		progress(`asking the agent: ${question}`);
		const apiBefore = api.requests.length;
		const modelBefore = model.completions().length;
		const answer = await ask(workflow.url, question);
		progress(`the agent answered: ${JSON.stringify(answer).slice(0, 300)}…`);

		// 1. What the model received: the question, and the Prefinery Tool with its name, description and parameters.
		const completions = model.completions().slice(modelBefore);
		assert.ok(completions.length >= 2, `the model was asked twice (tool call, then answer); got ${completions.length}`);
		const first = completions[0].body;
		assert.ok(JSON.stringify(first.messages).includes(target.email), 'the question reached the model');
		const tools = (first.tools ?? []).map((t) => t.function ?? t);
		const tool = prefineryTool(tools);
		assert.ok(tool, `the model was offered the Prefinery tool; tools: ${JSON.stringify(first.tools)}`);
		progress(`what the model receives (tools of the first request):\n${JSON.stringify(first.tools, null, 2)}`);
		assert.equal(tool.name, 'Prefinery_Tool');
		assert.match(tool.description, /Look up a tester .* by their exact email address/);
		assert.equal(tool.parameters.type, 'object');
		assert.deepEqual(Object.keys(tool.parameters.properties), ['email']);
		assert.deepEqual(tool.parameters.required, ['email']);
		assert.equal(tool.parameters.properties.email.type, 'string');
		assert.match(tool.parameters.properties.email.description, /exact email address of the tester/);

		// 2. The tool's call reached the Prefinery API with the email the model chose.
		const calls = api.requests.slice(apiBefore);
		assert.deepEqual(
			calls.map((r) => `${r.method} ${r.path}`),
			['GET /api/v2/betas/1/testers'],
			'one request: Tester → Get Many in project 1',
		);
		assert.equal(calls[0].query.email_is, target.email, 'the email the model chose is the filter');
		assert.equal(calls[0].headers.authorization, `Bearer ${api.apiKey}`);

		// 3. The model got the tool's result back, and the agent's answer carries the tester from the mock.
		const toolMessage = completions[1].body.messages.find((m) => m.role === 'tool');
		assert.ok(toolMessage, 'the second request carries the tool result');
		progress(`the tool result the model gets (${String(toolMessage.content).length} characters): ${String(toolMessage.content).slice(0, 400)}…`);
		for (const value of [target.email, String(target.id), target.status, target.referral_code]) {
			assert.ok(String(toolMessage.content).includes(value), `the tool result has ${value}: ${toolMessage.content}`);
			assert.ok(answer.output.includes(value), `the agent's answer has ${value}: ${answer.output}`);
		}

		// 4. n8n recorded it: the execution succeeded and the Prefinery Tool node ran once.
		const [execution] = await waitForExecutions(n8n, workflow.id, 1, 120_000);
		assert.equal(execution.status, 'success', JSON.stringify(execution.data?.resultData?.error ?? {}));
		const runs = execution.data.resultData.runData[TOOL_NODE];
		assert.equal(runs?.length, 1, `the Prefinery Tool ran once: ${Object.keys(execution.data.resultData.runData)}`);
	});

	it('with "Tool Description: Set Automatically", the model gets n8n\'s generated description', async () => {
		const workflow = await importExample({
			patchTool: (node) => {
				node.parameters.descriptionType = 'auto';
				delete node.parameters.toolDescription;
			},
		});
		const modelBefore = model.completions().length;
		const answer = await ask(workflow.url, `Is ${target.email} on the waitlist?`);
		const first = model.completions()[modelBefore].body;
		const tool = prefineryTool((first.tools ?? []).map((t) => t.function ?? t));
		progress(`with an automatic description the model receives:\n${JSON.stringify(first.tools, null, 2)}`);
		assert.equal(tool.description, 'Get many testers in Prefinery');
		assert.ok(answer.output.includes(target.referral_code), answer.output);
	});

	it('an email nobody has: the tool answers the model with an empty result, and the agent says so', async () => {
		const workflow = await importExample();
		askedEmail = 'nobody-by-that-name@example.com';
		try {
			const apiBefore = api.requests.length;
			const modelBefore = model.completions().length;
			const answer = await ask(workflow.url, `Is ${askedEmail} on the waitlist?`);
			const calls = api.requests.slice(apiBefore);
			assert.deepEqual(calls.map((r) => `${r.method} ${r.path} ${r.query.email_is}`), [`GET /api/v2/betas/1/testers ${askedEmail}`]);
			const toolMessage = model.completions()[modelBefore + 1].body.messages.find((m) => m.role === 'tool');
			progress(`for an unknown email the tool result the model gets is: ${JSON.stringify(toolMessage.content)}`);
			assert.ok(!String(toolMessage.content).includes('@example.com'), 'no tester in the result');
			// What docs/ai-agents.md says n8n (2.41 and 1.123) sends for a tool that outputs no items.
			assert.equal(toolMessage.content, '""');
			assert.ok(answer.output.includes(String(toolMessage.content)), answer.output);
		} finally {
			askedEmail = target.email;
		}
	});

	it('streamed (Webhook 2.1 "Respond: Streaming"): the model is asked to stream, calls the tool, and the streamed answer carries the tester', async () => {
		const workflow = await importExample({
			patchWebhook: (node) => {
				node.typeVersion = 2.1;
				node.parameters.responseMode = 'streaming';
			},
		});
		const apiBefore = api.requests.length;
		const modelBefore = model.completions().length;
		const res = await fetch(workflow.url, {
			method: 'POST',
			headers: headersFor(),
			body: JSON.stringify({ question: `What is the status of ${target.email}?` }),
			signal: AbortSignal.timeout(240_000),
		});
		const text = await res.text();
		assert.equal(res.status, 200, text);
		const chunks = text
			.split('\n')
			.filter((line) => line.trim())
			.map((line) => JSON.parse(line));
		const streamed = chunks
			.filter((chunk) => chunk.type === 'item')
			.map((chunk) => chunk.content)
			.join('');
		progress(`streamed: ${chunks.length} chunks (${[...new Set(chunks.map((c) => c.type))].join(', ')}), text ${streamed.slice(0, 160)}…`);
		const completions = model.completions().slice(modelBefore);
		assert.ok(completions.length >= 2 && completions.every((c) => c.body.stream === true), `the model was asked to stream: ${completions.map((c) => c.body.stream)}`);
		assert.deepEqual(api.requests.slice(apiBefore).map((r) => `${r.method} ${r.path} ${r.query.email_is}`), [`GET /api/v2/betas/1/testers ${target.email}`]);
		for (const value of [target.email, String(target.id), target.status, target.referral_code]) assert.ok(streamed.includes(value), `the streamed answer has ${value}: ${streamed}`);
	});

	/** The example's tool switched to Tester → Get with the ID from the model, which sends an email as the ID. */
	async function askWithEmailAsTesterId({ keepOnError }) {
		const workflow = await importExample({
			patchTool: (node) => {
				node.parameters.operation = 'get';
				node.parameters.testerId = "={{ $fromAI('tester_id', 'The ID of the tester', 'string') }}";
				delete node.parameters.filters;
				node.parameters.toolDescription = 'Get a tester in Prefinery by their ID';
				if (!keepOnError) delete node.onError;
			},
		});
		forcedArguments = { tester_id: target.email };
		try {
			const apiBefore = api.requests.length;
			const modelBefore = model.completions().length;
			const res = await fetch(workflow.url, {
				method: 'POST',
				headers: headersFor(),
				body: JSON.stringify({ question: `Show me tester ${target.email}` }),
				signal: AbortSignal.timeout(240_000),
			});
			const text = await res.text();
			progress(`an email as the tester ID (On Error ${keepOnError ? 'Continue, as in the example' : 'unset'}): the webhook answered ${res.status} ${text.slice(0, 300)}`);
			assert.deepEqual(api.requests.slice(apiBefore).map((r) => `${r.method} ${r.path}`), [], 'no request reached the API');
			const later = model.completions().slice(modelBefore);
			const toolMessage = later[1]?.body.messages.find((m) => m.role === 'tool');
			progress(`what the model got back: ${JSON.stringify(toolMessage?.content ?? null)}`);
			return { res, text, toolMessage, workflow };
		} finally {
			forcedArguments = undefined;
		}
	}
	const ID_ERROR = /tester ID must be a Prefinery ID \(digits only\)/;

	it('the example (On Error: Continue): a model that puts an email into Tester → Get\'s Tester ID gets the node\'s error back, and nothing reaches the API', async () => {
		const { res, text, toolMessage } = await askWithEmailAsTesterId({ keepOnError: true });
		assert.ok(toolMessage, 'the model got the tool\'s answer back');
		assert.match(String(toolMessage.content), ID_ERROR);
		assert.equal(res.status, 200, text);
	});

	it('without On Error: Continue, n8n 2.41 still hands the model the error; n8n 1.x stops the workflow with it', async () => {
		const { res, text, toolMessage, workflow } = await askWithEmailAsTesterId({ keepOnError: false });
		if (runtimePaths().major >= 2) {
			assert.ok(toolMessage, 'the model got the tool\'s answer back');
			assert.match(String(toolMessage.content), ID_ERROR);
			assert.equal(res.status, 200, text);
		} else {
			assert.equal(toolMessage, undefined, 'the model was not asked again');
			assert.equal(res.status, 500, text);
			const [execution] = await waitForExecutions(n8n, workflow.id, 1, 120_000);
			assert.equal(execution.status, 'error');
			assert.match(JSON.stringify(execution.data.resultData.error), ID_ERROR);
		}
	});

	it('docs/ai-agents.md shows what the model receives, as recorded here', () => {
		const docs = readFileSync(join(ROOT, 'docs', 'ai-agents.md'), 'utf8');
		const [, shown] = docs.match(/<!-- what-the-model-receives -->\s*```json\n([\s\S]*?)```/) ?? [];
		assert.ok(shown, 'docs/ai-agents.md has the recorded tool definition');
		const recorded = model.completions().find((c) => JSON.stringify(c.body.tools ?? []).includes('Look up a tester'));
		const expected = JSON.parse(shown);
		// The docs quote n8n 2.41; n8n 1.123 sends the same without `"strict": false` (as the docs say).
		if (runtimePaths().major < 2) for (const tool of expected) delete tool.function.strict;
		assert.deepEqual(recorded.body.tools, expected);
	});
});
