/**
 * Sample payloads, one per event the trigger offers, shaped exactly like Prefinery's webhook
 * envelope. Built from the integration article's sample and Prefinery's documented field list,
 * anonymised (example.com, documentation IP range, fictional person).
 *
 * Defined once here and used by the trigger (test-event mock), the command-line sender
 * (`npm run send-sample`), the README and the tests. Pure module: no n8n imports.
 */
import { PREFINERY_EVENTS } from './events';
import type { JsonObject, PrefineryEnvelope } from './types';

/** Sample event ids live in this range so they are recognisable in logs and executions. */
export const SAMPLE_ID_BASE = 900_000_000;
/** Project (beta) id used by all samples. */
export const SAMPLE_PROJECT_ID = 4242;

const SIGNED_UP = '2026-03-02T09:15:27Z';
const SIGNED_UP_UNIX = Date.parse(SIGNED_UP) / 1000;

function profile(overrides: JsonObject = {}): JsonObject {
	return {
		first_name: 'Sam',
		last_name: 'Sample',
		gender: null,
		age: '36',
		employer: 'Analytical Engines Ltd',
		jobtitle: 'Head of Research',
		telephone: null,
		ip: '203.0.113.42',
		address_line1: null,
		address_line2: null,
		city: 'London',
		state: null,
		postal_code: null,
		country: 'United Kingdom',
		facebook_username: null,
		linkedin_username: 'sam-sample-example',
		twitter_username: null,
		http_referrer: 'https://news.example.org/launches',
		utm_source: 'newsletter',
		utm_medium: 'email',
		utm_campaign: 'spring_launch',
		utm_term: null,
		utm_content: 'hero_button',
		custom_var1: 'plan:pro',
		custom_var2: null,
		custom_var3: null,
		...overrides,
	};
}

function tester(overrides: JsonObject = {}): JsonObject {
	return {
		id: 1259,
		project_id: SAMPLE_PROJECT_ID,
		email: 'sam.sample@example.com',
		status: 'applied',
		imported_at: null,
		applied_at: SIGNED_UP,
		invited_at: null,
		joined_at: null,
		unsubscribed_at: null,
		created_at: SIGNED_UP,
		updated_at: SIGNED_UP,
		invitation_code: '',
		referral_code: 'SAM7Q2',
		share_clicks_count: 0,
		share_signups_count: 0,
		share_link: 'https://waitlist.example.com/r/SAM7Q2',
		share_status_link: 'https://waitlist.example.com/s/SAM7Q2',
		friend_invitations_allowed: 5,
		friend_invitations_count: 0,
		friend_invitations_remaining: 5,
		waitlist_position: 318,
		waitlist_ahead: 317,
		waitlist_behind: 0,
		waitlist_length: 318,
		referred_by: null,
		game_code: null,
		groups: 'Newsletter',
		responses: [{ question_id: 11, answer: 'Automating our onboarding' }],
		profile: profile(),
		...overrides,
	};
}

function reward(overrides: JsonObject = {}): JsonObject {
	return {
		id: 77,
		descriptor: '3 friends: skip the line',
		name: 'Skip the line',
		type: 'Milestone',
		user_role: 'referrer',
		user_id: 1259,
		status: 'earned',
		earned_at: '2026-03-05T18:02:11Z',
		delivered_at: null,
		revoked_at: null,
		...overrides,
	};
}

function point(overrides: JsonObject = {}): JsonObject {
	return {
		id: 5150,
		quantity: 10,
		activity: 'referral',
		reason: 'Referred friend.one@example.com',
		user_id: 1259,
		created_at: '2026-03-05T18:02:11Z',
		...overrides,
	};
}

const DATA_BY_EVENT: Record<string, JsonObject> = {
	tester_created: tester(),
	tester_applied: tester({
		share_clicks_count: 4,
		share_signups_count: 1,
		updated_at: '2026-03-02T09:16:03Z',
		waitlist_position: 297,
		waitlist_ahead: 296,
		waitlist_behind: 21,
	}),
	tester_updated: tester({
		status: 'invited',
		invited_at: '2026-03-09T12:00:00Z',
		updated_at: '2026-03-09T12:00:00Z',
		invitation_code: 'INV-3K9D2',
		share_clicks_count: 12,
		share_signups_count: 3,
		friend_invitations_count: 2,
		friend_invitations_remaining: 3,
		waitlist_position: null,
		waitlist_ahead: null,
		waitlist_behind: null,
		waitlist_length: null,
		groups: 'Newsletter,Early Adopters',
	}),
	tester_deleted: tester({
		status: 'rejected',
		updated_at: '2026-03-10T08:30:00Z',
		waitlist_position: null,
		waitlist_ahead: null,
		waitlist_behind: null,
		waitlist_length: null,
	}),
	reward_earned: reward(),
	reward_delivered: reward({ status: 'delivered', delivered_at: '2026-03-06T10:00:00Z' }),
	reward_revoked: reward({ status: 'revoked', revoked_at: '2026-03-07T15:45:00Z' }),
	point_earned: point(),
	point_revoked: point({
		id: 5151,
		quantity: -10,
		activity: 'bonus',
		reason: 'Referral reversed: duplicate sign-up',
		created_at: '2026-03-07T15:45:00Z',
	}),
};

/** The sample envelope for an event type. Unknown types get the tester sample under that name. */
export function samplePayload(type: string, id?: number | string): PrefineryEnvelope {
	const index = PREFINERY_EVENTS.findIndex((event) => event.value === type);
	// Own properties only: `type` may come from a query string (e.g. "constructor").
	const data = Object.prototype.hasOwnProperty.call(DATA_BY_EVENT, type) ? DATA_BY_EVENT[type] : tester();
	return {
		id: id ?? SAMPLE_ID_BASE + (index >= 0 ? index + 1 : 0),
		type,
		data: structuredCloneJson(data),
		created_at: SIGNED_UP_UNIX + (index >= 0 ? index * 60 : 0),
	};
}

/** Every sample, in catalogue order. */
export function allSamples(): PrefineryEnvelope[] {
	return PREFINERY_EVENTS.map((event) => samplePayload(event.value));
}

function structuredCloneJson<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}
