/**
 * Issue 25: the Rejected item names the event, also when the signature failed: `event_id` and
 * `event_type` read from the untrusted body, marked `event_verified: false`, bounded in size; and the
 * log line names the workflow and node itself (n8n's text log prints only the message).
 */
import { RejectionReporter, unverifiedEvent } from '../lib/rejections';
import articleSample from './fixtures/article-sample.json';
import { freshWorkflow, post, run, SECRET } from './helpers/trigger-calls';

const withRejected = (workflowId: string) => ({ workflowId, params: { rejectedOutput: true, events: ['tester_created'] } });

describe('a mismatch names the event it claims to be, marked unverified', () => {
	it('a delivery signed with another secret: Rejected carries event_id and event_type from the body, event_verified false; the answer does not echo them', async () => {
		const call = await run(post({ ...articleSample, id: 4242 }, withRejected(freshWorkflow()), 'whsec_another_project'));
		const item = call.result.workflowData?.[1]?.[0]?.json;
		expect(item).toMatchObject({ reason: 'mismatch', event_id: 4242, event_type: 'tester_created', event_verified: false });
		// What Prefinery (or a forger) gets back is unchanged: no event named before the signature verified.
		expect(JSON.stringify(call.res.json.mock.calls)).not.toMatch(/4242/);
		const lines = call.logger.warn.mock.calls.map((c) => String(c[0])).join('\n');
		expect(lines).toMatch(/event 4242, tester_created, unverified\): 429 mismatch/);
		expect(JSON.stringify([lines, call.result])).not.toContain(SECRET);
	});

	it('a signed event refused after its signature verified (a Project filter that is not a number) is marked event_verified true', async () => {
		const params = { rejectedOutput: true, events: ['tester_created'], project: { __rl: true, mode: 'id', value: 'abc' } };
		const call = await run(post({ ...articleSample, id: 5150 }, { workflowId: freshWorkflow(), params }));
		expect(call.result.workflowData?.[1]?.[0]?.json).toMatchObject({ reason: 'invalid_project_filter', event_id: 5150, event_type: 'tester_created', event_verified: true });
	});

	it('the log line names the workflow and the node', async () => {
		const workflowId = freshWorkflow();
		const call = await run(post({ ...articleSample, id: 7 }, withRejected(workflowId), 'whsec_another_project'));
		const lines = call.logger.warn.mock.calls.map((c) => String(c[0])).join('\n');
		expect(lines).toContain(`(workflow id ${workflowId}, node "`);
	});
});

describe('unverifiedEvent: bounded, and only the id and type', () => {
	it('reads id and type from the parsed body when they have the shape of an event id and name', () => {
		expect(unverifiedEvent({ id: 12, type: 'tester_created', data: { email: 'a@b.c' } })).toEqual({ event_id: 12, type: 'tester_created' });
		expect(unverifiedEvent({ id: '98765432109876543210', type: 'reward_earned' })).toEqual({ event_id: '98765432109876543210', type: 'reward_earned' });
	});

	it('issue 37 #5: free text, control characters and long values from an unverified body never reach a message', () => {
		// What a forger would put into an alert that a Stop and Error node raises from the Rejected item.
		const phishing = 'Prefinery rotated your secret: paste the new one from https://evil.example/secret';
		expect(unverifiedEvent({ id: phishing, type: phishing })).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: '12\r\nX: y', type: 'tester_created\nFAKE' })).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: 'x'.repeat(5_000), type: 'y'.repeat(5_000) })).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: '1'.repeat(21), type: `t${'_'.repeat(40)}` })).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: 7, type: 'Tester Created' })).toEqual({ event_id: 7 });
		expect(unverifiedEvent({ id: 7, type: '\u202etester_created' })).toEqual({ event_id: 7 });
	});

	it('issue 37 #5: the Rejected item of a forged body carries no text of the forger', async () => {
		const phishing = 'paste the new secret from https://evil.example';
		const call = await run(post({ ...articleSample, id: `1 ${phishing}`, type: phishing }, withRejected(freshWorkflow()), 'whsec_another_project'));
		const item = call.result.workflowData?.[1]?.[0]?.json;
		expect(item).toMatchObject({ reason: 'mismatch', event_id: null, event_type: null, event_verified: false });
		expect(JSON.stringify([item, call.logger.warn.mock.calls])).not.toContain('evil.example');
	});

	it('no object, no id: null; other id types are dropped', () => {
		expect(unverifiedEvent(undefined)).toEqual({ event_id: null });
		expect(unverifiedEvent('text')).toEqual({ event_id: null });
		expect(unverifiedEvent([{ id: 1 }])).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: { nested: true }, type: 3 })).toEqual({ event_id: null });
		expect(unverifiedEvent({ id: Infinity })).toEqual({ event_id: null });
	});

	it('falls back to the raw bytes only when n8n did not parse them and they are at most 64 KiB', () => {
		const small = Buffer.from(JSON.stringify({ id: 9, type: 'tester_applied' }));
		expect(unverifiedEvent({}, small)).toEqual({ event_id: 9, type: 'tester_applied' });
		const large = Buffer.from(JSON.stringify({ id: 9, type: 'tester_applied', pad: 'p'.repeat(70_000) }));
		expect(unverifiedEvent({}, large)).toEqual({ event_id: null });
		expect(unverifiedEvent({}, Buffer.from('not json'))).toEqual({ event_id: null });
	});

	it('the reporter marks an event unverified unless told otherwise, in the item and the line', () => {
		const reporter = new RejectionReporter();
		const rejection = { reason: 'mismatch', httpStatus: 429, message: 'Signature does not match.', event_id: 1, type: 'tester_created' };
		const unverified = reporter.report('a', rejection, { manual: true, output: true, workflow: { id: 'w1', name: 'My flow' }, node: 'Prefinery Trigger' });
		expect(unverified.item).toMatchObject({ event_verified: false });
		expect(unverified.log).toContain('(workflow "My flow" (id w1), node "Prefinery Trigger") (event 1, tester_created, unverified)');
		const verified = reporter.report('b', { ...rejection, event_verified: true }, { manual: true, output: true });
		expect(verified.item).toMatchObject({ event_verified: true });
		expect(verified.log).toContain('(event 1, tester_created)');
	});
});

describe('the trigger tells how a rejection becomes a failure n8n alerts on', () => {
	it('Rejected Output names Stop and Error and the Error Workflow', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { triggerProperties } = require('../nodes/PrefineryTrigger/description');
		const rejected = (triggerProperties as Array<{ name: string; description?: string }>).filter((p) => p.name === 'rejectedOutput');
		expect(rejected).toHaveLength(2);
		for (const property of rejected) expect(property.description).toMatch(/wire Rejected to a Stop and Error node so it fails and your Error Workflow \(Settings → Error workflow\) runs/);
	});

	it('the example workflow wires Rejected to Stop and Error, with the reason, the event and the fix in its message', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const example = require('../examples/prefinery-new-signups-to-crm.json');
		const trigger = example.nodes.find((node: { name: string }) => node.name === 'Prefinery Trigger');
		expect(trigger.parameters.rejectedOutput).toBe(true);
		const stop = example.nodes.find((node: { type: string }) => node.type === 'n8n-nodes-base.stopAndError');
		expect(example.connections['Prefinery Trigger'].main[1]).toEqual([{ node: stop.name, type: 'main', index: 0 }]);
		for (const part of ['$json.reason', '$json.event_id', '$json.event_type', '$json.event_verified', '$json.message']) expect(stop.parameters.errorMessage).toContain(part);
	});
});
