// The Prefinery Trigger inside a real n8n (pinned runtime, loopback, throw-away user folder), loaded
// from the `npm pack` tarball as a community package, driven only through HTTP and n8n's public API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep, tail } from '../harness/n8n.mjs';
import { readmeCommands } from '../harness/readme.mjs';
import { ROOT } from '../harness/runtime.mjs';
import {
	assertAnswer,
	createTriggerWorkflow,
	dist,
	importExample,
	outputItems,
	readAnswer,
	readJson,
	runCommand,
	SECRET,
	send,
	settle,
	startSink,
	startSuiteN8n,
	TRIGGER_NAME,
	waitForExecutions,
} from './support.mjs';

const ARTICLE_RAW = readFileSync(join(ROOT, 'test', 'fixtures', 'article-sample.json'), 'utf8');
const DOCUMENTED_ITEM = readJson('docs/output-tester-created.json');

let n8n;
let credential;
let main; // events: tester_created, tester_applied; signature verified
const answers = []; // every answer body, checked for secrets at the end

async function post(url, body, options) {
	const res = await send(url, body, options);
	answers.push(res.text);
	return res;
}

/** POSTs `raw` signed, with exactly `headers` (no content type unless given; fetch adds none for bytes). */
async function postBytes(url, raw, headers = {}) {
	const { signatureHeader } = await dist('lib/signature.js');
	const signed = { ...headers, 'x-prefinery-signature': signatureHeader(SECRET, Math.floor(Date.now() / 1000), raw) };
	const answer = await readAnswer(await fetch(url, { method: 'POST', headers: signed, body: Buffer.from(raw) }));
	answers.push(answer.text);
	return answer;
}

/**
 * Every answer of the delivery contract against `wf` (which has already accepted the article's sample,
 * id 123): expected status and reason, and n8n's own 422s. Content types other than JSON are here
 * because n8n 2.x reads and parses bodies differently for typeVersion 1 and above. Returns the ids
 * of the events it expects to be accepted.
 */
