import type { INodeProperties } from 'n8n-workflow';
import { PROJECT_LOCATOR } from '../../shared/projectLocators';

/** Marker used in descriptions of endpoints Prefinery does not document (seen only in third-party code). */
export const UNVERIFIED = '(unverified endpoint)';

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
