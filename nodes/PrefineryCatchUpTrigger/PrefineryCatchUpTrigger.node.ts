/**
 * Prefinery Catch-Up Trigger (issue 24): a polling trigger that finds the testers the webhook did not
 * deliver (a workflow unpublished for an hour, n8n down for a day, a lost delivery) and backfills the
 * testers from before the workflow existed, using a bounded share of Prefinery's tester-list budget.
 * The plan of each poll (order detection, head, sweep, budget) is the pure module `lib/catch-up.ts`;
 * this node reads the parameters, keeps the planner's state in the workflow's static data, fetches
 * pages through the shared API client (paced by the process-wide rate limiter) and turns each tester
 * into the item a webhook `tester_created` event gives (Typed Event output).
 *
 * Never twice at once: n8n runs a polling trigger's `poll()` on the main process only (the leader in
 * multi-main setups), also in queue mode; a poll still running when the next is due (a slow Prefinery,
 * waits for the rate limit) makes the next one skip, keyed by workflow id + node id.
 */
import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { numericId } from '../../lib/api';
import {
	catchUpPoll,
	DEFAULT_BATCH_SIZE,
	DEFAULT_SHARE_PERCENT,
	newestTester,
	paginationOf,
	readState,
	type FetchPage,
	type Tester,
} from '../../lib/catch-up';
import { normalizeEvent } from '../../lib/normalize';
import { sharedRateLimiter } from '../../lib/rate-limit';
import { PROJECT_LOCATOR } from '../shared/projectLocators';
import { DEFAULT_MAX_WAIT_SECONDS, prefineryApiRequest, searchProjects } from '../shared/transport';

/** Polls under way in this process, by workflow id + node id. */
const running = new Set<string>();

/** The item a webhook `tester_created` event gives (Typed Event), marked as coming from the catch-up. */
export function catchUpItem(tester: Tester, projectId: string): IDataObject {
	const event = normalizeEvent(
		{ id: null, type: 'tester_created', data: tester as JsonObject, created_at: tester.created_at },
		{ signatureVerified: false },
	);
	const { id, type, ...rest } = event;
	// No event id (the list has none): a downstream claim keys on the tester id instead.
	return {
		id,
		type,
		source: 'catch_up',
		...rest,
		project_id: rest.project_id ?? (/^\d+$/.test(projectId) ? Number(projectId) : projectId),
	} as IDataObject;
}

export class PrefineryCatchUpTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Prefinery Catch-Up Trigger',
		name: 'prefineryCatchUpTrigger',
		icon: { light: 'file:../../icons/prefinery.svg', dark: 'file:../../icons/prefinery.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "Project " + ($parameter["project"].value || "?") + ", " + $parameter["budgetShare"] + " % of the list budget" }}',
		description:
			'Finds Prefinery testers the webhook missed, and backfills earlier ones, within a share of the API budget',
		defaults: { name: 'Prefinery Catch-Up Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'prefineryApi', required: true }],
		properties: [
			{
				displayName:
					'Emits one item per tester, shaped like the Prefinery Trigger\'s Tester Created event (Typed Event) with <code>source: "catch_up"</code>, no event ID (claim on the tester\'s ID instead, as the catch-up example does) and the tester\'s creation time as <code>created_at</code>. A tester may come more than once (the sweep re-lists the waitlist as a safety net): put a claim after this node. Set Poll Times to every 15 minutes.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Project',
				name: 'project',
				required: true,
				description: 'The Prefinery project (beta) whose testers to catch up',
				...PROJECT_LOCATOR,
			},
			{
				displayName: 'API Budget Share (%)',
				name: 'budgetShare',
				type: 'number',
				default: DEFAULT_SHARE_PERCENT,
				typeOptions: { minValue: 1, maxValue: 50 },
				description:
					'Share of the project\'s tester-list limit (60 requests a minute) this trigger may use, on average: 10 % = at most 8,640 pages (216,000 testers) a day. The rest stays for the Prefinery node and other apps.',
			},
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				default: DEFAULT_BATCH_SIZE,
				typeOptions: { minValue: 25, maxValue: 5000 },
				description:
					'The most testers one poll emits (one execution). A larger gap or the first backfill is spread over the next polls.',
			},
		],
	};

	methods = {
		listSearch: { searchProjects },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const node = this.getNode();
		const raw = this.getNodeParameter('project', '', { extractValue: true });
		const check = numericId(raw, 'project ID');
		if (!check.ok) throw new NodeOperationError(node, check.message);
		const project = check.segment;
		const path = `/betas/${project}/testers`;
		const fetchPage: FetchPage = async (page) => {
			const response = await prefineryApiRequest.call(this, 'GET', path, undefined, { page }, {
				maxWaitMs: DEFAULT_MAX_WAIT_SECONDS * 1000,
			});
			if (!Array.isArray(response.body)) {
				throw new NodeApiError(node, { message: 'Unexpected response' } as JsonObject, {
					message: `Prefinery answered GET ${path} (page ${page}) with something other than a list`,
					description: `Status ${response.statusCode}. Check the credential's API Base URL (it should end in /api/v2).`,
					httpCode: String(response.statusCode),
				});
			}
			return { testers: response.body as Tester[], pagination: paginationOf(response.paginationHeader) };
		};

		// "Fetch Test Event": the newest tester, no state change.
		if (this.getMode() === 'manual') {
			const newest = await newestTester(fetchPage);
			if (!newest) return null;
			return [[{ json: catchUpItem(newest, project) }]];
		}

		const key = `${this.getWorkflow().id ?? ''}:${node.id}`;
		if (running.has(key)) {
			this.logger.info(`Prefinery Catch-Up: the previous poll of "${node.name}" is still running; this one is skipped`);
			return null;
		}
		running.add(key);
		try {
			const staticData = this.getWorkflowStaticData('node');
			const clock = sharedRateLimiter().clock;
			const now = clock.wallNow ? clock.wallNow() : clock.now();
			const outcome = await catchUpPoll(
				readState(staticData.catchUp),
				{
					sharePercent: Number(this.getNodeParameter('budgetShare', DEFAULT_SHARE_PERCENT)),
					batchSize: Number(this.getNodeParameter('batchSize', DEFAULT_BATCH_SIZE)),
					now,
				},
				fetchPage,
			);
			// Only a poll that finished moves the state (an error leaves it: the next poll repeats the work).
			staticData.catchUp = outcome.state as unknown as IDataObject;
			for (const warning of outcome.warnings) this.logger.warn(`Prefinery Catch-Up "${node.name}": ${warning}`);
			this.logger.info(`Prefinery Catch-Up "${node.name}": ${outcome.notes.join('; ')}`);
			if (outcome.testers.length === 0) return null;
			return [outcome.testers.map((tester) => ({ json: catchUpItem(tester, project) }))];
		} finally {
			running.delete(key);
		}
	}
}
