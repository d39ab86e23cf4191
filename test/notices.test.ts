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
		expect(SETUP_NOTICE).toMatch(/publish this workflow/);
		expect(SETUP_NOTICE).toMatch(/Production URL/);
		expect(SETUP_NOTICE).toMatch(/404/);
	});

	it('does not repeat the panel\'s Test URL steps, it points to them', () => {
		expect(SETUP_NOTICE).not.toMatch(/Execute step/);
		expect(SETUP_NOTICE).toMatch(/Test URL steps in the trigger panel/);
	});
});
