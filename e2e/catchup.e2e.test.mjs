// The Prefinery Catch-Up Trigger (a polling trigger) in a real n8n, against the mock Prefinery API:
// n8n schedules its polls, keeps its state (the node's static data) from one poll to the next, and
// starts an execution with what a poll found. The planner's rules themselves (budget, order detection,
// head and sweep) are unit-tested in test/catch-up.test.ts; this suite proves the wiring n8n owns.
// The last test runs examples/prefinery-catch-up-postgres.json's retry of open claims against a real
// PostgreSQL: what a run parks, and what the alert says.
// `npm run test:e2e -- catchup` runs it alone.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { sql } from '../harness/cluster.mjs';
import { freePort, sleep } from '../harness/n8n.mjs';
import { startPostgres } from '../harness/services.mjs';
import { CATCH_UP_TYPE, catchUpState, catchUpTriggerWorkflow, exampleSetupSql, importExample } from '../harness/examples.mjs';
import { createTriggerWorkflow, runFromTrigger, send, startSink, startSuiteN8n } from './support.mjs';

const require = createRequire(import.meta.url);
const { startMockPrefineryApi } = require('../test/support/mock-prefinery-api.js');

const EARLIER = 30;
const NEW = 5;

let n8n;
let api;
let webhookCredential;

/** The trigger's executions, oldest first, once `count` of them have finished (at most 3 minutes: polls come a minute apart). */
async function pollExecutions(workflowId, count) {
	const deadline = Date.now() + 180_000;
	for (;;) {
		const finished = (await n8n.api.executions(workflowId, { includeData: false })).filter((e) => e.status === 'success' || e.status === 'error');
		if (finished.length >= count) {
			const all = await n8n.api.executions(workflowId);
			return all.filter((e) => finished.some((f) => f.id === e.id)).sort((a, b) => Number(a.id) - Number(b.id));
		}
		assert.ok(Date.now() < deadline, `${finished.length} of ${count} poll executions within 3 minutes`);
		await sleep(500);
	}
}

/** An API base that misbehaves as told, then (healed) answers as the mock API `target` does. */
async function faulty(fault, target = api) {
	const port = await freePort();
	const state = { fault, requests: 0, abandoned: 0, server: null };
	const handler = async (req, res) => {
		state.requests += 1;
		if (state.fault === 'hang') {
			req.socket.on('close', () => (state.abandoned += 1));
			return;
		}
		if (state.fault === '429') {
			res.writeHead(429, { 'retry-after': '3600' }).end('{"errors":[{"message":"Too many requests"}]}');
			return;
		}
		if (state.fault === '401') {
			res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"message":"Invalid API key"}]}');
			return;
		}
		const answer = await fetch(`${target.url}${req.url.replace(/^\/api\/v2/, '')}`, { headers: { authorization: req.headers.authorization ?? '' } });
		const headers = { 'content-type': 'application/json' };
		if (answer.headers.get('x-pagination')) headers['x-pagination'] = answer.headers.get('x-pagination');
		res.writeHead(answer.status, headers).end(await answer.text());
	};
	const listen = () =>
		new Promise((resolveListen) => {
			state.server = createServer((req, res) => void handler(req, res)).listen(port, '127.0.0.1', resolveListen);
		});
	if (fault !== 'refused') await listen();
	return {
		state,
		url: `http://127.0.0.1:${port}/api/v2`,
		heal: async () => {
			state.fault = 'ok';
			if (!state.server) await listen();
		},
		close: () => new Promise((done) => (state.server ? (state.server.closeAllConnections(), state.server.close(() => done())) : done())),
	};
}

const emitted = (execution) => (execution.data?.resultData?.runData?.['Prefinery Catch-Up Trigger']?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);

