// What a careful user builds from n8n's core nodes instead of the Prefinery Trigger, the baseline of
// the stream bench (scripts/bench-stream.mjs) and of the chaos suite (e2e/chaos.e2e.test.mjs):
// Webhook (answers at once, its default) → Crypto HMAC-SHA256 with a Crypto credential over `t.` + the
// re-serialised body (core nodes do not see the raw bytes) → Filter (signature matches and the event
// type is wanted) → Remove Duplicates (event id, seen in earlier executions) → the side effect.

/** Chains nodes in order, left to right. */
export function linearWorkflow(name, nodes) {
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i += 1) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { name, nodes: nodes.map((node, i) => ({ ...node, position: [i * 240, 0] })), connections, settings: { executionOrder: 'v1' } };
}

/**
 * The core-node workflow (not yet created or published; its Webhook listens on `path`).
 * `sideEffect(bodyExpression)` returns the last node, given the expression of the delivered body
 * (`$json.body`), from which it picks its id; `wanted` lists the event types the Filter keeps.
 */
export function coreNodeWorkflow({ name, path, cryptoCredential, wanted, sideEffect }) {
	const boolean = { type: 'boolean', operation: 'true', singleValue: true };
	return linearWorkflow(name, [
		{ id: 'wh', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, webhookId: path, parameters: { httpMethod: 'POST', path, options: {} } },
		{
			id: 'hmac',
			name: 'HMAC',
			type: 'n8n-nodes-base.crypto',
			typeVersion: 2,
			parameters: {
				action: 'hmac',
				type: 'SHA256',
				binaryData: false,
				value: "={{ String($json.headers['x-prefinery-signature'] || '').replace(/^t=(\\d+),.*$/, '$1') + '.' + JSON.stringify($json.body) }}",
				dataPropertyName: 'hmac',
				encoding: 'hex',
			},
			credentials: { crypto: { id: cryptoCredential.id, name: cryptoCredential.name } },
		},
		{
			id: 'check',
			name: 'Signed and wanted',
			type: 'n8n-nodes-base.filter',
			typeVersion: 2.2,
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
					conditions: [
						{ id: 'sig', leftValue: "={{ String($json.headers['x-prefinery-signature'] || '').split(',').includes('v1=' + $json.hmac) }}", rightValue: '', operator: boolean },
						{ id: 'type', leftValue: `={{ ${JSON.stringify(wanted)}.includes($json.body.type) }}`, rightValue: '', operator: boolean },
					],
					combinator: 'and',
				},
				options: {},
			},
		},
		{
			id: 'rd',
			name: 'Remove Duplicates',
			type: 'n8n-nodes-base.removeDuplicates',
			typeVersion: 2,
			parameters: { operation: 'removeItemsSeenInPreviousExecutions', logic: 'removeItemsWithAlreadySeenKeyValues', dedupeValue: '={{ $json.body.id }}', options: { scope: 'workflow' } },
		},
		sideEffect('$json.body'),
	]);
}
