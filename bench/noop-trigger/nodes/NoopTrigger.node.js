'use strict';
// Benchmark baseline: a community webhook trigger that does nothing but emit the parsed body.
// Same shape as the Prefinery Trigger (version 1, POST, onReceived), none of its work.
class NoopTrigger {
	constructor() {
		this.description = {
			displayName: 'Noop Trigger',
			name: 'noopTrigger',
			group: ['trigger'],
			version: 1,
			description: 'Benchmark baseline',
			defaults: { name: 'Noop Trigger' },
			inputs: [],
			outputs: ['main'],
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'webhook' }],
			properties: [],
		};
	}
	async webhook() {
		return { workflowData: [[{ json: this.getBodyData() }]], webhookResponse: { status: 'accepted' } };
	}
}
module.exports = { NoopTrigger };
