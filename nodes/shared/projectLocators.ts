/**
 * Project pickers used by both nodes (a Prefinery project is a "beta" in its API). Shared
 * descriptions live here, not inside one node's folder.
 */
import type { INodeProperties } from 'n8n-workflow';

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
