/**
 * Field catalogue of the objects Prefinery sends in webhook `data`: one table per object, read by the
 * normaliser (to coerce values), by the TypeScript types below (derived from the same tables), by the
 * sample payloads and by the tests. Pure module: no n8n imports.
 *
 * Field names are Prefinery's own (snake_case) so the output matches Prefinery's documentation.
 */

/**
 * How a field is normalised:
 * - `integer`: number or null (numeric strings become numbers; digits beyond 2^53 stay an exact string);
 * - `string`: string or null (numbers and booleans become strings);
 * - `timestamp`: ISO-8601 UTC string or null (Unix seconds or milliseconds become ISO strings; a
 *   date-time without a zone is read as UTC);
 * - `any`: kept exactly as sent (meaning or type not documented by Prefinery), null when absent;
 * - `profile`: the profile object, every known key present;
 * - `responses`: array of `{question_id, answer}`, `[]` when absent.
 *
 * A value that cannot be converted to its kind (an array in `groups`, an object in a profile field,
 * a word in a counter) is kept exactly as sent, never dropped: the types below describe what
 * Prefinery documents, and such a value is outside them.
 */
export type FieldKind = 'integer' | 'string' | 'timestamp' | 'any' | 'profile' | 'responses';

export const PROFILE_FIELDS = [
	'first_name',
	'last_name',
	'gender',
	'age',
	'employer',
	'jobtitle',
	'telephone',
	'ip',
	'address_line1',
	'address_line2',
	'city',
	'state',
	'postal_code',
	'country',
	'facebook_username',
	'linkedin_username',
	'twitter_username',
	'http_referrer',
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'utm_term',
	'utm_content',
	'custom_var1',
	'custom_var2',
	'custom_var3',
] as const;

export const TESTER_FIELDS = {
	id: 'integer',
	project_id: 'integer',
	email: 'string',
	status: 'string',
	invitation_code: 'string',
	referral_code: 'string',
	imported_at: 'timestamp',
	applied_at: 'timestamp',
	invited_at: 'timestamp',
	joined_at: 'timestamp',
	unsubscribed_at: 'timestamp',
	created_at: 'timestamp',
	updated_at: 'timestamp',
	share_clicks_count: 'integer',
	share_signups_count: 'integer',
	friend_invitations_allowed: 'integer',
	friend_invitations_count: 'integer',
	friend_invitations_remaining: 'integer',
	share_link: 'string',
	share_status_link: 'string',
	waitlist_position: 'integer',
	waitlist_ahead: 'integer',
	waitlist_behind: 'integer',
	waitlist_length: 'integer',
	referred_by: 'any',
	game_code: 'any',
	groups: 'string',
	responses: 'responses',
	profile: 'profile',
} as const satisfies Record<string, FieldKind>;

export const REWARD_FIELDS = {
	id: 'integer',
	descriptor: 'string',
	name: 'string',
	type: 'string',
	user_role: 'string',
	user_id: 'integer',
	status: 'string',
	earned_at: 'timestamp',
	delivered_at: 'timestamp',
	revoked_at: 'timestamp',
} as const satisfies Record<string, FieldKind>;

export const POINT_FIELDS = {
	id: 'integer',
	quantity: 'integer',
	activity: 'string',
	reason: 'string',
	user_id: 'integer',
	created_at: 'timestamp',
} as const satisfies Record<string, FieldKind>;

/** Tester statuses Prefinery documents. Other values are passed through unchanged. */
export const TESTER_STATUSES = [
	'imported',
	'unconfirmed',
	'applied',
	'rejected',
	'invited',
	'active',
	'idle',
	'suspended',
] as const;

export const REWARD_STATUSES = ['earned', 'delivered', 'revoked'] as const;
export const POINT_ACTIVITIES = [
	'bonus',
	'signup',
	'share',
	'referral',
	'reward',
	'friend_reward',
] as const;

// ---- Types derived from the tables above -------------------------------------------------------

export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** A tester's profile: every known key present (string or null), unknown keys kept. */
export type PrefineryProfile = { [K in ProfileField]: string | null } & { [extra: string]: unknown };

/** One answer to a waitlist question (`responses` of a tester). */
export interface PrefineryQuestionResponse {
	question_id: number | string | null;
	answer: unknown;
	[extra: string]: unknown;
}

type ValueOf<K extends FieldKind> = K extends 'integer'
	? number | null
	: K extends 'string' | 'timestamp'
		? string | null
		: K extends 'profile'
			? PrefineryProfile
			: K extends 'responses'
				? PrefineryQuestionResponse[]
				: unknown;

type Normalised<T extends Record<string, FieldKind>> = { [K in keyof T]: ValueOf<T[K]> } & {
	[extra: string]: unknown;
};

/** A tester (`data` of `tester_*` events), every known field present, unknown fields kept. */
export type PrefineryTester = Normalised<typeof TESTER_FIELDS>;
/** A reward (`data` of `reward_*` events). Which events carry it is inferred, not documented. */
export type PrefineryReward = Normalised<typeof REWARD_FIELDS>;
/** A points entry (`data` of `point_*` events). Which events carry it is inferred, not documented. */
export type PrefineryPoint = Normalised<typeof POINT_FIELDS>;
