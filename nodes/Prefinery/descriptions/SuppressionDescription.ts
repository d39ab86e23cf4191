import type { INodeProperties } from 'n8n-workflow';
import { projectLocator, returnAllAndLimit } from './common';

/** Reads first: n8n's node creator lists a resource's actions in this order (see TesterDescription.ts). */
const suppressionOperationOptions: INodeProperties['options'] = [
	{
		name: 'Get Many',
		value: 'getAll',
		description: 'List suppressed email addresses (GET /betas/{ID}/suppressions)',
		action: 'Get many suppressions',
	},
	{
		name: 'Create',
		value: 'create',
		description:
			'Add an email address to the project\'s suppression list (POST /betas/{ID}/suppressions)',
		action: 'Create a suppression',
	},
	{
		name: 'Delete',
		value: 'delete',
		description:
			'Remove an entry from the suppression list (DELETE /betas/{ID}/suppressions/{suppression ID})',
		action: 'Delete a suppression',
	},
];

/**
 * From 1.2 the default is Get Many (a read); workflows saved with 1 or 1.1 keep Create, the default
 * they were saved with (n8n stores only parameters that differ from the default).
 */
export const suppressionOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['suppression'], '@version': [1.2] } },
		options: suppressionOperationOptions,
		default: 'getAll',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['suppression'], '@version': [1, 1.1] } },
		options: suppressionOperationOptions,
		default: 'create',
	},
];

export const suppressionFields: INodeProperties[] = [
	projectLocator('suppression'),
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'The email address to suppress',
		displayOptions: { show: { resource: ['suppression'], operation: ['create'] } },
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'options',
		default: 'Manual',
		options: [
			{
				name: 'Manual',
				value: 'Manual',
				description: 'Only add the address to the suppression list',
			},
			{
				name: 'Unsubscribe',
				value: 'Unsubscribe',
				description:
					'Also unsubscribe the tester with this email address, if there is one',
			},
		],
		description: 'Type of suppression',
		displayOptions: { show: { resource: ['suppression'], operation: ['create'] } },
	},
	{
		displayName: 'Suppression ID',
		name: 'suppressionId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 9001',
		description: 'ID of the suppression entry (the "ID" field of Get Many)',
		displayOptions: { show: { resource: ['suppression'], operation: ['delete'] } },
	},
	...returnAllAndLimit('suppression'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { resource: ['suppression'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'Only the entry for this exact email address',
			},
		],
	},
];
