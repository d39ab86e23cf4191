// Shared set-up for the real-n8n suites: one n8n per test file, started on loopback with the packed
// package installed as a community package, plus helpers to build workflows and send signed events.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { logFileFor, logSince, logSize, packPackage, sleep, startN8n, waitForWebhook } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { TRIGGER_TYPE } from '../harness/examples.mjs';

// What the suites share with the commands users run (npm start, the benchmarks) lives in harness/;
// re-exported here for the suites.
export { CATCH_UP_TYPE, catchUpState, importExample, readJson, TRIGGER_TYPE } from '../harness/examples.mjs';
export { startSink } from '../harness/sink.mjs';

export const dist = (path) => import(join(ROOT, 'dist', path));

/**
 * Runs a command without holding the event loop (spawnSync does: for the seconds it ran, the suite's
 * kept-alive connections to n8n could not see n8n close them, and the next call failed on one):
 * { status, stdout, stderr }; killed after `timeout` ms when given.
 */
export function runCommand(command, args, { timeout, ...options } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
		const timer = timeout ? setTimeout(() => child.kill('SIGKILL'), timeout) : undefined;
		child.on('error', reject);
		child.on('close', (status, signal) => {
			clearTimeout(timer);
			resolve({ status, signal, stdout, stderr });
		});
	});
}
export const SECRET = 'whsec_e2e_' + 'k3y-not-for-production';
export const TRIGGER_NAME = 'Prefinery Trigger';

export async function startSuiteN8n() {
	const pack = packPackage();
	const n8n = await startN8n({ tarball: pack.tarball, log: (line) => process.stderr.write(`${line}\n`) });
	try {
		const credential = await n8n.api.createCredential('Prefinery Webhook (e2e)', 'prefineryWebhookApi', {
			webhookSigningSecret: SECRET,
		});
		return { n8n, credential, pack };
	} catch (error) {
		await n8n.dispose();
		throw error;
	}
}

let counter = 0;
/**
 * A workflow: Prefinery Trigger (with `parameters`, at `typeVersion`: 1 is how workflows saved before
 * 1.1 existed look) → No Operation. Returns its id and URLs.
 */
