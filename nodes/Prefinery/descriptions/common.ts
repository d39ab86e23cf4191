import type { INodeProperties } from 'n8n-workflow';

/** Marker used in descriptions of endpoints Prefinery does not document (seen only in third-party code). */
export const UNVERIFIED = '(unverified endpoint)';

/** "By ID": a project ID is a number; `optional` also accepts empty (the trigger's "any project"). */
function projectIdMode(optional: boolean) {
	return {
		displayName: 'By ID',
		name: 'id',
		type: 'string' as const,
		placeholder: optional ? 'e.g. 4242 (empty: any project)' : 'e.g. 4242',
		validation: [
			{
				type: 'regex' as const,
				properties: {
					regex: optional ? '^\\s*\\d*\\s*$' : '^\\s*\\d+\\s*$',
					errorMessage: 'A Prefinery project ID is a number',
				},
			},
		],
	};
}

/**
 * The action node's project picker: from `GET /betas` (needs an API key with the Projects
 * permission) or by ID.
 */
export const PROJECT_LOCATOR = {
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchProjects', searchable: true },
		},
		projectIdMode(false),
	],
} satisfies Pick<INodeProperties, 'type' | 'default' | 'modes'>;

/**
 * The trigger's project filter: by ID only. The trigger has no API key (its credential holds just
 * the signing secret), so it cannot load the project list.
 */
export const PROJECT_ID_LOCATOR = {
	type: 'resourceLocator',
	default: { mode: 'id', value: '' },
	modes: [projectIdMode(true)],
} satisfies Pick<INodeProperties, 'type' | 'default' | 'modes'>;

/**
 * The project (Prefinery calls it a "beta") an operation works on: pick it from the list (needs
 * the API key's Projects permission) or enter its ID.
 */
export function projectLocator(resource: string, operations?: string[]): INodeProperties {
	return {
		displayName: 'Project',
		name: 'project',
		...PROJECT_LOCATOR,
		required: true,
		description: 'The Prefinery project (called "beta" in the API)',
		displayOptions: {
			show: operations ? { resource: [resource], operation: operations } : { resource: [resource] },
		},
	};
}

/** "Return All" and "Limit" for a paged list (Prefinery pages hold 25 items). */
export function returnAllAndLimit(resource: string, operation = 'getAll'): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show: { resource: [resource], operation: [operation] } },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			description: 'Max number of results to return',
			displayOptions: { show: { resource: [resource], operation: [operation], returnAll: [false] } },
		},
	];
}