// No bound on the whole suite: each wait has its own (a poll's execution 3 minutes, a log line 3 minutes,
// a run 5 minutes), so a broken run ends and a slow machine does not (the suite waits on polls a
// minute apart: 200 s alone, more beside other suites).
describe('Prefinery Catch-Up Trigger in a real n8n', () => {
	before(async () => {
		api = await startMockPrefineryApi({ testers: EARLIER, testerOrder: 'newest-first' });
		({ n8n, credential: webhookCredential } = await startSuiteN8n());
	});
	after(async () => {
		await n8n?.dispose();
		await api?.close();
	});

	it('its first polls backfill every tester once (the activation\'s within its bound, the next from where it stopped); a later poll brings each new sign-up, in the webhook trigger\'s tester_created shape', async () => {
		const credential = await n8n.api.createCredential('Prefinery (mock API, catch-up)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
		const created = await n8n.api.createWorkflow(catchUpTriggerWorkflow({ name: 'Catch-up trigger (e2e)', credential, parameters: { startFrom: 'wholeWaitlist' } }));
		const earlier = api.state.testers.get(1).map((tester) => tester.id);
		assert.equal(earlier.length, EARLIER);
		await n8n.api.publish(created.id);

		// n8n starts an execution only when a poll found something: the first one is the backfill, or the
		// first ones: the activation's poll stops at its bound (ACTIVATION_BOUND_MS, 5 s, as n8n awaits it
		// while publishing), which a busy machine reached after the first page (seen with this suite starved
		// of CPU beside the chaos suite), and the next poll goes on from where it stopped.
		let backfills = 0;
		let backfilled = [];
		while (earlier.some((id) => !backfilled.some((item) => item.tester.id === id))) {
			backfills += 1;
			backfilled = (await pollExecutions(created.id, backfills)).flatMap(emitted);
		}
		assert.deepEqual(backfilled.map((item) => item.tester.id).sort((a, b) => a - b), [...earlier].sort((a, b) => a - b), 'every earlier tester, once');
		for (const item of backfilled) {
			assert.equal(item.type, 'tester_created');
			assert.equal(item.source, 'catch_up');
			assert.equal(item.id, null, 'no event id: a claim keys on the tester id');
			assert.equal(typeof item.tester.email, 'string');
		}

		// Sign-ups the webhook never delivered: the next polls find them (the state n8n kept says where
		// the last poll stopped). The sweep may bring testers again; the claim downstream decides.
		const template = api.state.testers.get(1)[0];
		const fresh = [];
		for (let n = 0; n < NEW; n += 1) {
			const tester = { ...structuredClone(template), id: api.state.nextId.tester++, email: `catchup${n}@example.com` };
			api.state.testers.get(1).push(tester);
			fresh.push(tester.id);
		}
		const deadline = Date.now() + 180_000;
		let seen = new Map();
		let polls = backfills;
		while (fresh.some((id) => !seen.has(id))) {
			assert.ok(Date.now() < deadline, `new sign-ups found: ${JSON.stringify([...seen])}`);
			polls += 1;
			const executions = await pollExecutions(created.id, polls);
			seen = new Map();
			for (const execution of executions.slice(backfills)) {
				for (const item of emitted(execution)) if (fresh.includes(item.tester.id)) seen.set(item.tester.id, (seen.get(item.tester.id) ?? 0) + 1);
			}
		}
		// Within one execution no tester comes twice (later sweeps may bring a tester again: the claim's job).
		for (const execution of await pollExecutions(created.id, polls)) {
			const ids = emitted(execution).map((item) => item.tester.id);
			assert.equal(new Set(ids).size, ids.length, `execution ${execution.id} emits a tester twice`);
		}
		const listRequests = api.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/betas/1/testers');
		assert.ok(listRequests.length > 0 && listRequests.every((r) => /^Bearer /.test(r.headers.authorization ?? '')), 'it lists through the credential');
	});

	// Issue 34 #4: n8n awaits one poll while it publishes. A Prefinery API that is down, hanging,
	// rate-limited or refusing the key must not hold or refuse the publish (on 1.x a failed activation
	// poll takes the whole workflow down, the webhook beside it included), and the catch-up resumes by
	// itself once the API is back.
	it('publishing beside an API that is down, hanging, rate-limited or refusing the key: the webhook answers 200, the catch-up resumes once the API is back', async () => {
		const { samplePayload } = await import('../dist/lib/samples.js');
		const faults = ['refused', 'hang', '429', '401'];
		const apis = Object.fromEntries(await Promise.all(faults.map(async (fault) => [fault, await faulty(fault)])));
		try {
			const flows = {};
			for (const fault of faults) {
				const credential = await n8n.api.createCredential(`Prefinery API (${fault})`, 'prefineryApi', { apiKey: api.apiKey, baseUrl: apis[fault].url });
				flows[fault] = await createTriggerWorkflow(n8n, webhookCredential, {}, {
					extraNodes: [
						{
							id: `catch-up-${fault}`,
							name: 'Prefinery Catch-Up Trigger',
							type: CATCH_UP_TYPE,
							typeVersion: 1,
							position: [0, 240],
							parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, project: { __rl: true, mode: 'id', value: '1' }, startFrom: 'wholeWaitlist' },
							credentials: { prefineryApi: { id: credential.id, name: credential.name } },
						},
					],
					connections: {
						'Prefinery Trigger': { main: [[{ node: 'Done', type: 'main', index: 0 }]] },
						'Prefinery Catch-Up Trigger': { main: [[{ node: 'Done', type: 'main', index: 0 }]] },
					},
				});
			}
			// Published (createTriggerWorkflow waited for the webhook's route): the webhook answers signed deliveries.
			for (const fault of faults) {
				const res = await send(flows[fault].urls.production, samplePayload('tester_created', 880_000 + faults.indexOf(fault)));
				assert.equal(res.status, 200, `${fault}: ${JSON.stringify(res.body)}`);
				const workflow = await n8n.api.call('GET', `/workflows/${flows[fault].id}`);
				assert.equal(workflow.active, true, `${fault}: the workflow is active`);
			}
			// Each activation poll ended, bounded, and said why (one line per workflow in n8n's log).
			const deadline = Date.now() + 120_000;
			let lines = [];
			while (lines.length < faults.length - 1 && Date.now() < deadline) {
				lines = readFileSync(n8n.logFile, 'utf8').split('\n').filter((line) => line.includes('its first poll, while the workflow was being published, did not finish'));
				await sleep(500);
			}
			// 'refused' fails at once, '401' and '429' at once, 'hang' at the bound: at least the three that answer or refuse.
			assert.ok(lines.length >= faults.length - 1, `activation warnings in n8n's log: ${lines.length}`);
			assert.ok(apis.hang.state.requests > 0, 'the hanging API was asked');
			// The API is back: each catch-up resumes by itself at its next poll (Poll Times: every minute).
			for (const fault of faults) await apis[fault].heal();
			for (const fault of faults) {
				const until = Date.now() + 240_000;
				for (;;) {
					const executions = await n8n.api.executions(flows[fault].id);
					const caughtUp = executions.flatMap(emitted);
					if (caughtUp.length >= EARLIER) {
						assert.ok(caughtUp.every((item) => item.source === 'catch_up'));
						break;
					}
					assert.ok(Date.now() < until, `${fault}: the catch-up brought ${caughtUp.length} of ${EARLIER} testers within 4 minutes of the API's return`);
					await sleep(1000);
				}
			}
			for (const fault of faults) await n8n.api.unpublish(flows[fault].id);
		} finally {
			for (const fault of faults) await apis[fault].close();
		}
	});

	// New Sign-Ups Only when the poll n8n awaits while publishing cannot read the list (a hung API, or a
	// machine so busy the poll meets its 5 s bound). n8n 2.x saves a poll's static data at the end of the
	// publish and with an execution, not after a poll that emitted nothing. What the trigger keeps first is
	// when it started, so:
	// - A: sign-ups made before the list is first read are not taken for "where the list stands": they come;
	// - B: unpublished and published again before any poll emitted, it starts from that same moment, not
	//   from the second publish: the sign-ups made in between come.
	it('New Sign-Ups Only published while the API hangs: the sign-ups made before the list is first read come once; unpublished and published again before any emit, those since the first publish come once', async () => {
		const run = async (tag) => {
			const mock = await startMockPrefineryApi({ testers: 30, testerOrder: 'newest-first' });
			const proxy = await faulty('hang', mock);
			try {
				const earlier = new Set(mock.state.testers.get(1).map((tester) => tester.id));
				const signUp = async (n) => {
					const res = await fetch(`${mock.url}/betas/1/testers`, {
						method: 'POST',
						headers: { authorization: `Bearer ${mock.apiKey}`, 'content-type': 'application/json' },
						body: JSON.stringify({ tester: { email: `late-${tag}-${n}@example.com` } }),
					});
					assert.equal(res.status, 201, await res.clone().text());
					return (await res.json()).id;
				};
				const credential = await n8n.api.createCredential(`Prefinery API (late ${tag})`, 'prefineryApi', { apiKey: mock.apiKey, baseUrl: proxy.url });
				const wf = await n8n.api.createWorkflow(catchUpTriggerWorkflow({ name: `Catch-up published while hanging (${tag})`, credential, parameters: { startFrom: 'newSignUps' } }));
				const linesOf = () =>
					readFileSync(n8n.logFile, 'utf8')
						.split('\n')
						.filter((line) => line.includes(`(id ${wf.id})`));
				const logSays = async (text, what) => {
					const deadline = Date.now() + 180_000;
					while (!linesOf().some((line) => line.includes(text))) {
						assert.ok(Date.now() < deadline, `${tag}: ${what}; its lines in n8n's log:\n${linesOf().slice(-10).join('\n')}`);
						await sleep(500);
					}
				};
				await n8n.api.publish(wf.id);
				await logSays('its first poll, while the workflow was being published, did not finish', 'the activation poll ended, said');
				// n8n saves the static data once the poll has returned (after the line above).
				let saved = null;
				for (const deadline = Date.now() + 60_000; !saved && Date.now() < deadline; ) {
					saved = await catchUpState(n8n, wf.id);
					if (!saved) await sleep(500);
				}
				assert.ok(saved?.settling === true && typeof saved.anchor === 'number', `${tag}: saved at the publish: ${JSON.stringify(saved)}`);
				await proxy.heal();
				let expected;
				if (tag === 'A') {
					expected = [await signUp(1), await signUp(2), await signUp(3)];
				} else {
					// The next poll reads the list (nothing new: nothing emitted, nothing saved), then unpublished.
					await logSays('the list stands at', 'a poll read where the list stands');
					await n8n.api.unpublish(wf.id);
					await n8n.api.unpublished(wf.id);
					expected = [await signUp(1), await signUp(2), await signUp(3)];
					await n8n.api.publish(wf.id);
				}
				const executions = await pollExecutions(wf.id, 1);
				const ids = executions.flatMap(emitted).map((item) => item.tester.id);
				assert.deepEqual([...ids].sort((a, b) => a - b), expected, `${tag}: each sign-up since the publish once, none from before`);
				assert.ok(ids.every((id) => !earlier.has(id)));
				await n8n.api.unpublish(wf.id);
			} finally {
				await proxy.close();
				await mock.close();
			}
		};
		await Promise.all([run('A'), run('B')]);
	});

	// The example's retry of open claims (issue 34 #6). One run of its schedule finds a claim tried 4 times
	// whose CRM call fails again (Record failure parks it at its 5th attempt), a claim tried 5 times whose
	// runs never finished ("Park claims tried 5 times" parks it) and an open claim the CRM accepts. Both
	// parkings happen in that one run, whatever the canvas order, and one alert names both with a short
	// reason; the CRM's answer stays in the claim's last_error, out of the alert and out of n8n's log.
	it('the example\'s retry of open claims: one run parks a claim whose 5th attempt failed and one whose 5th run never finished, and one alert names both, without the CRM\'s answer', async () => {
		const pg = await startPostgres({ log: (line) => process.stderr.write(`${line}\n`) });
		const CRM_ANSWER = 'the CRM failed';
		const failing = '9001';
		const crm = await startSink({ statusFor: (request) => (String(request.body?.tester_id) === failing ? 503 : 201) });
		try {
			await sql(pg.port, 'CREATE DATABASE app');
			await sql(pg.port, exampleSetupSql('prefinery-catch-up-postgres.json'), { database: 'app' });
			/** An open claim (test data: digits and fixed words), claimed an hour ago: stale for the retry. */
			const claim = (id, attempts, lastError) =>
				sql(pg.port, `INSERT INTO prefinery_claims (claim_key, tester_id, email, source, attempts, claimed_at, last_error) VALUES ('tester_created:${id}', '${id}', 'tester${id}@example.com', 'catch-up', ${attempts}, now() - interval '1 hour', ${lastError ? `'${lastError}'` : 'NULL'})`, { database: 'app' });
			await claim(failing, 4, 'earlier failure'); // the retry sends it a 5th time; the CRM fails again
			await claim('9002', 5, 'the CRM failed'); // its 5th run never finished (a crash): parked without a call
			await claim('9003', 2); // the retry sends it; the CRM accepts
			const pgCredential = await n8n.api.createCredential('Postgres (claims, catch-up example)', 'postgres', pg.n8nCredential('app'));
			const apiCredential = await n8n.api.createCredential('Prefinery (mock API, catch-up example)', 'prefineryApi', { apiKey: api.apiKey, baseUrl: api.url });
			const flow = await importExample(n8n, webhookCredential, 'prefinery-catch-up-postgres.json', {
				publish: false,
				patch: (workflow) => {
					for (const node of workflow.nodes) {
						if (node.credentials?.postgres) node.credentials.postgres = { id: pgCredential.id, name: pgCredential.name };
						if (node.credentials?.prefineryApi) node.credentials.prefineryApi = { id: apiCredential.id, name: apiCredential.name };
						if (node.type === CATCH_UP_TYPE) node.parameters.project = { ...node.parameters.project, value: '1' };
						if (node.name === 'Create CRM contact') node.parameters.url = crm.url;
					}
				},
			});
			const schedule = flow.workflow.nodes.find((node) => node.type === 'n8n-nodes-base.scheduleTrigger').name;
			const run = await runFromTrigger(n8n, flow, schedule);

			const claims = async () => Object.fromEntries((await sql(pg.port, 'SELECT tester_id, attempts, done_at IS NOT NULL AS done, parked_at IS NOT NULL AS parked, last_error FROM prefinery_claims', { database: 'app' })).rows.map((row) => [row.tester_id, row]));
			const after = await claims();
			assert.deepEqual(
				Object.fromEntries(Object.entries(after).map(([id, row]) => [id, { attempts: row.attempts, done: row.done, parked: row.parked }])),
				{ 9001: { attempts: 5, done: false, parked: true }, 9002: { attempts: 5, done: false, parked: true }, 9003: { attempts: 3, done: true, parked: false } },
				'one run parks both and sends the other',
			);
			assert.deepEqual(crm.requests.map((r) => [String(r.body.tester_id), r.status]).sort(), [[failing, 503], ['9003', 201]], 'the CRM was called for the two open claims, never for the one parked without a call');
			assert.match(after[failing].last_error, /503/, 'the claim keeps the CRM\'s error');
			assert.ok(after[failing].last_error.includes(CRM_ANSWER), `the claim keeps the CRM's answer: ${after[failing].last_error}`);

			// One alert: the execution failed at "Parked: tell someone", which ran once, naming both claims.
			assert.equal(run.status, 'error', 'the parked claims fail the execution');
			const runData = run.data?.resultData?.runData ?? {};
			const alert = run.data?.resultData?.error ?? {};
			assert.equal(alert.node?.name ?? run.data?.resultData?.lastNodeExecuted, 'Parked: tell someone');
			assert.equal(runData['Parked: tell someone']?.length, 1, 'one alert');
			const message = alert.message ?? '';
			process.stderr.write(`the alert: ${message}\n`);
			for (const key of ['tester_created:9001', 'tester_created:9002']) assert.ok(message.includes(key), `the alert names ${key}: ${message}`);
			assert.ok(!message.includes('9003'), `the alert names only the parked claims: ${message}`);
			assert.match(message, /^2 /, `the alert counts them: ${message}`);
			assert.match(message, /tester_created:9001[^;]*HTTP 503/, `the short reason of the failed call: ${message}`);
			assert.match(message, /tester_created:9002[^;]*no outcome after 5 attempts/, `the short reason of the run that never finished: ${message}`);
			assert.ok(!message.includes(CRM_ANSWER) && !message.includes('{'), `the alert carries no CRM answer: ${message}`);
			assert.equal(alert.description ?? null, null, `the alert is said once, in its message: ${JSON.stringify(alert.description)}`);
			// n8n's log: the lines of the alert carry the message only, never the CRM's answer. (n8n 2.41.1's
			// error reporter writes a Stop and Error message twice, for the node's error and the error it wraps;
			// 1.85 writes it once, 1.123 not at all.)
			const log = readFileSync(n8n.logFile, 'utf8').split('\n');
			const alertLines = log.filter((line) => line.includes('tester_created:9001'));
			process.stderr.write(`the alert's lines in n8n's log: ${alertLines.length}\n`);
			assert.deepEqual(alertLines.filter((line) => line.trim() !== message), [], 'each log line of the alert is the alert itself');
			assert.deepEqual(log.filter((line) => line.includes(CRM_ANSWER)), [], 'the CRM\'s answer is not in n8n\'s log');

			// A run with nothing to park still retries (an empty "Park claims tried 5 times" does not stop it).
			await claim('9004', 1);
			const calm = await runFromTrigger(n8n, flow, schedule);
			assert.equal(calm.status, 'success', JSON.stringify(calm.data?.resultData?.error?.message));
			assert.deepEqual({ done: (await claims())['9004'].done, calls: crm.requests.filter((r) => String(r.body.tester_id) === '9004').length }, { done: true, calls: 1 });
		} finally {
			await crm.close();
			await pg.stop();
		}
	});
});
