import type { INodeProperties } from 'n8n-workflow';
import { ANY_EVENT, PREFINERY_EVENTS } from '../../lib/events';
import { DEFAULT_TOLERANCE_SECONDS } from '../../lib/signature';
import { PROJECT_ID_LOCATOR } from '../shared/projectLocators';

/**
 * Plain text (n8n renders a notice without the panel's formatting). A notice cannot know whether the
 * workflow is published (n8n offers no displayOptions for that), so every sentence is true in both
 * states. It carries the Test URL steps in short, because the trigger panel that walks through them is
 * hidden while the node has pinned data (the example's sample), and names n8n's "Unpin and test".
 */
export const SETUP_NOTICE =
	'Prefinery delivers to the Production URL (Webhook URLs, above) only while this workflow is published; add that URL in Prefinery: your project → Integrations → Webhooks → Add a URL. Unpublished, it answers 404 and Prefinery drops the event. To try it without Prefinery: copy the Test URL, click Execute step (with pinned data, answer Unpin and test), then open the Test URL in a browser tab.';

const REJECTED_OUTPUT =
	'Whether to add a second output, Rejected, with an item for each delivery the trigger rejects (wrong secret, missing signature…): every one on the Test URL, at most 3 an hour in production, each with a count of the rest. Such an execution counts as succeeded: wire Rejected to a Stop and Error node so it fails and your Error Workflow (Settings → Error workflow) runs, as the example workflow does, or to an alert of your own.';

export const triggerProperties: INodeProperties[] = [
	{
		displayName: SETUP_NOTICE,
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: [ANY_EVENT],
		description:
			'Which Prefinery events start the workflow. Others are acknowledged (HTTP 200) without an execution. Prefinery also lets you choose events per URL.',
		options: [
			{
				name: 'Any Event',
				value: ANY_EVENT,
				description: 'Every event Prefinery sends to this URL, including event types added later',
			},
			...PREFINERY_EVENTS.map((event) => ({
				name: event.name,
				value: event.value,
				description: event.description,
			})),
		],
	},
	{
		displayName: 'Verify Signature',
		name: 'verifySignature',
		type: 'boolean',
		default: true,
		description:
			'Whether to accept only events signed with your project\'s webhook signing secret (X-Prefinery-Signature). Strongly recommended.',
	},
	{
		displayName:
			'Signature verification is OFF: the credential is hidden and not used, and anyone who learns this URL can start this workflow with made-up data, or send made-up event IDs ahead of real ones so the duplicate filter drops the real events.',
		name: 'verificationOffNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { verifySignature: [false] } },
	},
	{
		displayName: 'Project',
		name: 'project',
		...PROJECT_ID_LOCATOR,
		description:
			'Only events that name this Prefinery project ID start the workflow; events of another project, or that name no project, are acknowledged without one. Usually leave it empty: the signing secret already belongs to one project, so with Verify Signature on only that project\'s events get through.',
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'typed',
		options: [
			{
				name: 'Typed Event',
				value: 'typed',
				description:
					'Event ID, type and ISO time, plus the tester (or reward, points) with every known field present',
			},
			{
				name: 'Raw Payload',
				value: 'raw',
				description: 'The JSON body exactly as Prefinery sent it',
			},
		],
	},
	// One parameter, two defaults: on for new nodes (1.2), off for workflows saved with 1 or 1.1, whose
	// trigger keeps its single output until the user turns it on.
	{
		displayName: 'Rejected Output',
		name: 'rejectedOutput',
		type: 'boolean',
		default: true,
		description: REJECTED_OUTPUT,
		displayOptions: { show: { '@version': [{ _cnd: { gte: 1.2 } }] } },
	},
	{
		displayName: 'Rejected Output',
		name: 'rejectedOutput',
		type: 'boolean',
		default: false,
		description: REJECTED_OUTPUT,
		displayOptions: { show: { '@version': [{ _cnd: { lt: 1.2 } }] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Answer Fixable Failures With',
				name: 'fixableFailureAnswer',
				type: 'options',
				options: [
					{
						name: '429: Prefinery Retries (Recommended)',
						value: 'retry',
						description: 'Prefinery retries for about two days, so events sent until you fix it still arrive',
					},
					{
						name: '401 or 400: Prefinery Drops the Event',
						value: 'reject',
						description: 'Strict: a rejected delivery is never retried',
					},
				],
				default: 'retry',
				description:
					'A wrong or missing signature, a stale or future timestamp, an empty secret, or Events or a Project filter that cannot be used can be fixed in n8n. What Prefinery is told meanwhile. (A parameter whose expression fails is always answered 429.)',
			},
			{
				displayName: 'Ignore Duplicate Deliveries',
				name: 'ignoreDuplicates',
				type: 'boolean',
				default: true,
				description:
					'Whether to acknowledge a repeated event ID without starting the workflow again. Remembered in memory per n8n process (see the README for limits).',
			},
			{
				displayName: 'Include Request Headers',
				name: 'includeHeaders',
				type: 'boolean',
				default: false,
				description:
					'Whether to add the request headers to each item (the signature, cookies and any header named like a credential, such as Authorization or X-Auth-Token, removed)',
			},
			{
				displayName: 'Signature Tolerance (Seconds)',
				name: 'signatureTolerance',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_TOLERANCE_SECONDS,
				description:
					'How old a signature may be. The default of 3 days covers Prefinery\'s retries (about 2 days): if a retry keeps its first timestamp, a narrower window rejects it too, and the event is lost. 0 turns the age check off; an empty or negative value means the default.',
			},
		],
	},
];
