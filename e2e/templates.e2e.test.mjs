// The templates in examples/templates/ (issue 28), each run in a real n8n with n8n's own node for its
// tool and a dummy credential. n8n's outbound HTTP goes through an intercepting proxy on loopback
// (harness/intercept-proxy.mjs: n8n 2.41 honours HTTPS_PROXY and trusts the proxy's throw-away CA
// through NODE_EXTRA_CA_CERTS), so the suite sees the request each node really sends to the tool's
// API host, and answers it as that API documents (tools.mjs beside this file: HubSpot, Brevo,
// ActiveCampaign, Airtable, each keeping its contacts by email). The reward path reads the tester
// from the mock Prefinery API (loopback, not proxied).
// For each template, as Prefinery would deliver them: a sign-up; the same sign-up again under another
// event id (what the catch-up brings); a status change; a delivered reward; a redelivery of the
// sign-up's event; one signed with another secret; a sign-up whose email the tool refuses. Asserted:
// the method, host, path and every mapped field of each call; one contact per email at the end (the
// idempotent call, never a second create); nothing sent for the redelivery; the wrong secret answered
// 429 and failing its execution, by name; the refused email failing its execution at the tool's node
// (HubSpot's at the template's email check, before anything is sent).
// Then, per tool, hostile emails (issue 37: `..`, `%2e%2e`, `?`, `#`, CRLF, 10 kB) as signed sign-ups and
// read back from Prefinery for a reward: each reaches the tool only at the intended method and path, in
// the body, or (HubSpot, whose node puts the email into the path) not at all, failing the execution.
// And a layout check: no node on a template's note.
// Then the Catch-Up Trigger in each template (issue 34), the five tools side by side in the same n8n:
// published, unpublished while 10 sign-ups are answered 404 (Prefinery drops them), published again:
// each of the 10 reaches the tool's real request once, through the Catch-Up Trigger, over several polls,
// and so does one more whose delivery is lost while it is published; a sign-up the webhook delivered,
// then redelivered (before unpublishing and after publishing again), reaches it once by the webhook (the
// redeliveries start nothing) and once more by the catch-up, updating the same contact. For HubSpot one of the missed
// has an email that is not a plain address: the catch-up's batch passes the template's email check, which
// fails that execution naming the tester after the others went on, and sends nothing of it. For the other
// tools one of the missed has an email the tool refuses: the tool node's error output fails that
// execution naming the tester, after the batch's others went on.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startInterceptProxy } from '../harness/intercept-proxy.mjs';
import { LIGHT_MARKER } from '../harness/pool.mjs';
import { packPackage, sleep, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { CATCH_UP_TYPE, catchUpState, dist, readJson, SECRET, send, TRIGGER_TYPE, waitForExecutions } from './support.mjs';
import { TOOLS, simulate } from './templates/tools.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');
const progress = (line) => process.stderr.write(`${line}\n`);

describe('templates: layout', () => {
	// On the canvas a node is a 100 × 100 box from its position, a sticky note its width × height: no node
	// sits on a note, where its text would be hidden, nor on another node.
	for (const file of readdirSync(join(ROOT, 'examples', 'templates')).filter((name) => name.endsWith('.json'))) {
		it(`${file}: no node on a note or on another node`, () => {
			const { nodes } = readJson(join('examples', 'templates', file));
			const box = (node) => {
				const [x, y] = node.position;
				const isNote = node.type === 'n8n-nodes-base.stickyNote';
				return { name: node.name, isNote, x, y, w: isNote ? node.parameters.width : 100, h: isNote ? node.parameters.height : 100 };
			};
			const boxes = nodes.map(box);
			const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
			const found = [];
			const items = boxes.filter((b) => !b.isNote);
			for (const [i, a] of items.entries()) {
				for (const b of [...items.slice(i + 1), ...boxes.filter((note) => note.isNote)]) if (overlaps(a, b)) found.push(`${a.name} on ${b.name}`);
			}
			assert.deepEqual(found, []);
		});

		it(`${file}: the Prefinery Catch-Up Trigger beside the webhook, into the same path, at its defaults`, () => {
			const { nodes, connections } = readJson(join('examples', 'templates', file));
			const catchUps = nodes.filter((node) => node.type === CATCH_UP_TYPE);
			assert.equal(catchUps.length, 1);
			const [catchUp] = catchUps;
			const trigger = nodes.find((node) => node.type === TRIGGER_TYPE);
			// Its items go where the webhook's accepted events go (By event → the create-or-update by email).
			assert.deepEqual(connections[catchUp.name], { main: [connections[trigger.name].main[0]] });
			assert.deepEqual(catchUp.parameters, {
				pollTimes: { item: [{ mode: 'everyX', value: 15, unit: 'minutes' }] },
				project: { __rl: true, mode: 'id', value: 'REPLACE_WITH_YOUR_PROJECT_ID' },
				startFrom: 'newSignUps',
				safetySweepDays: 7,
				budgetShare: 10,
				batchSize: 500,
			});
			assert.deepEqual(Object.keys(catchUp.credentials), ['prefineryApi']);
			const note = nodes.find((node) => node.type === 'n8n-nodes-base.stickyNote').parameters.content;
			for (const words of ['"Prefinery Catch-Up Trigger", set Project', 'n8n down', 'Only sign-ups are caught up', 'weekly safety sweep', 'paid Prefinery plan', 'delete the Catch-Up Trigger']) {
				assert.ok(note.includes(words), `${file}: the note says ${JSON.stringify(words)}`);
			}
		});
	}
});