export async function createTriggerWorkflow(n8n, credential, parameters, { publish = true, extraNodes = [], connections, typeVersion = 1 } = {}) {
	const webhookId = `e2e-${Date.now().toString(36)}-${(counter += 1)}`;
	const workflow = await n8n.api.createWorkflow({
		name: `Prefinery e2e ${webhookId}`,
		nodes: [
			{
				id: `trigger-${webhookId}`,
				name: TRIGGER_NAME,
				type: TRIGGER_TYPE,
				typeVersion,
				position: [0, 0],
				webhookId,
				parameters,
				credentials: credential ? { prefineryWebhookApi: { id: credential.id, name: credential.name } } : {},
			},
			{ id: `noop-${webhookId}`, name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
			...extraNodes,
		],
		connections: connections ?? { [TRIGGER_NAME]: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	});
	const urls = {
		production: `${n8n.baseUrl}/webhook/${webhookId}/webhook`,
		test: `${n8n.baseUrl}/webhook-test/${webhookId}/webhook`,
	};
	if (publish) {
		await n8n.api.publish(workflow.id);
		await waitForWebhook(urls.production);
	}
	return { id: workflow.id, webhookId, urls };
}

/** POSTs `body` (string or object) signed with `secret` (null → no signature header). */
export async function send(url, body, { secret = SECRET, timestamp, headers = {}, contentType = 'application/json', signBody } = {}) {
	const { signatureHeader } = await dist('lib/signature.js');
	const raw = typeof body === 'string' ? body : JSON.stringify(body);
	const t = timestamp ?? Math.floor(Date.now() / 1000);
	const all = { 'content-type': contentType, ...headers };
	if (secret !== null) all['x-prefinery-signature'] = signatureHeader(secret, t, signBody ?? raw);
	const logFile = logFileFor(url);
	const mark = logFile ? logSize(logFile) : 0;
	const answer = await readAnswer(await fetch(url, { method: 'POST', headers: all, body: raw }));
	if (logFile && answer.status >= 500) {
		// n8n's own answer to a failure is a bare "There was a problem executing the workflow": what its log
		// said meanwhile (the error and its stack) goes into the text, so a failed assertion shows the cause.
		await sleep(500); // its log reaches the file through a pipe
		answer.text += `\n----- n8n's log while it answered ${answer.status} -----\n${logSince(logFile, mark)}`;
	}
	return answer;
}

/**
 * `res` is the expected answer; a mismatch may also be `mismatch_recheck_pending` (a second mismatch
 * within 5 s of the last credential re-read, also 429: docs/signature.md).
 */
export function assertAnswer(label, res, status, reason) {
	if (reason === 'mismatch' && res.json?.reason === 'mismatch_recheck_pending') {
		assert.equal(res.status, 429, `${label}: ${res.text}`);
		return;
	}
	assert.equal(res.status, status, `${label}: ${res.status} ${res.text}`);
	assert.equal(res.json?.reason, reason, `${label}: ${res.text}`);
}

/** An HTTP answer as { status, text, json } (json is null when the body is not JSON). */
export async function readAnswer(res) {
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {
		// not JSON
	}
	return { status: res.status, text, json };
}

export function outputItems(execution) {
	return execution.data?.resultData?.runData?.[TRIGGER_NAME]?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? [];
}

/** Waits until the workflow has at least `count` finished executions, then returns all of them. */
export async function waitForExecutions(n8n, workflowId, count, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	let executions = [];
	while (Date.now() < deadline) {
		// Count without execution data (cheap), then read the data once.
		executions = (await n8n.api.executions(workflowId, { includeData: false })).filter((e) => e.finished || e.status === 'success' || e.status === 'error');
		if (executions.length >= count) return n8n.api.executions(workflowId);
		await sleep(500);
	}
	throw new Error(`expected ${count} executions of ${workflowId}, found ${executions.length}`);
}

/**
 * "Execute workflow" from the trigger `triggerName` of `flow`, as in the editor; returns that run's
 * execution once it has finished (executions of other triggers are left out). `timeoutMs` ends a broken run.
 */
export async function runFromTrigger(n8n, flow, triggerName, timeoutMs = 300_000) {
	const known = new Set((await n8n.api.executions(flow.id, { includeData: false })).map((e) => e.id));
	await n8n.api.listen(flow.id, triggerName);
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const fresh = (await n8n.api.executions(flow.id, { includeData: false })).filter((e) => !known.has(e.id) && e.mode === 'manual');
		const done = fresh.find((e) => e.finished || e.status === 'success' || e.status === 'error');
		if (done) return (await n8n.api.executions(flow.id)).find((e) => e.id === done.id);
		await sleep(500);
	}
	throw new Error(`the run from "${triggerName}" did not finish within ${timeoutMs / 1000} s`);
}

const isSentinel = (execution) => outputItems(execution).some((item) => String(item.id).startsWith('sentinel-'));

/**
 * Sends a valid sentinel event and waits for its execution and every other one to stop: every request
 * sent before it has been answered, so what is recorded then is final for them. Returns the executions
 * that are not sentinels.
 */
export async function settle(n8n, workflow, { timeoutMs = 60_000 } = {}) {
	const { samplePayload } = await dist('lib/samples.js');
	const id = `sentinel-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	const res = await send(workflow.urls.production, samplePayload('tester_created', id));
	if (res.status !== 200 || res.json?.status !== 'accepted') throw new Error(`sentinel not accepted: ${res.status} ${res.text}`);
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		// The sentinel's execution can finish before an earlier one (they run side by side), and n8n's
		// public API lists an execution only once n8n has let go of it: wait until none is new or
		// running and the list holds every execution the database has (the list, with its data, is
		// read only once nothing runs).
		const counts = await n8n.api.executionCounts(workflow.id);
		if (counts.inProgress === 0) {
			const executions = await n8n.api.executions(workflow.id);
			if (counts.total === executions.length && executions.some((e) => outputItems(e).some((item) => item.id === id))) {
				return executions.filter((e) => !isSentinel(e));
			}
		}
		await sleep(200);
	}
	throw new Error(`sentinel execution for ${workflow.id} not recorded within ${timeoutMs} ms`);
}

/**
 * Waits until no execution of the workflow is new or running, twice in a row a second apart: only for a
 * workflow that starts nothing new meanwhile (no delivery on its way, no schedule or poll published), so
 * its count only falls. Each change of the count is logged. The bound is for a broken run, not a window:
 * `timeoutMs` with no execution ended (a loaded machine took over 180 s to finish the burst beside other
 * suites). When it is reached, the error names the executions still in progress (an execution n8n never
 * ends is a finding, not a delay).
 */
export async function quiet(n8n, workflowId, { timeoutMs = 600_000, log = () => {} } = {}) {
	let deadline = Date.now() + timeoutMs;
	let calm = 0;
	let last = -1;
	while (Date.now() < deadline) {
		const { inProgress } = await n8n.api.executionCounts(workflowId);
		if (inProgress !== last) log(`workflow ${workflowId}: ${inProgress} execution(s) new or running`);
		if (last >= 0 && inProgress < last) deadline = Date.now() + timeoutMs;
		last = inProgress;
		calm = inProgress === 0 ? calm + 1 : 0;
		if (calm >= 2) return;
		await sleep(1000);
	}
	const open = await n8n.api.executionsInProgress(workflowId);
	throw new Error(`executions of ${workflowId} still new or running, none ended for ${timeoutMs / 1000} s (${open.length} listed, the first 5: ${JSON.stringify(open.slice(0, 5))})`);
}