async function answerMatrix(wf) {
	const { samplePayload } = await dist('lib/samples.js');
	const now = Math.floor(Date.now() / 1000);
	const fresh = (type = 'tester_created') => samplePayload(type, Math.floor(Math.random() * 1e9));
	const valid = fresh();
	const validRaw = JSON.stringify(valid);
	const { computeSignature } = await dist('lib/signature.js');
	const cases = [
		['event not selected', fresh('tester_updated'), {}, 200, 'event_not_selected'],
		['same event id again', ARTICLE_RAW, {}, 200, 'duplicate_event_id'],
		['wrong secret', fresh(), { secret: 'whsec_wrong' }, 429, 'mismatch'],
		['missing signature', fresh(), { secret: null }, 429, 'missing_header'],
		['stale timestamp (4 days)', fresh(), { timestamp: now - 4 * 86400 }, 429, 'timestamp_too_old'],
		['future timestamp (1 h)', fresh(), { timestamp: now + 3600 }, 429, 'timestamp_in_future'],
		['signature of a re-serialised body', JSON.stringify(valid, null, 2), { signBody: validRaw }, 429, 'mismatch'],
		['malformed header', fresh(), { secret: null, headers: { 'x-prefinery-signature': 'sha256=abc' } }, 401, 'malformed_header'],
		[
			'other scheme only',
			validRaw,
			{ secret: null, headers: { 'x-prefinery-signature': `t=${now},v0=${computeSignature(SECRET, now, validRaw)}` } },
			401,
			'no_v1_signature',
		],
		['JSON array', '[1,2,3]', {}, 400, 'not_a_prefinery_event'],
		['JSON scalar', '42', {}, 400, 'not_a_prefinery_event'],
		['no type', { id: 5, data: {} }, {}, 400, 'not_a_prefinery_event'],
		['no data', { id: 5, type: 'tester_created' }, {}, 400, 'not_a_prefinery_event'],
		['data is an array', { id: 5, type: 'tester_created', data: [] }, {}, 400, 'not_a_prefinery_event'],
		['id is an object', { id: { x: 1 }, type: 'tester_created', data: {} }, {}, 400, 'not_a_prefinery_event'],
		['not JSON, sent as text/plain', 'hello', { contentType: 'text/plain' }, 400, 'not_a_prefinery_event'],
		['XML', '<event><id>1</id></event>', { contentType: 'application/xml' }, 400, 'not_a_prefinery_event'],
		['form-encoded', 'id=1&type=tester_created', { contentType: 'application/x-www-form-urlencoded' }, 400, 'not_a_prefinery_event'],
	];
	for (const [label, body, options, status, reason] of cases) {
		const res = await post(wf.urls.production, body, options);
		assertAnswer(label, res, status, reason);
		assert.ok(res.json?.message, `${label}: a readable message`);
	}
	// Not JSON (or XML) but declared so: n8n's own body parser answers 422 before the node runs.
	assert.equal((await post(wf.urls.production, '{"id":', {})).status, 422);
	assert.equal((await post(wf.urls.production, '<event>', { contentType: 'text/xml' })).status, 422);

	// Several v1 values (secret rotation): accepted when one matches.
	const rotated = fresh();
	const rotatedRaw = JSON.stringify(rotated);
	const header = `t=${now},v1=${computeSignature('whsec_old', now, rotatedRaw)},v1=${computeSignature(SECRET, now, rotatedRaw)}`;
	const multi = await post(wf.urls.production, rotatedRaw, { secret: null, headers: { 'x-prefinery-signature': header } });
	assert.equal(multi.status, 200, multi.text);
	assert.equal(multi.json.status, 'accepted');

	// A signed event is accepted whatever its content type says: the signature is over the raw bytes.
	const byContentType = [
		['text/plain', { 'content-type': 'text/plain' }],
		['application/octet-stream', { 'content-type': 'application/octet-stream' }],
		['no content type', {}],
	].map(([label, headers]) => [label, headers, fresh('tester_applied')]);
	for (const [label, headers, event] of byContentType) {
		const res = await postBytes(wf.urls.production, JSON.stringify(event), headers);
		assert.equal(res.status, 200, `${label}: ${res.text}`);
		assert.equal(res.json?.status, 'accepted', `${label}: ${res.text}`);
	}
	const emptyNoType = await postBytes(wf.urls.production, '', {});
	assert.equal(emptyNoType.status, 400, emptyNoType.text);
	assert.equal(emptyNoType.json?.reason, 'not_a_prefinery_event');
	return [rotated.id, ...byContentType.map(([, , event]) => event.id)];
}

