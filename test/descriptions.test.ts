import {
	NodeHelpers,
	resetSafeRegexEngine,
	setSafeRegexEngine,
	type INode,
	type INodeParameters,
	type INodeTypeDescription,
	type RegexEngine,
} from 'n8n-workflow';
import { Prefinery } from '../nodes/Prefinery/Prefinery.node';
import { PrefineryCatchUpTrigger } from '../nodes/PrefineryCatchUpTrigger/PrefineryCatchUpTrigger.node';
import { PrefineryTrigger } from '../nodes/PrefineryTrigger/PrefineryTrigger.node';

/**
 * Before every execution n8n checks each node's parameters (its "issues") with n8n-workflow's
 * NodeHelpers, and a resource locator mode's `validation` regex runs then through safe-regex: in a vm
 * with a 250 ms wall-clock limit. On a busy machine that limit ran out and n8n failed the execution
 * ("Regular expression execution timed out", n8n 2.41, a Prefinery Trigger workflow under load). So the
 * nodes' parameters ask n8n for no regex: each node checks its IDs itself.
 */
describe('n8n runs no regular expression on these nodes\' parameters before an execution', () => {
	afterEach(() => resetSafeRegexEngine());

	const project = (value: string) => ({ __rl: true, mode: 'id', value });
	const cases: Array<[string, INodeTypeDescription, INodeParameters]> = [
		['Prefinery Trigger, project by ID', new PrefineryTrigger().description, { project: project('4242') }],
		['Prefinery Trigger, any project', new PrefineryTrigger().description, { project: project('') }],
		['Prefinery Catch-Up Trigger, project by ID', new PrefineryCatchUpTrigger().description, { project: project('4242') }],
		['Prefinery, Get a tester, project by ID', new Prefinery().description, { resource: 'tester', operation: 'get', project: project('4242'), testerId: '7' }],
		['Prefinery, Get a tester, project not a number', new Prefinery().description, { resource: 'tester', operation: 'get', project: project('my project'), testerId: '7' }],
	];

	it.each(cases)('%s', (_label, description, given) => {
		const patterns: string[] = [];
		const record = (pattern: string) => {
			patterns.push(pattern);
			throw new Error('Regular expression execution timed out');
		};
		const busyMachine: RegexEngine = { exec: record, test: record, replace: record, matchAll: record, split: record };
		setSafeRegexEngine(busyMachine);
		const node: INode = { id: 'n', name: description.displayName, type: description.name, typeVersion: 1, position: [0, 0], parameters: {} };
		node.parameters = NodeHelpers.getNodeParameters(description.properties, given, true, false, node, description) ?? {};
		expect((node.parameters.project as { value?: string }).value).toBe((given.project as { value: string }).value);
		NodeHelpers.getNodeParametersIssues(description.properties, node, description);
		expect(patterns).toEqual([]);
	});
});
