import type { INodeProperties } from 'n8n-workflow';
import { projectLocator, returnAllAndLimit } from './common';

/** Reads first: n8n's node creator lists a resource's actions in this order (see TesterDescription.ts). */
const pointOperationOptions: INodeProperties['options'] = [
	{
		name: 'Get Many',
		value: 'getAll',
		description:
			'List points issued in the project, optionally for one tester (GET /betas/{ID}/points). Rate limit: 60 requests per minute.',
		action: 'Get many points',
	},
	{
		name: 'Award',
		value: 'award',
		description: 'Manually award bonus points to a tester (POST /betas/{ID}/points)',
		action: 'Award points to a tester',
	},
];

/**
 * From 1.2 the default is Get Many (a read); workflows saved with 1 or 1.1 keep Award, the default they
 * were saved with (n8n stores only parameters that differ from the default).
 */
export const pointOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['point'], '@version': [1.2] } },
		options: pointOperationOptions,
		default: 'getAll',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['point'], '@version': [1, 1.1] } },
		options: pointOperationOptions,
		default: 'award',
	},
];

export const pointFields: INodeProperties[] = [
	projectLocator('point'),
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'Email address of the tester who receives the points',
		displayOptions: { show: { resource: ['point'], operation: ['award'] } },
	},
	{
		displayName: 'Quantity',
		name: 'quantity',
		type: 'number',
		required: true,
		default: 1,
		description: 'Number of points to award',
		displayOptions: { show: { resource: ['point'], operation: ['award'] } },
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'e.g. share on Facebook',
		description: 'Optional reason, shown on the tester\'s profile page in Prefinery',
		displayOptions: { show: { resource: ['point'], operation: ['award'] } },
	},
	...returnAllAndLimit('point'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { resource: ['point'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'Only points earned by the tester with this email address',
			},
		],
	},
];
