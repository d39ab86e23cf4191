import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { friendInvitationFields, friendInvitationOperations } from './descriptions/FriendInvitationDescription';
import { pointFields, pointOperations } from './descriptions/PointDescription';
import { projectFields, projectOperations } from './descriptions/ProjectDescription';
import { rewardFields, rewardOperations } from './descriptions/RewardDescription';
import { suppressionFields, suppressionOperations } from './descriptions/SuppressionDescription';
import { testerFields, testerOperations } from './descriptions/TesterDescription';
import { getHandler } from './operations';
import { DEFAULT_MAX_WAIT_SECONDS, DEFAULT_TIMEOUT_SECONDS, searchProjects } from '../shared/transport';

const OPERATIONS = [
	friendInvitationOperations,
	pointOperations,
	projectOperations,
	rewardOperations,
	suppressionOperations,
	testerOperations,
].flat();

/** "tester:getAll" → "Get many testers": the canvas subtitle reads like the node creator's actions. */
export const OPERATION_ACTIONS: Record<string, string> = Object.fromEntries(
	OPERATIONS.flatMap((property) =>
		(property.options as INodePropertyOptions[]).map((option) => [
			`${String(property.displayOptions?.show?.resource?.[0])}:${String(option.value)}`,
			option.action ?? option.name,
		]),
	),
);

/**
 * Tester first (the default resource, and the first group of actions in n8n's node picker, whose first
 * action Enter picks: "Get many testers", see TesterDescription.ts), then the others alphabetically.
 */
const RESOURCE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Tester', value: 'tester' },
	{ name: 'Friend Invitation', value: 'friendInvitation' },
	{ name: 'Point', value: 'point' },
	{ name: 'Project', value: 'project' },
	{ name: 'Reward', value: 'reward' },
	{ name: 'Suppression', value: 'suppression' },
];

export class Prefinery implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Prefinery',
		name: 'prefinery',
		icon: { light: 'file:../../icons/prefinery.svg', dark: 'file:../../icons/prefinery.dark.svg' },
		group: ['transform'],
		// 1.1 only changes the default of Tester → Operation from Create (a write) to Get Many (a read),
		// for new nodes and for the "Prefinery Tool" an AI agent gets; workflows saved with 1 keep Create.
		// 1.2 does the same for Point (Award → Get Many) and Suppression (Create → Get Many): every
		// resource with a read starts on one. Friend Invitation has none in Prefinery's API (only POST).
		version: [1, 1.1, 1.2],
		defaultVersion: 1.2,
		subtitle: `={{ (${JSON.stringify(OPERATION_ACTIONS)})[$parameter["resource"] + ":" + $parameter["operation"]] || $parameter["operation"] }}`,
		description:
			'Manage Prefinery waitlists and referral programs: testers (users), check-ins, friend invitations, points, rewards and suppressions',
		defaults: { name: 'Prefinery' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'prefineryApi', required: true }],
		properties: [
			{
				displayName:
					'Needs an API key in the credential (Prefinery: Company Settings → API Keys; Essentials plan or higher) with permission for the resource used here.',
				name: 'apiKeyNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: RESOURCE_OPTIONS,
				default: 'tester',
			},
			...friendInvitationOperations,
			...friendInvitationFields,
			...pointOperations,
			...pointFields,
			...projectOperations,
			...projectFields,
			...rewardOperations,
			...rewardFields,
			...suppressionOperations,
			...suppressionFields,
			...testerOperations,
			...testerFields,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Max Wait on Rate Limit (Seconds)',
						name: 'maxRateLimitWait',
						type: 'number',
						default: DEFAULT_MAX_WAIT_SECONDS,
						typeOptions: { minValue: 0 },
						description:
							"The longest one request may wait for Prefinery's rate limits (the node paces itself to the documented limits and waits out a 429) before the node fails. A Retry-After longer than this holds back later requests for at most this long.",
					},
					{
						displayName: 'Timeout (Seconds)',
						name: 'timeout',
						type: 'number',
						default: DEFAULT_TIMEOUT_SECONDS,
						typeOptions: { minValue: 1 },
						description:
							'How long one request may wait for Prefinery to answer. A read that got no answer in time is tried again (up to 2 more times); a write is not, as Prefinery may have carried it out.',
					},
				],
			},
		],
	};

	methods = {
		listSearch: { searchProjects },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		const handler = getHandler(resource, operation);
		if (!handler) {
			throw new NodeOperationError(
				this.getNode(),
				`The operation "${operation}" is not supported for resource "${resource}"`,
			);
		}

		for (let i = 0; i < items.length; i++) {
			try {
				const result = await handler.call(this, i);
				for (const json of Array.isArray(result) ? result : [result]) {
					returnData.push({ json, pairedItem: { item: i } });
				}
			} catch (error) {
				if (this.continueOnFail()) {
					const failure = error as NodeApiError;
					const json: IDataObject = { error: failure.message };
					if (failure.description) json.description = failure.description;
					if (failure.httpCode) json.httpCode = failure.httpCode;
					returnData.push({ json, pairedItem: { item: i } });
					continue;
				}
				if (error instanceof NodeApiError) {
					// Re-wrapping returns the same error; record which item failed first.
					error.context.itemIndex = i;
					throw new NodeApiError(this.getNode(), error as unknown as JsonObject, { itemIndex: i });
				}
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		return [returnData];
	}
}
