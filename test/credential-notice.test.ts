import { PrefineryWebhookApi } from '../credentials/PrefineryWebhookApi.credentials';
import { ANSWERS, httpStatusOf } from '../lib/answers';

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
