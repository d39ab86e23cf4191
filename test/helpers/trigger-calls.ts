/** Calls of the trigger's webhook() with a mocked IWebhookFunctions (see webhook-context.ts). */
import { PrefineryTrigger } from '../../nodes/PrefineryTrigger/PrefineryTrigger.node';
import { bytes, signedHeader } from './signing';
import { webhookContext, type WebhookCall } from './webhook-context';

export const SECRET = 'whsec_node_test_secret_value';
export const node = new PrefineryTrigger();

let workflowCounter = 0;
/** A fresh workflow id per test, so the process-wide duplicate memory never leaks between tests. */
export const freshWorkflow = () => `wf-${++workflowCounter}`;

export function nowSeconds() {
	return Math.floor(Date.now() / 1000);
}

export function post(body: unknown, call: WebhookCall = {}, secret = SECRET): WebhookCall {
	const rawBody = Buffer.isBuffer(body) ? body : bytes(body);
	let parsed: unknown = {};
	try {
		parsed = JSON.parse(rawBody.toString('utf8'));
	} catch {
		parsed = {};
	}
	return {
		workflowId: freshWorkflow(),
		rawBody,
		body: parsed,
		headers: {
			'content-type': 'application/json',
			'x-prefinery-signature': signedHeader(secret, nowSeconds(), rawBody),
		},
		credentials: { webhookSigningSecret: SECRET },
		...call,
	};
}

export async function run(call: WebhookCall) {
	const context = webhookContext(call);
	const result = await node.webhook.call(context.ctx);
	return { ...context, result };
}