describe('Prefinery Trigger in a real n8n', { timeout: 600_000 }, () => {
	before(async () => {
		({ n8n, credential } = await startSuiteN8n());
		main = await createTriggerWorkflow(n8n, credential, { events: ['tester_created', 'tester_applied'] });
	});

	after(async () => {
		if (!n8n) return;
		const log = readFileSync(n8n.logFile, 'utf8');
		await n8n?.dispose();
		assert.ok(!log.includes(SECRET), 'the signing secret must never appear in n8n\'s log');
	});

	it('a signed tester_created (the article\'s sample, verbatim) → 200 and one execution with the documented item', async () => {
		const res = await post(main.urls.production, ARTICLE_RAW);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.json, { status: 'accepted', message: 'Event received.', event_id: 123, type: 'tester_created' });
		const executions = await settle(n8n, main);
		const items = executions.flatMap(outputItems);
		assert.equal(items.length, 1);
		assert.deepEqual(items[0], DOCUMENTED_ITEM);
	});

	it('answers every case of the delivery contract and starts no execution for any of them', async () => {
		const accepted = await answerMatrix(main);
		const items = (await settle(n8n, main)).flatMap(outputItems);
		assert.deepEqual(items.map((item) => item.id).sort(), [123, ...accepted].sort(), 'only the accepted events ran');
	});

	it('typeVersion 1.1 (and so 1.2, new nodes, which differs only in a default): the same documented item and every answer of the contract', async () => {
		const v11 = await createTriggerWorkflow(n8n, credential, { events: ['tester_created', 'tester_applied'] }, { typeVersion: 1.1 });
		const first = await post(v11.urls.production, ARTICLE_RAW);
		assert.equal(first.status, 200, first.text);
		assert.deepEqual(first.json, { status: 'accepted', message: 'Event received.', event_id: 123, type: 'tester_created' });
		const accepted = await answerMatrix(v11);
		const items = (await settle(n8n, v11)).flatMap(outputItems);
		assert.deepEqual(items.find((item) => item.id === 123), DOCUMENTED_ITEM, 'the same item as typeVersion 1');
		assert.deepEqual(items.map((item) => item.id).sort(), [123, ...accepted].sort(), 'only the accepted events ran');
		const get = await fetch(v11.urls.production);
		assert.equal(get.status, 200);
		assert.equal((await get.json()).reason, 'get_not_delivered');
	});

	it('events with unknown fields, and unknown event types under "Any Event", are emitted intact', async () => {
		const any = await createTriggerWorkflow(n8n, credential, { events: ['*'] });
		const { samplePayload } = await dist('lib/samples.js');
		const extended = samplePayload('tester_created', 7001);
		extended.new_envelope_field = { nested: true };
		extended.data.loyalty_tier = 'gold';
		extended.data.profile.favourite_colour = 'teal';
		const unknownType = { id: 7002, type: 'referral_created', data: { referrer_id: 1, friend_id: 2, extra: [1, { a: 'ü' }] }, created_at: 1772442927 };
		for (const body of [extended, unknownType]) {
			const res = await post(any.urls.production, body);
			assert.equal(res.status, 200, res.text);
		}
		const items = (await settle(n8n, any)).flatMap(outputItems);
		const byId = Object.fromEntries(items.map((item) => [item.id, item]));
		assert.deepEqual(byId[7001].new_envelope_field, { nested: true });
		assert.equal(byId[7001].tester.loyalty_tier, 'gold');
		assert.equal(byId[7001].tester.profile.favourite_colour, 'teal');
		assert.equal(byId[7002].type, 'referral_created');
		assert.equal(byId[7002].object, 'unknown');
		assert.deepEqual(byId[7002].data, unknownType.data);
	});

	it('raw output emits the body exactly as sent', async () => {
		const raw = await createTriggerWorkflow(n8n, credential, { events: ['*'], output: 'raw' });
		const { samplePayload } = await dist('lib/samples.js');
		const body = samplePayload('reward_delivered', 7100);
		body.data.unexpected = [null, 1.5, 'x'];
		assert.equal((await post(raw.urls.production, body)).status, 200);
		const executions = await waitForExecutions(n8n, raw.id, 1);
		assert.deepEqual(outputItems(executions[0])[0], body);
	});

	it('an unpublished workflow answers n8n\'s 404; published again, it works again', async () => {
		const wf = await createTriggerWorkflow(n8n, credential, { events: ['tester_created'] });
		const { samplePayload } = await dist('lib/samples.js');
		await n8n.api.unpublish(wf.id);
		// Unpublishing is asynchronous too (2.x): wait for n8n's own publication status, sending nothing
		// meanwhile (a request while n8n removes the webhook can put it back into n8n's webhook cache, as
		// docs/templates.md tells), then ask until n8n answers 404 (bounded, not timed).
		await n8n.api.unpublished(wf.id);
		let status = 200;
		for (let i = 0, deadline = Date.now() + 60_000; status !== 404 && Date.now() < deadline; i += 1) {
			status = (await post(wf.urls.production, samplePayload('tester_created', 8000 + i))).status;
			if (status !== 404) await sleep(100);
		}
		assert.equal(status, 404, 'deliveries to an unpublished workflow get 404 (Prefinery drops them)');
		await n8n.api.publish(wf.id);
		// Publishing is asynchronous: until n8n has loaded the published version it still answers 404
		// (and starts nothing), so resending the same event is safe, as Prefinery's retries would be.
		let res;
		for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
			res = await post(wf.urls.production, samplePayload('tester_created', 8100));
			if (res.status !== 404) break;
			await sleep(100);
		}
		assert.equal(res.status, 200, res.text);
		const items = (await settle(n8n, wf)).flatMap(outputItems);
		assert.ok(items.some((item) => item.id === 8100));
	});

	it('"Listen for test event": a GET on the test URL emits the typed sample in manual mode only', async () => {
		const wf = await createTriggerWorkflow(n8n, credential, { events: ['tester_created', 'tester_updated'] });
		// In production the GET only answers with help and starts nothing.
		const prodGet = await fetch(`${wf.urls.production}?event=tester_updated`);
		assert.equal(prodGet.status, 200);
		assert.equal((await prodGet.json()).status, 'ignored');

		const run = await n8n.api.listen(wf.id, TRIGGER_NAME);
		assert.equal(run.data?.waitingForWebhook, true, JSON.stringify(run));
		const testGet = await fetch(`${wf.urls.test}?event=tester_updated`);
		const answer = await testGet.json();
		assert.equal(testGet.status, 200);
		assert.equal(answer.status, 'accepted');

		const executions = await waitForExecutions(n8n, wf.id, 1);
		const manual = executions.filter((e) => e.mode === 'manual');
		assert.equal(manual.length, 1);
		const [item] = outputItems(manual[0]);
		assert.equal(item.sample, true);
		assert.equal(item.type, 'tester_updated');
		assert.equal(item.tester.status, 'invited');
		const { samplePayload } = await dist('lib/samples.js');
		const { parseEnvelope, normalizeEvent } = await dist('lib/normalize.js');
		const expected = normalizeEvent(parseEnvelope(Buffer.from(JSON.stringify(samplePayload('tester_updated')))).envelope, { sample: true });
		assert.deepEqual(item, expected, 'the sample goes through the same parsing and typing as a delivery');
		const production = (await settle(n8n, wf)).filter((e) => e.mode !== 'manual');
		assert.equal(production.length, 0, 'the GET started no production execution');
	});

	it('a burst of 300 distinct signed events (+60 duplicates) at concurrency 20 → each executed exactly once', async () => {
		const wf = await createTriggerWorkflow(n8n, credential, { events: ['*'] });
		const { samplePayload } = await dist('lib/samples.js');
		const ids = Array.from({ length: 300 }, (_, i) => 100_000 + i);
		const queue = [...ids, ...ids.slice(0, 60)].map((id) => samplePayload('tester_created', id));
		const statuses = [];
		const worker = async () => {
			for (let body = queue.shift(); body; body = queue.shift()) {
				const res = await post(wf.urls.production, body);
				statuses.push(res.status);
			}
		};
		await Promise.all(Array.from({ length: 20 }, worker));
		assert.equal(statuses.length, 360);
		assert.ok(statuses.every((s) => s === 200), `all answered 200: ${[...new Set(statuses)]}`);
		await waitForExecutions(n8n, wf.id, 300, 120_000);
		// Then until nothing runs and the list holds every execution (a sentinel, left out): a 301st
		// execution, if the duplicate filter let one through, is counted however late it comes.
		const executions = await settle(n8n, wf, { timeoutMs: 120_000 });
		const emitted = executions.flatMap(outputItems).map((item) => item.id);
		assert.equal(emitted.length, 300, 'no event lost, none doubled');
		assert.equal(new Set(emitted).size, 300);
		assert.ok(executions.every((e) => e.status === 'success'));
	});

	it('the example workflow imports cleanly and sends only new waitlist members to the CRM', async () => {
		const crm = await startSink();
		try {
			const example = await importExample(n8n, credential, 'prefinery-new-signups-to-crm.json', {
				patch: (workflow) => {
					workflow.nodes.find((node) => node.name === 'Create CRM contact').parameters.url = `${crm.url}/api/contacts`;
				},
			});
			// Created as npm start creates it: with the example's sample pinned (the Filter can map fields at once).
			const saved = (await n8n.api.rest('GET', `/workflows/${example.id}`)).data;
			assert.deepEqual(saved.pinData, example.workflow.pinData);
			assert.equal(saved.pinData[TRIGGER_NAME][0].json.tester.email, 'sam.sample@example.com');
			const { samplePayload } = await dist('lib/samples.js');
			assert.equal((await post(example.urls.production, samplePayload('tester_created', 9001))).status, 200);
			assert.equal((await post(example.urls.production, samplePayload('tester_updated', 9002))).status, 200); // not selected
			const invited = samplePayload('tester_applied', 9003);
			invited.data.status = 'invited'; // selected, but filtered out by the Filter node
			assert.equal((await post(example.urls.production, invited)).status, 200);
			await waitForExecutions(n8n, example.id, 2);
			for (const deadline = Date.now() + 60_000; crm.requests.length < 1 && Date.now() < deadline; ) await sleep(100);
			assert.equal(crm.requests.length, 1);
			const [request] = crm.requests;
			assert.equal(request.headers['idempotency-key'], 'prefinery-9001');
			assert.equal(request.body.email, 'sam.sample@example.com');
			assert.equal(request.body.first_name, 'Sam');
		} finally {
			await crm.close();
		}
	});

	it('the documented send-sample command (docs/trigger.md), with its two placeholders filled in, delivers a signed sample', async () => {
		const { sendSample } = readmeCommands();
		const command = sendSample
			.replace("'<your secret>'", `'${SECRET}'`)
			.replace("'<Test or Production URL>'", `'${main.urls.production}'`);
		assert.doesNotMatch(command, /<[^>]+>/, 'every placeholder was filled');
		const result = await runCommand('bash', ['-euo', 'pipefail', '-c', command], { cwd: ROOT, timeout: 60_000 });
		const output = `${result.stdout}${result.stderr}`;
		answers.push(output);
		assert.equal(result.status, 0, output);
		assert.match(output, /200/);
		assert.match(output, /"status":"accepted"/);
		assert.match(output, /"type":"tester_created"/);
	});

	it('the same command with a wrong secret says what the trigger answered and what to do (issue 36 #5)', async () => {
		const { sendSample } = readmeCommands();
		const command = sendSample
			.replace("'<your secret>'", `'whsec_not_the_right_one'`)
			.replace("'<Test or Production URL>'", `'${main.urls.production}'`);
		const result = await runCommand('bash', ['-uo', 'pipefail', '-c', command], { cwd: ROOT, timeout: 60_000 });
		const output = `${result.stdout}${result.stderr}`;
		assert.equal(result.status, 1, output);
		assert.match(output, /← 429 in \d+ ms: the trigger rejected the delivery: mismatch/);
		assert.match(output, /Prefinery retries a 429/);
		assert.match(output, /To fix: pass the same signing secret as the trigger's Prefinery Webhook credential/);
		assert.doesNotMatch(output, /Too Many Requests/);
	});

	it('n8n serves the trigger\'s output schema (the editor ignores it for triggers; kept for other consumers)', async () => {
		for (const version of ['1.0.0', '1.1.0']) {
			const res = await fetch(`${n8n.baseUrl}/schemas/n8n-nodes-prefinery.prefineryTrigger/${version}.json`);
			assert.equal(res.status, 200, version);
			const schema = await res.json();
			assert.ok(schema.properties.tester.properties.email);
			assert.ok(schema.properties.tester.properties.profile.properties.utm_source);
			for (const key of Object.keys(DOCUMENTED_ITEM)) assert.ok(schema.properties[key], `schema documents ${key}`);
		}
	});

	it('no answer ever contains the signing secret', () => {
		assert.ok(answers.length > 20);
		for (const text of answers) assert.ok(!text.includes(SECRET));
	});

	it('n8n stays healthy after all of it', async () => {
		const res = await fetch(`${n8n.baseUrl}/healthz/readiness`);
		assert.equal(res.status, 200, tail(n8n.logFile));
	});
});
