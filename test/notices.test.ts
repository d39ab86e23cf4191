import { PrefineryWebhookApi } from '../credentials/PrefineryWebhookApi.credentials';
import { ANSWERS, httpStatusOf } from '../lib/answers';
import { SETUP_NOTICE } from '../nodes/PrefineryTrigger/description';

describe('the webhook credential tells the truth about checking a secret', () => {
	const notice = new PrefineryWebhookApi().properties.find((property) => property.type === 'notice')?.displayName ?? '';

	it('names the answer a wrong secret gets by default (lib/answers.ts), so the two cannot drift', () => {
		expect(ANSWERS.mismatch.fixable).toBe(true);
		expect(notice).toContain(`${httpStatusOf('mismatch', 'retry')} "mismatch"`);
		expect(notice).not.toMatch(/\b401\b/);
	});

	it('uses the words of n8n\'s credential dialog: it tests on Save, and the button is Retry', () => {
		expect(notice).toContain('on Save, and Retry');
		expect(notice).not.toMatch(/"Test"/);
	});
});

describe('the trigger\'s set-up notice', () => {
	it('is plain text (n8n shows a notice without the panel\'s <b>/<code>), short, and says what going live needs', () => {
		expect(SETUP_NOTICE).not.toMatch(/<[a-z]/i);
		expect(SETUP_NOTICE.length).toBeLessThan(400);
		expect(SETUP_NOTICE).toMatch(/Production URL/);
		expect(SETUP_NOTICE).toMatch(/your project → Integrations → Webhooks → Add a URL/);
		expect(SETUP_NOTICE).toMatch(/404/);
	});

	it('is true on a published workflow too: it states when Prefinery delivers, it does not ask to publish', () => {
		expect(SETUP_NOTICE).toMatch(/only while this workflow is published/);
		expect(SETUP_NOTICE).not.toMatch(/\b(go live|publish (this|the) workflow)\b/i);
	});

	it('gives the Test URL steps in the editor\'s order, with the answer n8n asks for when data is pinned (the panel is hidden then)', () => {
		expect(SETUP_NOTICE).toMatch(/copy the Test URL, click Execute step \(with pinned data, answer Unpin and test\), then open the Test URL/);
	});
});
