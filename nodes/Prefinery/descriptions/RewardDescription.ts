import type { INodeProperties } from 'n8n-workflow';
import { projectLocator, returnAllAndLimit } from './common';

export const rewardOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['reward'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getAll',
				description:
					'List rewards earned in the project (GET /betas/{ID}/rewards). Rate limit: 60 requests per minute.',
				action: 'Get many rewards',
			},
		],
		default: 'getAll',
	},
];

export const rewardFields: INodeProperties[] = [
	projectLocator('reward'),
	...returnAllAndLimit('reward'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { resource: ['reward'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'Only rewards earned by the tester with this email address',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				default: 'earned',
				options: [
					{
						name: 'Delivered',
						value: 'delivered',
						description: 'Marked as delivered',
					},
					{
						name: 'Earned',
						value: 'earned',
						description: 'Earned and pending delivery',
					},
					{
						name: 'Revoked',
						value: 'revoked',
						description: 'Marked as revoked',
					},
				],
				description: 'Only rewards in this status',
			},
		],
	},
];
