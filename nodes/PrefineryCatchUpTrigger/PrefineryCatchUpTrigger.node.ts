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
import type { IDataObject, INode, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { numericId, parsePagination } from '../../lib/api';
import { checkBaseUrl } from '../../lib/base-url';
import {
	catchUpPoll,
	DAY_MS,
	DEFAULT_BATCH_SIZE,
	DEFAULT_SHARE_PERCENT,
	DEFAULT_SWEEP_DAYS,
	initialState,
	newestTester,
	readState,
	type FetchPage,
	type StartFrom,
	type Tester,
} from '../../lib/catch-up';
import { normalizeEvent } from '../../lib/normalize';
import { originLabel } from '../../lib/rejections';
import { sharedRateLimiter } from '../../lib/rate-limit';
import { PROJECT_LOCATOR } from '../shared/projectLocators';
import { DEFAULT_MAX_WAIT_SECONDS, DEFAULT_TIMEOUT_SECONDS, notAListError, prefineryApiRequest, searchProjects } from '../shared/transport';

/** Polls under way in this process, by workflow id + node id. */
const running = new Set<string>();
/** Requests sent by polls that threw (their state was not saved), charged to the next poll. */
const unpaid = new Map<string, number>();

/**
 * The poll contexts this process has polled with. n8n (1.85 to 2.41) makes one poll context when it
 * activates a workflow, awaits one poll on it as part of publishing, and reuses it for every poll that
 * follows: the first poll on a context is the activation's.
 */
const polledContexts = new WeakSet<object>();
/**
 * The activation's poll is bounded to this, and never fails the publish: n8n awaits it while it
 * publishes (the editor shows "Publishing…"), an error there refuses the catch-up on 2.x ("partially
 * published") and, on 1.x, the whole workflow, the webhook beside it included. A Prefinery API that is
 * down, hanging, rate-limited or refusing the key is logged, and the next poll tries again.
 */
export const ACTIVATION_BOUND_MS = 5_000;

/** A poll's time bound where n8n gives none (n8n-workflow before 2.41 has no getPollBudgetMs). */
export const POLL_BOUND_MS = 60_000;
/** "Fetch Test Event": the whole answer within this (each request at most MANUAL_REQUEST_MS). */
export const MANUAL_BOUND_MS = 12_000;
export const MANUAL_REQUEST_MS = 5_000;

/** The poll's time budget: n8n's own where it has one (n8n-workflow 2.41), at most POLL_BOUND_MS. */
export function pollBudgetMs(ctx: { getPollBudgetMs?: unknown }): number {
	const fn = ctx.getPollBudgetMs;
	const given = typeof fn === 'function' ? Number((fn as () => unknown).call(ctx)) : NaN;
	return Number.isFinite(given) && given > 0 ? Math.min(given * 0.8, POLL_BOUND_MS) : POLL_BOUND_MS;
}

/**
 * A view of n8n's poll context for one poll: its HTTP helper counts the requests sent (429 retries
 * included) and its cancel signal ends the poll at its deadline. Everything else is n8n's context.
 */
function pollView(ctx: IPollFunctions, signal: AbortSignal): { view: IPollFunctions; sent: () => number } {
	let sent = 0;
	const base = ctx.helpers;
	const helpers = Object.create(base) as IPollFunctions['helpers'];
	helpers.httpRequestWithAuthentication = async function (
		this: IPollFunctions,
		...args: Parameters<IPollFunctions['helpers']['httpRequestWithAuthentication']>
	) {
		sent += 1;
		return await base.httpRequestWithAuthentication.apply(this, args);
	};
	const view = Object.create(ctx, {
		helpers: { value: helpers },
		getExecutionCancelSignal: { value: () => signal },
	}) as IPollFunctions;
	return { view, sent: () => sent };
}
/** The item a webhook `tester_created` event gives (Typed Event), marked as coming from the catch-up. */
export function catchUpItem(tester: Tester, projectId: string): IDataObject {
	const event = normalizeEvent(
		{
			id: null,
			type: 'tester_created',
			data: tester as JsonObject,
			created_at: tester.created_at,
		},
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
		icon: {
			light: 'file:../../icons/prefinery.svg',
			dark: 'file:../../icons/prefinery.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		// n8n's $parameter gives a resource locator's value (not the {__rl, mode, value} object).
		subtitle: '={{ "Project " + ($parameter["project"] || "?") + ", " + $parameter["budgetShare"] + " % of the list budget" }}',
		description: 'Finds Prefinery testers the webhook missed, and backfills earlier ones, within a share of the API budget',
		defaults: { name: 'Prefinery Catch-Up Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'prefineryApi', required: true }],
		properties: [
			{
				displayName:
					"Emits one item per tester, shaped like the Prefinery Trigger's Tester Created event (Typed Event) with <code>source: \"catch_up\"</code>, no event ID (claim on the tester's ID instead, as the catch-up example does) and the tester's creation time as <code>created_at</code>. Each new tester comes once; a tester comes again only with the safety sweep (every 7 days by default), so use a create-or-update or a claim after this node. Set Poll Times to every 15 minutes.",
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
				displayName: 'Start From',
				name: 'startFrom',
				type: 'options',
				default: 'newSignUps',
				options: [
					{
						name: 'New Sign-Ups Only',
						value: 'newSignUps',
						description: 'The testers already on the list stay out; every later sign-up comes once. When the publish could not read the list, the first poll that does brings the sign-ups made since the publish.',
					},
					{
						name: 'The Whole Waitlist',
						value: 'wholeWaitlist',
						description: 'Every tester already on the list comes once (spread over polls by Batch Size), then new sign-ups',
					},
					{
						name: 'Sign-Ups Since',
						value: 'since',
						description: 'The testers created since a date come once, then new sign-ups',
					},
				],
				description: 'What the first poll starts from. Changing it (or the Project) starts afresh from that point.',
			},
			{
				displayName: 'Since',
				name: 'since',
				type: 'dateTime',
				default: '',
				required: true,
				displayOptions: { show: { startFrom: ['since'] } },
				description: 'Testers whose creation time (created_at) is at or after this come first',
			},
			{
				displayName: 'Safety Sweep Every (Days)',
				name: 'safetySweepDays',
				type: 'number',
				default: DEFAULT_SWEEP_DAYS,
				typeOptions: { minValue: 0, maxValue: 365 },
				description:
					'How often the whole waitlist is listed again, each tester once, to bring back what n8n could not save (a crash between a poll and its execution) or a sign-up the list hid. 0 = never. Each round costs one request per 25 testers and one item per tester downstream.',
			},
			{
				displayName: 'API Budget Share (%)',
				name: 'budgetShare',
				type: 'number',
				default: DEFAULT_SHARE_PERCENT,
				typeOptions: { minValue: 1, maxValue: 50 },
				description:
					"Share of the project's tester-list limit (60 requests a minute) this trigger may use, on average: 10 % = at most 8,640 pages (216,000 testers) a day. The rest stays for the Prefinery node and other apps.",
			},
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				default: DEFAULT_BATCH_SIZE,
				typeOptions: { minValue: 25, maxValue: 5000 },
				description: 'The most testers one poll emits (one execution). A larger gap or the first backfill is spread over the next polls.',
			},
		],
	};

	methods = {
		listSearch: { searchProjects },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const node = this.getNode();
		// Each log line names the node and its workflow: n8n's text log prints only the message.
		const label = `Prefinery Catch-Up "${node.name}"${originLabel(this.getWorkflow())}`;
		const manual = this.getMode() === 'manual';
		const activating = !manual && !polledContexts.has(this);
		polledContexts.add(this);
		const raw = this.getNodeParameter('project', '', { extractValue: true });
		const check = numericId(raw, 'project ID');
		if (!check.ok) {
			// A template published before its Project was set: on 1.x a throw here would refuse the whole
			// workflow, the webhook included. Said in the log at the publish, a failed poll after it.
			if (activating) {
				this.logger.warn(`${label}: not polling until its Project is set: ${check.message}`);
				return null;
			}
			throw new NodeOperationError(node, check.message);
		}
		const project = check.segment;
		const path = `/betas/${project}/testers`;
		const clock = sharedRateLimiter().clock;
		const now = () => (clock.wallNow ? clock.wallNow() : clock.now());
		const boundMs = manual
			? MANUAL_BOUND_MS
			: Math.min(pollBudgetMs(this as unknown as { getPollBudgetMs?: unknown }), activating ? ACTIVATION_BOUND_MS : Infinity);
		const started = now();
		const timeLeftMs = () => started + boundMs - now();
		// A request under way at the deadline is abandoned (real time: the deadline of a hung host).
		const { view, sent } = pollView(this, AbortSignal.timeout(boundMs + 1000));
		const fetchPage: FetchPage = async (page) => {
			const before = sent();
			const left = Math.max(1000, timeLeftMs());
			const response = await prefineryApiRequest.call(
				view,
				'GET',
				path,
				undefined,
				{ page },
				{
					maxWaitMs: Math.min(manual ? MANUAL_REQUEST_MS : DEFAULT_MAX_WAIT_SECONDS * 1000, Math.max(0, left - 1000)),
					timeoutMs: Math.min(manual ? MANUAL_REQUEST_MS : DEFAULT_TIMEOUT_SECONDS * 1000, left),
				},
			);
			if (!Array.isArray(response.body)) throw notAListError.call(view, path, page, response);
			const pagination = parsePagination(response.paginationHeader);
			return {
				testers: response.body as Tester[],
				pagination: {
					pages: pagination.pages,
					total_count: pagination.totalCount,
				},
				requests: Math.max(1, sent() - before),
			};
		};

		// "Fetch Test Event": the newest tester, no state change, an answer within MANUAL_BOUND_MS.
		if (manual) {
			try {
				const newest = await newestTester(fetchPage);
				if (!newest) return null;
				return [[{ json: catchUpItem(newest, project) }]];
			} catch (error) {
				const credentials = await this.getCredentials('prefineryApi').catch(() => ({}) as IDataObject);
				const base = checkBaseUrl(credentials.baseUrl);
				const host = base.ok ? base.origin : 'the API Base URL';
				throw new NodeOperationError(
					node,
					`Prefinery at ${host} did not give the tester list within ${MANUAL_BOUND_MS / 1000} s: ${(error as Error).message}`,
					{
						description:
							`Check that ${host} is reachable from n8n and that the Prefinery API credential's API Base URL and key are right. ${(error as { description?: string }).description ?? ''}`.trim(),
					},
				);
			}
		}

		const key = `${this.getWorkflow().id ?? ''}:${node.id}`;
		if (running.has(key)) {
			this.logger.info(`${label}: the previous poll is still running; this one is skipped`);
			return null;
		}
		running.add(key);
		let outcome: { items: INodeExecutionData[][] | null } | { error: unknown };
		try {
			outcome = await catchUpOnce.call(this, { node, label, project, key, now, timeLeftMs, fetchPage, sent }).then(
				(items) => ({ items }),
				(error: unknown) => ({ error }),
			);
		} finally {
			running.delete(key);
		}
		if ('items' in outcome) return outcome.items;
		if (activating) {
			this.logger.warn(
				`${label}: its first poll, while the workflow was being published, did not finish (${(outcome.error as Error).message}); the publish goes on, the webhook answers as usual, and the next poll (Poll Times) tries again`,
			);
			return null;
		}
		if (outcome.error instanceof NodeApiError || outcome.error instanceof NodeOperationError) throw outcome.error;
		throw new NodeOperationError(node, outcome.error as Error);
	}
}

interface PollRun {
	node: INode;
	/** The node and its workflow, for log lines. */
	label: string;
	project: string;
	key: string;
	now: () => number;
	timeLeftMs: () => number;
	fetchPage: FetchPage;
	sent: () => number;
}

/** One scheduled poll: the state read, the planner run, the state kept, the testers emitted. */
async function catchUpOnce(
	this: IPollFunctions,
	{ node, label, project, key, now, timeLeftMs, fetchPage, sent }: PollRun,
): Promise<INodeExecutionData[][] | null> {
	const staticData = this.getWorkflowStaticData('node');
	const startFrom = String(this.getNodeParameter('startFrom', 'newSignUps')) as StartFrom;
	let since: number | null = null;
	if (startFrom === 'since') {
		const value = this.getNodeParameter('since', '') as string;
		since = Date.parse(String(value));
		if (!Number.isFinite(since)) {
			throw new NodeOperationError(node, `Start From "Sign-Ups Since" needs a date in Since, not "${String(value).slice(0, 40)}"`, {
				description: 'Pick a date and time in the Since field (the testers created at or after it come first).',
			});
		}
	}
	const sweepDays = Number(this.getNodeParameter('safetySweepDays', DEFAULT_SWEEP_DAYS));
	const identity = { project, startFrom, since };
	const previous = readState(staticData.catchUp, identity);
	const at = now();
	if (!previous) {
		if (staticData.catchUp) {
			this.logger.info(
				`${label}: the saved state is for another project, start or version; starting afresh for project ${project} (${startFrom})`,
			);
		}
		// Where a fresh start stands in time, kept before the first request: n8n saves it at the end of the
		// publish even when this poll cannot read the list, so the poll that does read it later brings the
		// sign-ups made since (lib/catch-up.ts: the gap round), and a restart does not move it.
		staticData.catchUp = initialState({ ...identity, anchor: at }) as unknown as IDataObject;
	}
	const owed = unpaid.get(key) ?? 0;
	const outcome = await catchUpPoll(
		previous,
		{
			sharePercent: Number(this.getNodeParameter('budgetShare', DEFAULT_SHARE_PERCENT)),
			batchSize: Number(this.getNodeParameter('batchSize', DEFAULT_BATCH_SIZE)),
			now: at,
			...identity,
			sweepEveryMs: Number.isFinite(sweepDays) && sweepDays > 0 ? sweepDays * DAY_MS : 0,
			unpaid: owed,
			timeLeftMs,
		},
		fetchPage,
	);
	if (outcome.failed) {
		// The state is not saved, but the requests were sent: the next poll pays for them.
		unpaid.set(key, owed + sent());
		throw outcome.error instanceof Error ? outcome.error : new NodeOperationError(node, String(outcome.error));
	}
	unpaid.delete(key);
	staticData.catchUp = outcome.state as unknown as IDataObject;
	for (const warning of outcome.warnings) this.logger.warn(`${label}: ${warning}`);
	if (outcome.error) {
		this.logger.warn(
			`${label}: stopped by an error after some progress (kept; the next poll goes on from here): ${(outcome.error as Error).message}`,
		);
	}
	this.logger.info(`${label}: ${outcome.notes.join('; ')}`);
	if (outcome.testers.length === 0) return null;
	return [
		outcome.testers.map((tester) => ({
			json: catchUpItem(tester, project),
		})),
	];
}
