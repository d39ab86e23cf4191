// The claim store under concurrent redeliveries (docs/catch-up.md, "Which claim store"): the webhook
// half of examples/prefinery-catch-up-postgres.json in a real n8n (single process, SQLite), its claim in
// PostgreSQL (`INSERT … ON CONFLICT`, as the example's note creates it) and the same workflow with its
// claim in an n8n Data table ("If row does not exist", then "Insert"). 40 sign-ups, each delivered 5
// times at the same moment: the Postgres claim lets each through to the CRM once; the Data table's
// check-then-insert lets copies through (what the README says of Data tables rests on it).
// Part of `npm run test:chaos` (with e2e/chaos.e2e.test.mjs); alone: `npm run test:e2e -- claims`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from '../harness/cluster.mjs';
import { packPackage, startN8n } from '../harness/n8n.mjs';
import { startPostgres } from '../harness/services.mjs';
import { exampleSetupSql } from '../harness/examples.mjs';
import { importExample, quiet, SECRET, send, startSink } from './support.mjs';

const began = Date.now();
/** Progress, with the seconds since the suite began. */
const log = (line) => process.stderr.write(`[claims] ${Math.round((Date.now() - began) / 1000)} s: ${line}\n`);

describe('claim stores: one call per sign-up under concurrent redeliveries', () => {
	let pg;
	let crm;
	let n8n;
	before(async () => {
		log('starting PostgreSQL (the claim store), the CRM sink and n8n');
		pg = await startPostgres({ log });
		await sql(pg.port, 'CREATE DATABASE app');
		// The claim table, exactly as the example's note tells the user to create it.
		await sql(pg.port, exampleSetupSql('prefinery-catch-up-postgres.json'), { database: 'app' });
		crm = await startSink();
		const pack = packPackage();
		// As in the chaos suite: executions that succeed are not kept (n8n's advice for busy production
		// workflows); the CRM counts instead.
		n8n = await startN8n({ tarball: pack.tarball, log, env: { EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'none' } });
	});
	after(async () => {
		await n8n?.dispose();
		await pg?.stop();
		await crm?.close();
	});

	it('the example\'s Postgres claim lets each sign-up through once under concurrent redeliveries; a Data table check-then-insert does not', async () => {
		const pgCredential = await n8n.api.createCredential('Postgres (claims)', 'postgres', pg.n8nCredential('app'));
		const webhookCredential = await n8n.api.createCredential('Prefinery Webhook (claims)', 'prefineryWebhookApi', { webhookSigningSecret: SECRET });
		const personal = (await n8n.api.rest('GET', '/projects/personal')).data;
		const table = (await n8n.api.rest('POST', `/projects/${personal.id}/data-tables`, { name: 'prefinery_claims', columns: [{ name: 'claim_key', type: 'string' }] })).data;

		// The webhook half of the example: the claim under concurrent deliveries. The Catch-Up Trigger and the
		// retry of open claims are taken out (they would bring the suite's other testers in).
		const point = (workflow, path) => {
			const catchUpHalf = ['Prefinery Catch-Up Trigger', 'Sign-up from the catch-up', 'Every 15 minutes: retry open claims', 'Retry open claims', 'Park claims tried 5 times'];
			assert.ok(catchUpHalf.every((name) => workflow.nodes.some((node) => node.name === name)), 'the example has its catch-up half');
			workflow.nodes = workflow.nodes.filter((node) => !catchUpHalf.includes(node.name));
			for (const name of catchUpHalf) delete workflow.connections[name];
			for (const node of workflow.nodes) {
				if (node.credentials?.postgres) node.credentials.postgres = { id: pgCredential.id, name: pgCredential.name };
				if (node.name === 'Create CRM contact') node.parameters.url = `${crm.url}/${path}`;
			}
		};
		const postgres = await importExample(n8n, webhookCredential, 'prefinery-catch-up-postgres.json', { patch: (workflow) => point(workflow, 'postgres') });
		// The same workflow with the claim in an n8n Data table, the way the Data table node allows it:
		// "If row does not exist" (claim_key), then "Insert" it. There is no unique column to lean on.
		const dataTable = await importExample(n8n, webhookCredential, 'prefinery-catch-up-postgres.json', {
			patch: (workflow) => {
				point(workflow, 'data-table');
				const tableRef = { __rl: true, mode: 'id', value: table.id };
				const claim = workflow.nodes.find((node) => node.name === 'Claim');
				Object.assign(claim, {
					type: 'n8n-nodes-base.dataTable',
					typeVersion: 1.1,
					credentials: undefined,
					parameters: { resource: 'row', operation: 'rowNotExists', dataTableId: tableRef, matchType: 'allConditions', filters: { conditions: [{ keyName: 'claim_key', condition: 'eq', keyValue: '={{ $json.claim_key }}' }] } },
				});
				const insert = workflow.nodes.find((node) => node.name === 'Claimed by this run');
				Object.assign(insert, {
					type: 'n8n-nodes-base.dataTable',
					typeVersion: 1.1,
					parameters: {
						resource: 'row',
						operation: 'insert',
						dataTableId: tableRef,
						columns: {
							mappingMode: 'defineBelow',
							value: { claim_key: '={{ $json.claim_key }}' },
							matchingColumns: [],
							schema: [{ id: 'claim_key', displayName: 'claim_key', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true }],
						},
						options: {},
					},
				});
				// The CRM call reads the claim from the item the Insert passes on.
				const crmNode = workflow.nodes.find((node) => node.name === 'Create CRM contact');
				crmNode.parameters.jsonBody = "={{ JSON.stringify({ claim_key: $json.claim_key, tester_id: $('Sign-up from the webhook').item.json.tester_id }) }}";
				workflow.nodes = workflow.nodes.filter((node) => node.name !== 'Mark done');
				delete workflow.connections['Create CRM contact'];
			},
		});

		// 40 sign-ups, each delivered 5 times at the same moment (Prefinery retrying a delivery n8n
		// answered too late, several webhook processes, a replay): the claim decides who goes on.
		const { samplePayload } = await import('../dist/lib/samples.js');
		const KEYS = 40;
		const COPIES = 5;
		for (const [name, flow] of [['postgres', postgres], ['data-table', dataTable]]) {
			const sends = [];
			for (let k = 0; k < KEYS; k += 1) {
				const event = samplePayload('tester_created', 5_500_000 + k);
				event.data.id = 66_000 + k;
				for (let c = 0; c < COPIES; c += 1) sends.push(send(flow.urls.production, event));
			}
			const answers = await Promise.all(sends);
			assert.ok(answers.every((a) => a.status === 200), `${name}: every delivery answered 200`);
			await quiet(n8n, flow.id);
		}
		const ids = Array.from({ length: KEYS }, (_, k) => String(66_000 + k));
		const count = (path) => {
			const calls = new Map();
			for (const request of crm.requests.filter((r) => r.url === `/${path}`)) calls.set(String(request.body.tester_id), (calls.get(String(request.body.tester_id)) ?? 0) + 1);
			return { lost: ids.filter((id) => !calls.has(id)).length, doubled: ids.filter((id) => calls.get(id) > 1).length, calls: [...calls.values()].reduce((a, b) => a + b, 0) };
		};
		const report = { postgres: count('postgres'), dataTable: count('data-table') };
		process.stderr.write(`claim stores, ${KEYS} sign-ups × ${COPIES} concurrent deliveries: ${JSON.stringify(report)}\n`);
		assert.deepEqual(report.postgres, { lost: 0, doubled: 0, calls: KEYS });
		assert.equal(report.dataTable.lost, 0);
		// What the README says of Data tables rests on this: a check-then-insert lets copies through.
		assert.ok(report.dataTable.doubled > 0, `Data table claim doubled none: ${JSON.stringify(report.dataTable)}`);
	});
});
