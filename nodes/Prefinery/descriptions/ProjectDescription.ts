import type { INodeProperties } from 'n8n-workflow';
import { projectLocator, returnAllAndLimit } from './common';

export const projectOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['project'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Get a project with its tester counts (GET /betas/{ID})',
				action: 'Get a project',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List your company\'s projects (GET /betas)',
				action: 'Get many projects',
			},
		],
		default: 'get',
	},
];

export const projectFields: INodeProperties[] = [
	projectLocator('project', ['get']),
	...returnAllAndLimit('project'),
];