describe('templates: each tool\'s own n8n node, its real request captured through a proxy', () => {
	let n8n;
	let proxy;
	let prefinery;
	let folder;
	const credentials = {};
	const stores = new Map();
	/** The catch-up stretch's own mock Prefinery APIs, one per tool. */
	const mocks = [];

	before(async () => {
		proxy = await startInterceptProxy({ answer: (request) => simulate(stores, request), log: progress });
		prefinery = await startMockPrefineryApi();
		folder = mkdtempSync(join(tmpdir(), 'prefinery-pack-'));
		const pack = packPackage(folder);
		n8n = await startN8n({ tarball: pack.tarball, env: proxy.env, log: progress });
		const create = async (type, data) => {
			const { id, name } = await n8n.api.createCredential(`${type} (templates)`, type, data);
			credentials[type] = { id, name };
		};
		await create('prefineryWebhookApi', { webhookSigningSecret: SECRET });
		await create('prefineryApi', { apiKey: prefinery.apiKey, baseUrl: prefinery.url });
		for (const tool of TOOLS) await create(tool.credential.type, tool.credential.data);
	});

	after(async () => {
		const via = {};
		for (const request of proxy?.requests ?? []) via[request.via] = (via[request.via] ?? 0) + 1;
		progress(`templates: ${proxy?.requests.length ?? 0} requests through the proxy, by how they came: ${JSON.stringify(via)}`);
		await n8n?.dispose();
		await proxy?.close();
		await prefinery?.close();
		for (const mock of mocks) await mock.close();
		if (folder) rmSync(folder, { recursive: true, force: true });
	});

	/**
	 * Imports a template as a user does, with the suite's credentials (`credentialsFor` overrides one by
	 * type) and the Catch-Up Trigger's Project set, and publishes it. `pollEveryMinute`: the Catch-Up
	 * Trigger polls every minute (n8n's shortest) instead of the template's 15, in this copy only, with
	 * its budget compressed the same way: 50 % of the list budget (the most the trigger takes, as in the
	 * chaos suite) instead of 10 %, so a poll may send about what one of the template's does (3 list
	 * pages a minute against 9 every 15 minutes). At 10 % a minute-apart poll gets 0.6 of a page: in two
	 * loaded runs on 2 cores an activation poll that did not finish within its 5 s was paid for by the
	 * next, and the first state (where the list stands) took more than the 300 s bound.
	 */
	async function importTemplate(file, { credentialsFor = {}, pollEveryMinute = false } = {}) {
		const workflow = readJson(join('examples', 'templates', file));
		const trigger = workflow.nodes.find((node) => node.type === TRIGGER_TYPE);
		trigger.webhookId = `${trigger.webhookId}-${Date.now().toString(36)}`;
		const catchUp = workflow.nodes.find((node) => node.type === CATCH_UP_TYPE);
		assert.match(catchUp.parameters.project.value, /^REPLACE_WITH_/, `${file}: the Catch-Up Trigger ships without a project`);
		catchUp.parameters.project = { __rl: true, mode: 'id', value: '1' };
		if (pollEveryMinute) {
			assert.equal(catchUp.parameters.budgetShare, 10, `${file}: the template takes 10 % of the list budget`);
			Object.assign(catchUp.parameters, { pollTimes: { item: [{ mode: 'everyMinute' }] }, budgetShare: 50 });
		}
		for (const node of workflow.nodes) {
			for (const type of Object.keys(node.credentials ?? {})) {
				assert.ok(credentials[type], `${file}: ${node.name} uses a credential type the suite has (${type})`);
				assert.match(node.credentials[type].id, /^REPLACE_WITH_/, `${file}: ${node.name} ships without a real credential`);
				node.credentials[type] = credentialsFor[type] ?? credentials[type];
			}
		}
		const created = await n8n.api.createWorkflow({ name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings });
		await n8n.api.publish(created.id);
		const url = `${n8n.baseUrl}/webhook/${trigger.webhookId}/webhook`;
		await waitForWebhook(url);
		return { id: created.id, url, workflow };
	}

	// Before each execution n8n checks every node's parameters, and a resource locator's mode with a
	// `validation` regex runs it in a vm with a 250 ms wall-clock limit (n8n-workflow's safe-regex): on a
	// busy machine the limit ran out and n8n failed the execution (the Airtable node's base "By ID", seen
	// on n8n 1.123 and 2.41 under load). The templates pick each resource "From List" (what the editor
	// saves when a user picks one), a mode n8n checks with no regex.
	it('no template parameter makes n8n run a regular expression before each execution', async () => {
		const types = await n8n.api.nodeTypes();
		const offending = [];
		for (const tool of TOOLS) {
			// This package's nodes: test/descriptions.test.ts (n8n's own node types are checked here).
			for (const node of readJson(join('examples', 'templates', tool.file)).nodes.filter((n) => !n.type.startsWith('n8n-nodes-prefinery.'))) {
				const versions = types.filter((type) => type.name === node.type && [type.version].flat().includes(node.typeVersion));
				assert.ok(versions.length > 0, `${tool.file}: n8n has ${node.type} version ${node.typeVersion}`);
				for (const [name, value] of Object.entries(node.parameters ?? {})) {
					if (!value?.__rl || String(value.value).startsWith('=')) continue;
					const modes = versions.flatMap((type) => type.properties.filter((property) => property.name === name).flatMap((property) => property.modes ?? []));
					assert.ok(modes.some((mode) => mode.name === value.mode), `${tool.file}: ${node.name} → ${name} has a mode "${value.mode}"`);
					if (modes.some((mode) => mode.name === value.mode && mode.validation?.some((rule) => rule?.type === 'regex'))) offending.push(`${tool.file}: ${node.name} → ${name} (${value.mode})`);
				}
			}
		}
		assert.deepEqual(offending, []);
	});

	for (const tool of TOOLS) {
		it(`${tool.name}: ${tool.file}`, async () => {
			const { samplePayload } = await dist('lib/samples.js');
			const wf = await importTemplate(tool.file);
			const tester = prefinery.state.testers.get(1)[tool.testerIndex];
			const base = 8_000_000 + tool.testerIndex * 100;
			/** A sample event of `type` about the mock's tester (its id, email and project). */
			const event = (type, id, overrides = {}) => {
				const envelope = samplePayload(type, id);
				if (type.startsWith('tester_')) Object.assign(envelope.data, { id: tester.id, email: tester.email, project_id: 1 }, overrides);
				else Object.assign(envelope.data, { user_id: tester.id, project_id: 1 }, overrides);
				return envelope;
			};
			const calls = () => proxy.requests.filter((request) => tool.hosts.includes(request.host));
			let executions = 0;
			const deliver = async (envelope, answer = 'accepted') => {
				const res = await send(wf.url, envelope);
				assert.equal(res.status, 200, res.text);
				assert.equal(res.json.status, answer, res.text);
				if (answer === 'accepted') {
					executions += 1;
					const all = await waitForExecutions(n8n, wf.id, executions);
					const failed = all.filter((execution) => execution.status === 'error');
					assert.deepEqual(failed.map((execution) => JSON.stringify(execution.data?.resultData?.error ?? execution).slice(0, 600)), [], `${tool.name}: no execution failed`);
				}
			};

			// 1. A sign-up.
			const signUp = event('tester_created', base + 1);
			await deliver(signUp);
			const [first, ...more] = calls();
			assert.equal(more.length, 0, `${tool.name}: one call for a sign-up: ${JSON.stringify(calls().map((c) => `${c.method} ${c.host}${c.path}`))}`);
			tool.expectUpsert(first, signUp.data);
			assert.equal(tool.contacts(stores).size, 1);

			// 2. The same sign-up under another event id (a catch-up): the same idempotent call, no second contact.
			await deliver(event('tester_created', base + 2));
			const second = calls().at(-1);
			assert.equal(calls().length, 2);
			assert.equal(`${second.method} ${second.host}${second.path}`, `${first.method} ${first.host}${first.path}`);
			tool.expectUpsert(second, signUp.data);
			assert.equal(tool.contacts(stores).size, 1, `${tool.name}: one contact for one email`);

			// 3. A status change.
			const updated = event('tester_updated', base + 3);
			await deliver(updated);
			assert.equal(calls().length, 3);
			tool.expectUpsert(calls().at(-1), updated.data);
			assert.equal(tool.contact(stores, tester.email)[tool.statusField], 'invited');

			// 4. A delivered reward: the tester read from Prefinery by id, then recorded on the same contact.
			const reads = prefinery.requests.length;
			const reward = event('reward_delivered', base + 4);
			await deliver(reward);
			assert.ok(
				prefinery.requests.slice(reads).some((request) => request.method === 'GET' && request.path === `/api/v2/betas/1/testers/${tester.id}`),
				`${tool.name}: the rewarded tester was read from Prefinery: ${JSON.stringify(prefinery.requests.slice(reads).map((r) => `${r.method} ${r.path}`))}`,
			);
			assert.equal(calls().length, 4);
			tool.expectReward(calls().at(-1), tester.email, reward.data.name);
			assert.equal(tool.contact(stores, tester.email)[tool.rewardField], reward.data.name);
			assert.equal(tool.contacts(stores).size, 1, `${tool.name}: still one contact`);

			// 5. Prefinery redelivers the sign-up's event: answered as a duplicate, nothing sent.
			await deliver(signUp, 'duplicate');
			assert.equal(calls().length, 4);

			// 6. A delivery signed with another secret: answered 429 (Prefinery retries it), nothing sent,
			// and the execution fails naming the reason, so the Error Workflow hears of it.
			const rejected = await send(wf.url, event('tester_created', base + 6), { secret: 'whsec_not-the-secret' });
			assert.equal(rejected.status, 429, rejected.text);
			const all = await waitForExecutions(n8n, wf.id, executions + 1);
			const failed = all.filter((execution) => execution.status === 'error');
			assert.equal(failed.length, 1, `${tool.name}: the rejected delivery failed one execution`);
			assert.match(JSON.stringify(failed[0].data?.resultData?.error ?? {}), /Prefinery delivery rejected: mismatch/);
			assert.equal(calls().length, 4);

			// 7. A sign-up whose email the tool refuses (anyone can type anything into a waitlist form): the
			// tool's 4xx fails that execution at the Stop and Error on the tool node's error output, where
			// Executions and the Error Workflow show it; the other contacts are untouched.
			await send(wf.url, event('tester_created', base + 7, { id: tester.id + 100_000, email: 'not an email' })).then((res) => assert.equal(res.status, 200, res.text));
			const afterRefusal = await waitForExecutions(n8n, wf.id, executions + 2);
			const refused = afterRefusal.filter((execution) => execution.status === 'error' && execution.data?.resultData?.lastNodeExecuted !== 'Fail the execution: delivery rejected');
			assert.equal(refused.length, 1, `${tool.name}: the refused email failed its execution`);
			const why = JSON.stringify(refused[0].data?.resultData?.error ?? {}).slice(0, 600);
			if (tool.emailInPath) {
				// HubSpot's template checks the email before its node puts it into a path: nothing is sent.
				assert.equal(refused[0].data.resultData.lastNodeExecuted, tool.failNode, why);
				assert.equal(calls().length, 4);
			} else {
				// The tool's refusal goes to its node's error output, whose Stop and Error names the tester and
				// the tool's answer.
				assert.equal(refused[0].data.resultData.lastNodeExecuted, tool.refusedNode, why);
				assert.match(refused[0].data.resultData.error.message, new RegExp(`^Tester ${tester.id + 100_000} \\(not an email\\): ${tool.name} did not take the`));
				assert.equal(calls().at(-1).answered >= 400, true);
			}
			assert.equal(tool.contacts(stores).size, 1);

			// Every call carried the dummy credential the way the tool expects, and no secret of ours.
			for (const call of calls()) {
				tool.expectAuth(call);
				assert.doesNotMatch(call.raw, new RegExp(SECRET));
			}
			// Unpublished once done: its Catch-Up Trigger's polls (every 15 minutes) stay out of the later tests.
			await n8n.api.unpublish(wf.id);
		});
	}

	// Anyone can sign up on a public waitlist, so a tester's email is the sign-up's choice even in a
	// delivery whose signature is genuine (issue 37). n8n's HubSpot node puts it into the URL path
	// unencoded (`..`, `%2e%2e`, `?` and `#` change which call is made): the HubSpot template lets only a
	// plain address through and fails the execution for anything else; the other tools' nodes send the
	// email in the body. Each hostile email is sent as a signed sign-up; the reward branch gets one back
	// from Prefinery. Asserted from the proxy: the method and path each node really sent.
	const HOSTILE = [
		'x/../vid/123/profile?a=@b.c',
		'x/../../vid/123/profile?a=@b.c',
		'a%2e%2e/x@b.co',
		'x/%2e%2e/%2e%2e/vid/123/profile@b.co',
		'victim@corp.com?x',
		'victim@corp.com#x',
		'a@b.co\r\nX-Injected: 1',
		`${'a'.repeat(10_240)}@example.com`,
	];
	const UNUSUAL = ['first.last+tag@sub.example.co.uk', "o'brien@example.io"];
	/** The email as the HubSpot template's failure quotes it: control characters replaced, cut at 60. */
	const quoted = (email) =>
		`"${email.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').slice(0, 60)}"${email.length > 60 ? ` (the first 60 of ${email.length} characters)` : ''}`;

	for (const tool of TOOLS) {
		it(`${tool.name}: a hostile email reaches ${tool.name} only at the intended path, ${tool.emailInPath ? 'or not at all' : 'in the body'}`, async () => {
			const { samplePayload } = await dist('lib/samples.js');
			const wf = await importTemplate(tool.file);
			const calls = () => proxy.requests.filter((request) => tool.hosts.includes(request.host));
			const base = 8_100_000 + tool.testerIndex * 100;
			let executions = 0;
			let n = 0;
			/** Sends `envelope` signed, waits for its execution; returns it and the tool's calls it made. */
			const deliver = async (envelope) => {
				const before = calls().length;
				const res = await send(wf.url, envelope);
				assert.equal(res.status, 200, res.text);
				assert.equal(res.json.status, 'accepted', res.text);
				executions += 1;
				const all = await waitForExecutions(n8n, wf.id, executions);
				const execution = all.reduce((newest, e) => (Number(e.id) > Number(newest.id) ? e : newest));
				return { execution, sent: calls().slice(before) };
			};
			const signUp = (email) => {
				n += 1;
				const envelope = samplePayload('tester_created', base + n);
				Object.assign(envelope.data, { id: 9_000_000 + tool.testerIndex * 100 + n, email, project_id: 1 });
				return envelope;
			};
			const routes = (sent) => sent.map((call) => `${call.method} ${call.path}${Object.keys(call.query).length ? `?${new URLSearchParams(call.query)}` : ''}`);

			// Valid but unusual addresses go through unchanged, to the intended path.
			for (const email of UNUSUAL) {
				const envelope = signUp(email);
				const { execution, sent } = await deliver(envelope);
				assert.equal(execution.status, 'success', `${tool.name} ${email}: ${JSON.stringify(execution.data?.resultData?.error ?? {}).slice(0, 400)}`);
				assert.deepEqual(routes(sent), [tool.route(email)], `${tool.name} ${email}`);
				tool.expectUpsert(sent[0], envelope.data);
				if (!tool.emailInPath) assert.equal(tool.emailOf(sent[0]), email);
			}

			for (const email of HOSTILE) {
				const envelope = signUp(email);
				const label = `${tool.name} ${JSON.stringify(email.slice(0, 60))}`;
				const { execution, sent } = await deliver(envelope);
				for (const call of sent) assert.equal(call.headers['x-injected'], undefined, `${label}: no header injected`);
				if (tool.emailInPath) {
					// Nothing reaches HubSpot; the execution fails at the check's Stop and Error, naming the tester.
					assert.deepEqual(routes(sent), [], `${label}: nothing sent to ${tool.name}`);
					assert.equal(execution.status, 'error', label);
					assert.equal(execution.data.resultData.lastNodeExecuted, tool.failNode, label);
					const message = execution.data.resultData.error.message;
					assert.ok(
						message.startsWith(`Tester ${envelope.data.id}: the email ${quoted(email)} is not a plain address, so the contact was not sent to HubSpot`),
						`${label}: ${message.slice(0, 300)}`,
					);
					assert.doesNotMatch(message, /[\r\n]/, `${label}: no line break in the message`);
					assert.ok(message.length < 800, `${label}: the message is short (${message.length})`);
				} else {
					// The email goes in the body, unchanged, to the one intended path; or the tool refuses it and
					// the execution fails at the Stop and Error on the tool node's error output.
					assert.deepEqual(routes(sent), [tool.route(email)], label);
					assert.equal(tool.emailOf(sent[0]), email, `${label}: the email is in the body, unchanged`);
					assert.equal(sent[0].raw.includes(JSON.stringify(email).slice(1, -1)), true, `${label}: the body carries the email`);
					if (sent[0].answered >= 400) {
						assert.equal(execution.status, 'error', label);
						assert.equal(execution.data.resultData.lastNodeExecuted, tool.refusedNode, label);
						assert.doesNotMatch(execution.data.resultData.error.message, /[\r\n]/, `${label}: no line break in the message`);
					} else {
						assert.equal(execution.status, 'success', `${label}: ${JSON.stringify(execution.data?.resultData?.error ?? {}).slice(0, 400)}`);
					}
				}
			}

			// The reward branch: the email is read back from Prefinery, where a sign-up typed it.
			const rewarded = prefinery.state.testers.get(1)[10 + tool.testerIndex];
			// (Encoded dots: an address with `..` is one the tools themselves refuse.)
			const hostile = 'x/%2e%2e/%2e%2e/vid/123/profile?a=@b.co';
			rewarded.email = hostile;
			const reward = samplePayload('reward_delivered', base + 90);
			Object.assign(reward.data, { user_id: rewarded.id, project_id: 1 });
			const { execution, sent } = await deliver(reward);
			if (tool.emailInPath) {
				assert.deepEqual(routes(sent), [], `${tool.name} reward: nothing sent to ${tool.name}`);
				assert.equal(execution.status, 'error');
				assert.equal(execution.data.resultData.lastNodeExecuted, tool.rewardFailNode);
				assert.ok(
					execution.data.resultData.error.message.startsWith(`Rewarded tester ${rewarded.id}: the email ${quoted(hostile)} is not a plain address, so the reward was not sent to HubSpot`),
					execution.data.resultData.error.message.slice(0, 300),
				);
			} else {
				assert.deepEqual(routes(sent), [tool.route(hostile)], `${tool.name} reward`);
				tool.expectReward(sent[0], hostile, reward.data.name);
				assert.equal(execution.status, 'success', JSON.stringify(execution.data?.resultData?.error ?? {}).slice(0, 400));
			}

			for (const call of calls()) tool.expectAuth(call);
			// Unpublished once done: its Catch-Up Trigger's polls (every 15 minutes) stay out of the later tests.
			await n8n.api.unpublish(wf.id);
		});
	}

	// The Catch-Up Trigger in each template (issue 34): a sign-up the webhook missed reaches the tool's
	// real request once. Each tool gets its own mock Prefinery (so its catch-up sees only its own
	// sign-ups); the five run side by side, since each waits for polls a minute apart.
	describe('the Catch-Up Trigger: sign-ups missed while the template was unpublished', { concurrency: true }, () => {
		// What is left waits on the Catch-Up Triggers' polls, a minute apart (about 240 s, a few CPU seconds):
		// npm test may start the suites kept apart from this one beside it (harness/pool.mjs).
		before(() => process.stderr.write(`[templates] ${LIGHT_MARKER}\n`));
		const MISSED = 10;
		/** Polls observed after the second publish (its own first poll included) before the counts are final. */
		const POLLS = 3;
		const LIST = '/api/v2/betas/1/testers';
		/**
		 * n8n's administrative calls one at a time: n8n 1.123 on SQLite failed concurrent creates of
		 * credentials and workflows ("SQLITE_ERROR: no such savepoint", "cannot commit - no transaction").
		 */
		let setupQueue = Promise.resolve();
		const serially = (fn) => {
			const run = setupQueue.then(fn);
			setupQueue = run.catch(() => undefined);
			return run;
		};

		/**
		 * Asks `check()` every 500 ms until it gives a truthy value (returned); after `ms`, fails naming
		 * `missing()`. The bounds end a broken run, they are no windows.
		 */
		async function until(check, ms, missing) {
			const deadline = Date.now() + ms;
			for (;;) {
				const value = await check();
				if (value) return value;
				if (Date.now() > deadline) assert.fail(`${missing()}, still, after ${ms / 1000} s`);
				await sleep(500);
			}
		}

		/** The last lines of n8n's log that name the workflow `id` (the Catch-Up Trigger's say which). */
		const logLinesOf = (id) =>
			readFileSync(n8n.logFile, 'utf8')
				.split('\n')
				.filter((line) => line.includes(`(id ${id})`))
				.slice(-20)
				.join('\n');

		/** The catch-up's polls in a mock's requests: runs of tester-list reads, a new run after 20 s without one (polls come a minute apart). */
		function pollsSeen(api, since) {
			const reads = api.requests.filter((request) => request.method === 'GET' && request.path === LIST && request.at >= since);
			const polls = [];
			for (const read of reads) {
				if (polls.length === 0 || read.at - polls.at(-1).at(-1) > 20_000) polls.push([]);
				polls.at(-1).push(read.at);
			}
			return polls;
		}

		for (const tool of TOOLS) {
			it(`${tool.name}: 10 sign-ups answered 404 while unpublished reach ${tool.name} once each, through the Catch-Up Trigger`, async () => {
				const { samplePayload } = await dist('lib/samples.js');
				const api = await startMockPrefineryApi({ testers: 30 });
				mocks.push(api);
				const slug = tool.name.toLowerCase();
				const credential = await serially(() => n8n.api.createCredential(`Prefinery API (${tool.name} catch-up)`, 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url }));
				const list = () => api.state.testers.get(1);
				const calls = () => proxy.requests.filter((request) => tool.hosts.includes(request.host));
				const from = calls().length;
				const stretchCalls = () => calls().slice(from);
				/** A sign-up at Prefinery, through its API's create (what its waitlist form does); the tester as listed. */
				const signUp = async (tag, email = `catchup-${slug}-${tag}@example.com`) => {
					const res = await fetch(`${api.url}/betas/1/testers`, {
						method: 'POST',
						headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
						body: JSON.stringify({ tester: { email, status: 'applied', profile: { first_name: `First ${tag}`, last_name: `Last ${tag}` } } }),
					});
					const text = await res.text();
					assert.equal(res.status, 201, text);
					return JSON.parse(text).id;
				};
				const tester = (id) => list().find((candidate) => candidate.id === id);
				let eventId = 8_200_000 + tool.testerIndex * 100;
				/** Prefinery's tester_created delivery for the tester `id`, as it is listed. */
				const delivery = (id) => {
					const envelope = samplePayload('tester_created', (eventId += 1));
					Object.assign(envelope.data, structuredClone(tester(id)));
					return envelope;
				};

				// 1. Published (every minute in this copy): n8n saves what the first poll kept, and a poll reads
				// where the list stands. That is the publish's own poll, or, when it met its bound (a busy
				// machine), a later one: n8n then keeps the state saved at the publish (when the trigger
				// started, lib/catch-up.ts) until a poll emits, and the poll's log line says where it stands.
				const wf = await serially(() => importTemplate(tool.file, { credentialsFor: { prefineryApi: credential }, pollEveryMinute: true }));
				const seeded = Math.max(...list().map((t) => t.id));
				const stands = await until(
					async () => {
						const saved = await catchUpState(n8n, wf.id);
						if (!saved) return null;
						if (!saved.settling) return saved.watermark;
						const read = /the list stands at (\d+)/.exec(logLinesOf(wf.id));
						return read ? Number(read[1]) : null;
					},
					300_000,
					() => `${tool.name}: the Catch-Up Trigger has not saved a state and read where the list stands; its lines in n8n's log:\n${logLinesOf(wf.id)}`,
				);
				assert.equal(stands, seeded, `${tool.name}: New Sign-Ups Only starts at the newest tester`);

				// 2. A sign-up delivered by the webhook, then redelivered by Prefinery (answered duplicate).
				const live = await signUp('live');
				const liveEmail = tester(live).email;
				const liveDelivery = delivery(live);
				const first = await send(wf.url, liveDelivery);
				assert.equal(first.json?.status, 'accepted', first.text);
				await until(
					() => stretchCalls().some((call) => tool.emailOf(call) === liveEmail),
					300_000,
					() => `${tool.name}: the delivered sign-up ${liveEmail} has not reached ${tool.name}`,
				);
				const again = await send(wf.url, liveDelivery);
				assert.equal(again.json?.status, 'duplicate', again.text);

				// 3. Unpublished. n8n 2.x answers the call at once and removes the webhook afterwards: the suite
				// waits for n8n's own word that it is done (its publication status), and sends nothing to the
				// webhook meanwhile (harness/n8n.mjs `unpublished`: a request during the removal can put the
				// webhook back into n8n's cache). Then 10 sign-ups at Prefinery, each delivery answered 404 by
				// n8n: Prefinery drops it, the webhook never runs for it.
				await serially(() => n8n.api.unpublish(wf.id));
				await n8n.api.unpublished(wf.id);
				const answered404 = async (id) => {
					const res = await send(wf.url, delivery(id));
					assert.equal(res.status, 404, `${tool.name}: a delivery while unpublished: ${res.status} ${res.text.slice(0, 300)}`);
				};
				// For HubSpot, whose node puts the email into the URL path, one more with an email that is not a
				// plain address (the first of the batch): the catch-up's items pass the template's email check too.
				// For the tools that take the email in the body, one more (the first of the batch) with an email
				// the tool refuses: the tool's error output fails the execution naming it, after the batch's
				// others went on (a refusal no longer stops the rest of a catch-up's batch).
				let hostile = null;
				let refused = null;
				if (tool.emailInPath) {
					hostile = await signUp('x/../vid/123/profile?a=');
					await answered404(hostile);
				} else {
					refused = await signUp('refused', `catchup..${slug}.refused@example.com`);
					await answered404(refused);
				}
				const missed = [];
				for (let n = 1; n <= MISSED; n += 1) {
					const id = await signUp(`missed-${n}`);
					await answered404(id);
					missed.push(id);
				}
				const missedEmails = missed.map((id) => tester(id).email);

				// 4. Published again: its first poll goes on from the saved state and brings the 10.
				const republished = api.now();
				await serially(() => n8n.api.publish(wf.id));
				await waitForWebhook(wf.url);
				const reached = () => new Set(stretchCalls().map((call) => tool.emailOf(call)));
				await until(
					() => missedEmails.every((email) => reached().has(email)),
					300_000,
					() => `${tool.name}: not reached by the catch-up: ${missedEmails.filter((email) => !reached().has(email)).join(', ')}`,
				);
				// Prefinery redelivers the delivered sign-up's event: still a duplicate, nothing sent.
				const redelivered = await send(wf.url, liveDelivery);
				assert.equal(redelivered.json?.status, 'duplicate', `${tool.name}: a redelivery after publishing again: ${redelivered.text}`);
				// One more sign-up, made once the 10 are in, whose delivery is lost while the workflow is
				// published (n8n's 5xx, or n8n down beyond Prefinery's retries): a later scheduled poll brings it.
				const lost = await signUp('lost-while-published');
				const lostEmail = tester(lost).email;
				await until(
					() => reached().has(lostEmail),
					300_000,
					() => `${tool.name}: the sign-up lost while published (${lostEmail}) has not reached ${tool.name}`,
				);
				// Several polls: the one after the last counted shows that it has finished, and what it started.
				await until(
					() => pollsSeen(api, republished).length > POLLS,
					(POLLS + 5) * 60_000,
					() => `${tool.name}: ${pollsSeen(api, republished).length} of ${POLLS + 1} polls seen since publishing again`,
				);
				await until(
					async () => (await n8n.api.executionCounts(wf.id)).inProgress === 0,
					300_000,
					() => `${tool.name}: executions still running`,
				);
				const polls = pollsSeen(api, republished).length;

				// Who brought what: each execution's trigger and the testers it emitted.
				const executions = await n8n.api.executions(wf.id);
				const failed = executions.filter((execution) => execution.status !== 'success');
				if (hostile) {
					// The execution of the catch-up's batch fails at the check, naming the tester, after the plain
					// addresses of the batch went on to HubSpot; nothing of the hostile one was sent.
					const email = tester(hostile).email;
					assert.equal(failed.length, 1, `${tool.name}: one execution failed: ${JSON.stringify(failed.map((execution) => execution.data?.resultData?.error?.message?.slice(0, 200)))}`);
					assert.ok(failed[0].data.resultData.runData['Prefinery Catch-Up Trigger'], `${tool.name}: the failed execution is the catch-up's`);
					assert.equal(failed[0].data.resultData.lastNodeExecuted, tool.failNode);
					assert.ok(
						failed[0].data.resultData.error.message.startsWith(`Tester ${hostile}: the email ${quoted(email)} is not a plain address, so the contact was not sent to HubSpot`),
						failed[0].data.resultData.error.message.slice(0, 300),
					);
					assert.deepEqual(stretchCalls().filter((call) => !call.path.startsWith('/contacts/v1/contact/createOrUpdate/email/catchup-')).map((call) => `${call.method} ${call.path}`), []);
				} else {
					// The batch's execution fails at the Stop and Error on the tool node's error output, naming the
					// refused tester and the tool's answer; the tool was asked once for it and refused.
					const email = tester(refused).email;
					assert.equal(failed.length, 1, `${tool.name}: one execution failed: ${JSON.stringify(failed.map((execution) => execution.data?.resultData?.error?.message?.slice(0, 300)))}`);
					assert.ok(failed[0].data.resultData.runData['Prefinery Catch-Up Trigger'], `${tool.name}: the failed execution is the catch-up's`);
					assert.equal(failed[0].data.resultData.lastNodeExecuted, tool.refusedNode);
					const named = tool.namesRefusedInBatch === false ? `A tester of this execution (the n8n node for ${tool.name} did not say which; the batch is the output of "Prefinery Catch-Up Trigger" in this execution)` : `Tester ${refused} (${email})`;
					assert.ok(
						failed[0].data.resultData.error.message.startsWith(`${named}: ${tool.name} did not take the`),
						failed[0].data.resultData.error.message.slice(0, 300),
					);
					const asked = stretchCalls().filter((call) => tool.emailOf(call) === email);
					assert.deepEqual(asked.map((call) => call.answered >= 400), [true], `${tool.name}: asked once for ${email}, and it refused`);
				}
				const emitted = { webhook: [], catchUp: [] };
				for (const execution of executions) {
					const runData = execution.data?.resultData?.runData ?? {};
					const catchUp = runData['Prefinery Catch-Up Trigger'];
					const items = (catchUp ?? runData['Prefinery Trigger'])?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? [];
					for (const item of items) {
						if (catchUp) {
							assert.equal(item.source, 'catch_up');
							assert.equal(item.type, 'tester_created');
							assert.equal(item.id, null);
						}
						(catchUp ? emitted.catchUp : emitted.webhook).push(item.tester.email);
					}
				}
				const count = (emails, email) => emails.filter((e) => e === email).length;
				const byEmail = (email) => stretchCalls().filter((call) => tool.emailOf(call) === email);
				const contactsWith = (email) => [...tool.contacts(stores).values()].filter((contact) => String(contact.email).toLowerCase() === email.toLowerCase()).length;

				// Each missed sign-up (the 10 answered 404, the one lost while published): once, by the
				// catch-up, at the tool's intended path with every mapped field, one contact.
				for (const [id, email, how] of [...missed.map((m, i) => [m, missedEmails[i], 'answered 404']), [lost, lostEmail, 'lost while published']]) {
					assert.equal(count(emitted.webhook, email), 0, `${email}: the webhook never ran for it (${how})`);
					assert.equal(count(emitted.catchUp, email), 1, `${email}: brought by the catch-up once over ${polls} polls`);
					const sent = byEmail(email);
					assert.equal(sent.length, 1, `${email}: one ${tool.name} call over ${polls} polls`);
					assert.equal(`${sent[0].method} ${sent[0].path}`, tool.route(email), email);
					tool.expectUpsert(sent[0], tester(id));
					assert.equal(contactsWith(email), 1, `${email}: one contact`);
				}
				// The delivered sign-up: once by the webhook (its two redeliveries, before unpublishing and after
				// publishing again, started nothing) and once by the catch-up (it came after the first poll): two
				// calls to the same create-or-update, one contact.
				assert.equal(count(emitted.webhook, liveEmail), 1, `${liveEmail}: the webhook ran once, the redeliveries not at all`);
				assert.equal(count(emitted.catchUp, liveEmail), 1, `${liveEmail}: the catch-up brought it once`);
				const liveCalls = byEmail(liveEmail);
				assert.equal(liveCalls.length, 2, `${liveEmail}: the webhook's call and the catch-up's`);
				for (const call of liveCalls) {
					assert.equal(`${call.method} ${call.path}`, tool.route(liveEmail));
					tool.expectUpsert(call, tester(live));
				}
				assert.equal(contactsWith(liveEmail), 1, `${liveEmail}: one contact`);
				// Nothing else: the testers from before the first publish stay out (New Sign-Ups Only).
				assert.deepEqual(
					stretchCalls().map((call) => tool.emailOf(call)).filter((email) => email !== liveEmail && email !== lostEmail && !missedEmails.includes(email) && !(refused && email === tester(refused).email)),
					[],
				);
				if (hostile) assert.equal(count(emitted.catchUp, tester(hostile).email), 1, `${tool.name}: the catch-up brought the hostile email once`);
				if (refused) assert.equal(count(emitted.catchUp, tester(refused).email), 1, `${tool.name}: the catch-up brought the refused email once`);
				assert.equal(emitted.catchUp.length, MISSED + 3, `${tool.name}: the catch-up emitted ${JSON.stringify(emitted.catchUp)}`);
				for (const call of stretchCalls()) tool.expectAuth(call);
				progress(`templates: ${tool.name} catch-up: ${MISSED} sign-ups answered 404 while unpublished and one lost while published reached ${tool.name} once each over ${polls} polls after publishing again (${api.requests.filter((r) => r.path === LIST).length} list requests in all)`);
			});
		}
	});
});
