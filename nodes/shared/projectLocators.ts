/**
 * Project pickers used by both nodes (a Prefinery project is a "beta" in its API). Shared
 * descriptions live here, not inside one node's folder.
 */
import type { INodeProperties } from 'n8n-workflow';

/**
 * "By ID": a project ID is a number; `optional` also accepts empty (the trigger's "any project").
 * No `validation` regex: n8n checks a resource locator's regex before every execution (the
 * workflow's parameter issues) in a vm with a 250 ms wall-clock limit (n8n-workflow's safe-regex), and on a
 * busy machine that limit ran out and the execution failed ("Regular expression execution timed out",
 * seen on n8n 2.41 with a Prefinery Trigger under load). Each node checks the ID itself, with a message
 * that says how to fix it: the trigger fails closed (lib/trigger-settings.ts), the action node and the
 * Catch-Up Trigger refuse it (`numericId`, `idSegment`).
 */
function projectIdMode(optional: boolean) {
	return {
		displayName: 'By ID',
		name: 'id',
		type: 'string' as const,
		placeholder: optional ? 'e.g. 4242 (empty: any project)' : 'e.g. 4242',
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
