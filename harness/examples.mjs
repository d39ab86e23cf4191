// The example workflows in examples/, as a user imports them: for the suites, npm start and the benchmarks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForWebhook } from './n8n.mjs';
import { ROOT } from './runtime.mjs';

export const TRIGGER_TYPE = 'n8n-nodes-prefinery.prefineryTrigger';

export function readJson(path) {
	return JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
}

/**
 * Loads an example workflow from examples/, points its credential at `credential`, gives the
 * trigger a unique webhookId and applies `patch(workflow)`; creates and (optionally) publishes it.
 */
export async function importExample(n8n, credential, file, { patch = () => {}, publish = true, webhookId } = {}) {
	const workflow = readJson(join('examples', file));
	const trigger = workflow.nodes.find((node) => node.type === TRIGGER_TYPE);
	trigger.webhookId = webhookId ?? `${trigger.webhookId}-${Date.now().toString(36)}`;
	for (const node of workflow.nodes) {
		if (node.credentials?.prefineryWebhookApi) node.credentials.prefineryWebhookApi = { id: credential.id, name: credential.name };
	}
	patch(workflow);
	const created = await n8n.api.createWorkflow({ name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings });
	if (workflow.pinData) {
		// n8n's public API takes no pinned data: save it the way the editor does, so the workflow opens with
		// the example's sample pinned on the trigger, as "Import → From file" gives it.
		const saved = (await n8n.api.rest('GET', `/workflows/${created.id}`)).data;
		await n8n.api.rest('PATCH', `/workflows/${created.id}`, { versionId: saved.versionId, pinData: workflow.pinData });
	}
	const urls = {
		production: `${n8n.baseUrl}/webhook/${trigger.webhookId}/webhook`,
		test: `${n8n.baseUrl}/webhook-test/${trigger.webhookId}/webhook`,
	};
	if (publish) {
		await n8n.api.publish(created.id);
		await waitForWebhook(urls.production);
	}
	return { id: created.id, urls, workflow };
}

/** The SQL a user runs once, as the example workflow's note gives it (its ```sql block). */
export function exampleSetupSql(file) {
	const workflow = readJson(join('examples', file));
	const note = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.stickyNote' && /```sql/.test(node.parameters.content));
	const match = note && /```sql\n([\s\S]*?)```/.exec(note.parameters.content);
	if (!match) throw new Error(`examples/${file}: no \`\`\`sql block in a note`);
	return match[1].trim();
}

export const CATCH_UP_TYPE = 'n8n-nodes-prefinery.prefineryCatchUpTrigger';

/**
 * The Prefinery Catch-Up Trigger's planner state (lib/catch-up.ts: watermark, sweep rounds, order) as n8n
 * last saved it in the workflow's static data (n8n saves it when a poll emits), or null before any.
 */
export async function catchUpState(n8n, workflowId) {
	const workflow = await n8n.api.call('GET', `/workflows/${workflowId}`);
	const data = typeof workflow.staticData === 'string' ? JSON.parse(workflow.staticData) : workflow.staticData;
	const entry = Object.entries(data ?? {}).find(([key, value]) => key.startsWith('node:') && value?.catchUp);
	return entry ? entry[1].catchUp : null;
}

/**
 * A workflow of the Prefinery Catch-Up Trigger (project 1, polling every minute: the shortest n8n allows
 * a polling trigger) followed by a No Op, for the suites and benchmarks that measure the trigger alone.
 */
export function catchUpTriggerWorkflow({ name, credential, parameters = {} }) {
	return {
		name,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'catch-up',
				name: 'Prefinery Catch-Up Trigger',
				type: CATCH_UP_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, project: { __rl: true, mode: 'id', value: '1' }, ...parameters },
				credentials: { prefineryApi: { id: credential.id, name: credential.name } },
			},
			{ id: 'next', name: 'Next', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
		],
		connections: { 'Prefinery Catch-Up Trigger': { main: [[{ node: 'Next', type: 'main', index: 0 }]] } },
	};
}
