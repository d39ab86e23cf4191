'use strict';
/**
 * A local stand-in for Prefinery's REST API v2 (https://api.prefinery.com/api/v2), for the Jest
 * node tests and the real-n8n end-to-end suite. Plain Node `http`, no dependencies, loopback only.
 *
 * It follows what Prefinery documents (see /work/shared/reference/prefinery.md §5):
 * - auth: `Authorization: Bearer KEY`, Basic `KEY:` or `?api_key=KEY`; otherwise 401
 *   `{"errors":[{"message":…}]}`; an API key without the needed permission gets 403;
 * - JSON bodies; create/update requests must send `Content-Type: application/json` (else 500,
 *   as Prefinery warns);
 * - lists paged 25 per page with `?page=N` and an `X-Pagination` JSON header
 *   (`previous_page`, `next_page`, `current_page`, `per_page`, `count`, `pages`, `total_count`);
 * - POST creates answer 201 with the object, check-ins 202 with no body, DELETE 200 (or 204,
 *   see `deleteStatus`) with no body, validation errors 422 with Prefinery-style error codes,
 *   unknown ids 404;
 * - 429 on demand (`failNext({ status: 429 })`); no answer at all on demand (`failNext({ hang: true })`);
 * - with `rateLimits`, Prefinery's documented limits (§5), each a sliding window on the mock's clock:
 *   `GET /betas` and `GET /betas/{id}` 90 per 15 minutes per company; the tester list
 *   (`GET /betas/{id}/testers`) 60 per minute per project and 180 per minute per company; rewards and
 *   points (any method) 60 per minute per company. One API key is one company. An overflowing
 *   request is answered 429 and not carried out (nor counted in the window); Prefinery documents no
 *   overflow headers, so `Retry-After` (seconds) is sent only with `retryAfterHeader: true`. The
 *   clock is injectable (`now`) or real time sped up (`speed`), so tests and benchmarks compress time.
 * Where Prefinery's behaviour is not documented (PUT testers/{id}, verify, exact 401/422 wording),
 * the mock picks something plausible; the node must not depend on those details.
 *
 * Every request is recorded in `requests` (method, path, query, headers, body, url).
 *
 * The tester list's order (`testerOrder`, changeable with `setTesterOrder`): 'oldest-first' (default,
 * creation order, as before), 'newest-first' (what API v1 documented) or 'shuffled' (a fixed pseudo-random
 * order by id, the same on every request, as an API with no documented order might answer).
 */
const http = require('node:http');

const PER_PAGE = 25;
const DEFAULT_API_KEY = 'test-api-key';
const ALL_PERMISSIONS = [
	'betas',
	'testers',
	'checkins',
	'friend_invitations',
	'points',
	'rewards',
	'suppressions',
];
const PROFILE_FIELDS = [
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
];
const TESTER_STATUSES = [
	'imported',
	'unconfirmed',
	'applied',
	'rejected',
	'invited',
	'active',
	'idle',
	'suspended',
];
const SEED_TIME = Date.parse('2024-03-01T12:00:00Z');
const FIRST_NAMES = ['Leonard', 'Sheldon', 'Penny', 'Howard', 'Raj', 'Amy', 'Bernadette', 'Stuart'];
const LAST_NAMES = ['Hofstadter', 'Cooper', 'Teller', 'Wolowitz', 'Koothrappali', 'Fowler', 'Rostenkowski', 'Bloom'];

function iso(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pad(n) {
	return String(n).padStart(2, '0');
}

function emptyProfile() {
	const profile = {};
	for (const key of PROFILE_FIELDS) profile[key] = null;
	return profile;
}

function makeTester(state, projectId, fields) {
	const id = state.nextId.tester++;
	const now = iso(fields.createdAtMs ?? Date.now());
	const status = fields.status ?? 'applied';
	const code = fields.referral_code ?? `REF${String(id).padStart(5, '0')}`;
	const tester = {
		id,
		project_id: projectId,
		email: fields.email,
		status,
		invitation_code: status === 'invited' || status === 'active' ? `inv${id.toString(16)}` : '',
		referral_code: code,
		imported_at: status === 'imported' ? now : null,
		applied_at: status === 'applied' || status === 'invited' || status === 'active' ? now : null,
		invited_at: status === 'invited' || status === 'active' ? now : null,
		joined_at: status === 'active' ? now : null,
		unsubscribed_at: null,
		share_clicks_count: 0,
		share_signups_count: 0,
		friend_invitations_allowed: 5,
		friend_invitations_count: 0,
		friend_invitations_remaining: 5,
		share_link: `http://l.aunch.us/${code}`,
		share_status_link: `http://l.aunch.us/${code}?check=${id}`,
		waitlist_position: null,
		waitlist_ahead: null,
		waitlist_behind: null,
		waitlist_length: null,
		referred_by: fields.referred_by ?? null,
		game_code: null,
		groups: fields.groups ?? '',
		responses: Array.isArray(fields.responses) ? fields.responses : [],
		profile: { ...emptyProfile(), ...(fields.profile ?? {}) },
		created_at: now,
		updated_at: now,
	};
	return tester;
}

/** A fixed pseudo-random rank for an id (the same on every request): the 'shuffled' order. */
function shuffleRank(id) {
	let x = (id * 2654435761) >>> 0;
	x ^= x >>> 15;
	x = Math.imul(x, 2246822519) >>> 0;
	x ^= x >>> 13;
	return x >>> 0;
}

/** The tester list in the requested order; the stored list stays in creation order. */
function orderTesters(list, order) {
	if (order === 'newest-first') return [...list].reverse();
	if (order === 'shuffled') return [...list].sort((a, b) => shuffleRank(a.id) - shuffleRank(b.id) || a.id - b.id);
	return list;
}

function recomputeWaitlist(state, projectId) {
	const testers = state.testers.get(projectId) ?? [];
	const waiting = testers.filter((t) => t.status === 'applied');
	testers.forEach((t) => {
		const index = waiting.indexOf(t);
		if (index === -1) {
			t.waitlist_position = t.waitlist_ahead = t.waitlist_behind = t.waitlist_length = null;
		} else {
			t.waitlist_position = index + 1;
			t.waitlist_ahead = index;
			t.waitlist_behind = waiting.length - index - 1;
			t.waitlist_length = waiting.length;
		}
	});
}

function seed(state, testerCount) {
	state.projects = [
		{
			id: 1,
			name: 'Acme Waitlist',
			homepage_url: 'https://acme.example.com',
			created_at: '2023-01-10T09:00:00Z',
			updated_at: '2024-03-01T12:00:00Z',
		},
		{
			id: 2,
			name: 'Beta Launch',
			homepage_url: 'https://beta.example.com',
			created_at: '2023-06-01T09:00:00Z',
			updated_at: '2024-02-01T12:00:00Z',
		},
	];
	state.testers = new Map([
		[1, []],
		[2, []],
	]);
	for (let n = 1; n <= testerCount; n++) {
		const first = FIRST_NAMES[(n - 1) % FIRST_NAMES.length];
		const last = LAST_NAMES[Math.floor((n - 1) / FIRST_NAMES.length) % LAST_NAMES.length];
		const status = n % 10 === 0 ? 'active' : n % 7 === 0 ? 'invited' : 'applied';
		state.testers.get(1).push(
			makeTester(state, 1, {
				email: `user${pad(n)}@example.com`,
				status,
				createdAtMs: SEED_TIME + n * 60000,
				groups: n % 3 === 0 ? 'Investors,Friends' : '',
				profile: {
					first_name: first,
					last_name: last,
					utm_source: n % 2 === 0 ? 'newsletter' : 'twitter',
					custom_var1: n % 5 === 0 ? 'vip' : null,
				},
			}),
		);
	}
	for (let n = 1; n <= 3; n++) {
		state.testers.get(2).push(
			makeTester(state, 2, {
				email: `beta${n}@example.org`,
				status: 'applied',
				createdAtMs: SEED_TIME + n * 60000,
				profile: { first_name: `Beta${n}` },
			}),
		);
	}
	recomputeWaitlist(state, 1);
	recomputeWaitlist(state, 2);

	// 30 point entries for project 1 (2 pages), all for the first testers.
	state.points = new Map([
		[1, []],
		[2, []],
	]);
	const activities = ['signup', 'share', 'referral', 'bonus'];
	for (let n = 1; n <= 30; n++) {
		const tester = state.testers.get(1)[(n - 1) % 5];
		const activity = activities[(n - 1) % activities.length];
		state.points.get(1).push({
			id: state.nextId.point++,
			quantity: activity === 'bonus' ? 10 : 2,
			activity,
			reason: activity === 'bonus' ? 'VIP' : null,
			user_id: tester.id,
			created_at: iso(SEED_TIME + n * 3600000),
		});
	}
	state.rewards = new Map([
		[1, []],
		[2, []],
	]);
	const rewardStatuses = ['earned', 'delivered', 'revoked', 'earned'];
	rewardStatuses.forEach((status, index) => {
		const tester = state.testers.get(1)[index];
		state.rewards.get(1).push({
			id: state.nextId.reward++,
			descriptor: index % 2 === 0 ? 'three-referrals' : 'double-sided-signup',
			name: index % 2 === 0 ? 'Early access after 3 referrals' : 'Free month for you and a friend',
			type: index % 2 === 0 ? 'Milestone' : 'DoubleSided',
			user_role: 'referrer',
			user_id: tester.id,
			status,
			earned_at: iso(SEED_TIME + index * 86400000),
			delivered_at: status === 'delivered' ? iso(SEED_TIME + (index + 1) * 86400000) : null,
			revoked_at: status === 'revoked' ? iso(SEED_TIME + (index + 1) * 86400000) : null,
		});
	});
	state.suppressions = new Map([
		[1, []],
		[2, []],
	]);
	['bounced@example.com', 'spam@example.com'].forEach((email, index) => {
		state.suppressions.get(1).push({
			id: state.nextId.suppression++,
			email,
			user_id: null,
			reason: index === 0 ? 'HardBounce' : 'SpamComplaint',
			suppressed_at: iso(SEED_TIME + index * 86400000),
		});
	});
	state.checkins = [];
	state.friendInvitations = [];
}

const MINUTE = 60000;
/** Prefinery's documented limits (reference: prefinery.md §5). */
const DOCUMENTED_LIMITS = {
	projects: { limit: 90, windowMs: 15 * MINUTE },
	testerListProject: { limit: 60, windowMs: MINUTE },
	testerListCompany: { limit: 180, windowMs: MINUTE },
	rewardsPoints: { limit: 60, windowMs: MINUTE },
};

function resolveLimits(option) {
	if (!option) return null;
	const limits = {};
	for (const [name, spec] of Object.entries(DOCUMENTED_LIMITS)) {
		limits[name] = { ...spec, ...(option === true ? {} : option[name] ?? {}) };
	}
	return limits;
}

/** The buckets (name, key) a request counts against; `segments` are the path after /api/v2. */
function limitBuckets(method, segments, company) {
	if (segments[0] !== 'betas') return [];
	if (segments.length <= 2) return method === 'GET' ? [['projects', `projects|${company}`]] : [];
	if (segments.length === 3 && segments[2] === 'testers' && method === 'GET')
		return [
			['testerListProject', `testers|${company}|${segments[1]}`],
			['testerListCompany', `testers|${company}`],
		];
	if (segments[2] === 'points' || segments[2] === 'rewards') return [['rewardsPoints', `rewards-points|${company}`]];
	return [];
}

class HttpError extends Error {
	constructor(status, message, code) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

function errorBody(message, code) {
	const entry = { message };
	if (code !== undefined) entry.code = code;
	return { errors: [entry] };
}

function isEmail(value) {
	return typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function findTesterByEmail(list, email) {
	const needle = String(email ?? '').toLowerCase();
	return list.find((t) => t.email.toLowerCase() === needle);
}

function authenticate(req, query, apiKeys) {
	const header = req.headers.authorization;
	let key = null;
	if (typeof header === 'string') {
		const bearer = /^Bearer\s+(.+)$/i.exec(header);
		const basic = /^Basic\s+(.+)$/i.exec(header);
		if (bearer) key = bearer[1].trim();
		else if (basic) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
	}
	if (key === null && typeof query.api_key === 'string') key = query.api_key;
	if (key === null || key === '') return { ok: false, message: 'You must provide an API key.' };
	if (!Object.prototype.hasOwnProperty.call(apiKeys, key))
		return { ok: false, message: 'Invalid API key.' };
	return { ok: true, key, permissions: apiKeys[key] };
}

/**
 * @param {import('./mock-prefinery-api').MockPrefineryApiOptions} [options]
 * @returns {Promise<import('./mock-prefinery-api').MockPrefineryApi>}
 */
async function startMockPrefineryApi(options = {}) {
	const apiKey = options.apiKey ?? DEFAULT_API_KEY;
	const apiKeys = { [apiKey]: options.permissions ?? ALL_PERMISSIONS, ...(options.apiKeys ?? {}) };
	const testerCount = options.testers ?? 60;
	const deleteStatus = options.deleteStatus ?? 200;
	const paginationMode = options.pagination ?? 'header';
	let testerOrder = options.testerOrder ?? 'oldest-first';
	const requests = [];
	const failures = [];
	const clockStart = Date.now();
	const speed = options.speed ?? 1;
	const now = options.now ?? (() => clockStart + (Date.now() - clockStart) * speed);
	const limits = resolveLimits(options.rateLimits);
	const retryAfterHeader = options.retryAfterHeader ?? false;
	/** bucket key → accepted request times (mock clock) inside the window. */
	const windows = new Map();
	/** "METHOD path body" of every write carried out → how many times. */
	const writes = new Map();
	const counters = { rateLimited: 0 };

	/** Null when the request fits every window (and is then counted), else the 429 to send. */
	function overLimit(method, segments, company) {
		if (!limits) return null;
		const t = now();
		const buckets = limitBuckets(method, segments, company);
		let worst = null;
		for (const [name, key] of buckets) {
			const { limit, windowMs } = limits[name];
			const log = (windows.get(key) ?? []).filter((at) => at > t - windowMs);
			windows.set(key, log);
			if (log.length >= limit) {
				const waitMs = log[log.length - limit] + windowMs - t;
				if (!worst || waitMs > worst.waitMs) worst = { name, waitMs };
			}
		}
		if (worst) return worst;
		for (const [, key] of buckets) windows.get(key).push(t);
		return null;
	}
	const state = {
		nextId: { tester: 1001, point: 5001, reward: 7001, suppression: 9001, invitation: 3001, checkin: 1 },
	};
	seed(state, testerCount);

	function takeFailure(method, path) {
		for (let i = 0; i < failures.length; i++) {
			const f = failures[i];
			if (f.method && f.method.toUpperCase() !== method) continue;
			if (f.path instanceof RegExp ? !f.path.test(path) : f.path && !path.includes(f.path)) continue;
			f.times -= 1;
			if (f.times <= 0) failures.splice(i, 1);
			return f;
		}
		return null;
	}

	function project(projectId) {
		const p = state.projects.find((x) => String(x.id) === String(projectId));
		if (!p) throw new HttpError(404, 'Beta not found.', 2202);
		return p;
	}

	function projectJson(p) {
		const testers = state.testers.get(p.id) ?? [];
		const count = (status) => testers.filter((t) => t.status === status).length;
		return {
			id: p.id,
			name: p.name,
			homepage_url: p.homepage_url,
			testers_count: testers.length,
			impressions_count: testers.length * 7,
			share_clicks_count: testers.reduce((s, t) => s + t.share_clicks_count, 0),
			share_signups_count: testers.reduce((s, t) => s + t.share_signups_count, 0),
			imported_testers_count: count('imported'),
			applied_testers_count: count('applied'),
			invited_testers_count: count('invited'),
			active_testers_count: count('active'),
			rejected_testers_count: count('rejected'),
			created_at: p.created_at,
			updated_at: p.updated_at,
		};
	}

	function paged(list, query) {
		const total = list.length;
		const pages = Math.max(1, Math.ceil(total / PER_PAGE));
		const requested = paginationMode === 'ignore-page' ? 1 : Number.parseInt(String(query.page ?? '1'), 10);
		const page = Number.isFinite(requested) && requested > 0 ? requested : 1;
		const slice = list.slice((page - 1) * PER_PAGE, page * PER_PAGE);
		const pagination = {
			previous_page: page > 1 ? page - 1 : null,
			next_page: page < pages ? page + 1 : null,
			current_page: page,
			per_page: PER_PAGE,
			count: slice.length,
			pages,
			total_count: total,
		};
		// `pagination: 'none'` leaves the header out; 'other-keys' names its keys differently; 'ignore-page'
		// always answers page 1 (an API that ignores ?page=): the node must not stop silently or loop.
		if (paginationMode === 'none') return { status: 200, body: slice, headers: {} };
		const header =
			paginationMode === 'other-keys'
				? { currentPage: page, totalPages: pages, perPage: PER_PAGE, totalCount: total }
				: pagination;
		return { status: 200, body: slice, headers: { 'X-Pagination': JSON.stringify(header) } };
	}

	function requirePermission(auth, permission) {
		if (!auth.permissions.includes(permission) && !auth.permissions.includes('*'))
			throw new HttpError(403, `This API key does not have the ${permission} permission.`);
	}

	function requireJson(req, body) {
		const type = String(req.headers['content-type'] ?? '');
		if (!/^application\/json\b/i.test(type))
			throw new HttpError(500, 'We\'re sorry, but something went wrong (send Content-Type: application/json).');
		if (body === undefined || body === null || typeof body !== 'object')
			throw new HttpError(400, 'Request body must be a JSON object.');
	}

	function testerFromBody(body) {
		const input = body && typeof body.tester === 'object' && body.tester !== null ? body.tester : null;
		if (!input) throw new HttpError(422, 'Tester parameters are missing.', 2401);
		return input;
	}

	function applyTesterInput(tester, input, list) {
		if (input.email !== undefined) {
			if (!isEmail(input.email)) throw new HttpError(422, 'Email is invalid.', 2404);
			const other = findTesterByEmail(list, input.email);
			if (other && other !== tester) throw new HttpError(422, 'Email has already been taken.', 2405);
			tester.email = input.email;
		}
		if (input.status !== undefined) {
			if (!TESTER_STATUSES.includes(input.status))
				throw new HttpError(422, `Status is not included in the list.`, 2406);
			const now = iso(Date.now());
			tester.status = input.status;
			if (input.status === 'invited') {
				tester.invited_at = now;
				tester.invitation_code = tester.invitation_code || `inv${tester.id.toString(16)}`;
			}
			if (input.status === 'active') tester.joined_at = tester.joined_at ?? now;
			if (input.status === 'applied') tester.applied_at = tester.applied_at ?? now;
		}
		if (input.referred_by !== undefined) tester.referred_by = input.referred_by;
		if (input.profile !== undefined) {
			if (typeof input.profile !== 'object' || input.profile === null || Array.isArray(input.profile))
				throw new HttpError(422, 'Profile must be an object.', 2407);
			tester.profile = { ...tester.profile, ...input.profile };
		}
		if (input.responses !== undefined) {
			if (!Array.isArray(input.responses)) throw new HttpError(422, 'Responses must be an array.', 2408);
			tester.responses = input.responses;
		}
		tester.updated_at = iso(Date.now());
	}

	/** Returns { status, body?, headers? } or throws HttpError. */
	function route(req, method, segments, query, body, auth) {
		// segments after /api/v2, e.g. ['betas', '1', 'testers']
		if (segments[0] !== 'betas') throw new HttpError(404, 'Not found.');
		if (segments.length === 1) {
			requirePermission(auth, 'betas');
			if (method !== 'GET') throw new HttpError(404, 'Not found.');
			return paged(state.projects.map(projectJson), query);
		}
		const p = project(segments[1]);
		if (segments.length === 2) {
			requirePermission(auth, 'betas');
			if (method === 'GET') return { status: 200, body: projectJson(p) };
			throw new HttpError(404, 'Not found.');
		}
		const resource = segments[2];
		const list = state.testers.get(p.id);
		if (resource === 'testers') {
			requirePermission(auth, 'testers');
			if (segments.length === 3) {
				if (method === 'GET') {
					let result = orderTesters(list, testerOrder);
					const lc = (v) => String(v ?? '').toLowerCase();
					if (query.email_is) result = result.filter((t) => lc(t.email) === lc(query.email_is));
					if (query.email_contains)
						result = result.filter((t) => lc(t.email).includes(lc(query.email_contains)));
					if (query.name)
						result = result.filter(
							(t) =>
								lc(t.profile.first_name).includes(lc(query.name)) ||
								lc(t.profile.last_name).includes(lc(query.name)),
						);
					if (query.referral_code) result = result.filter((t) => t.referral_code === query.referral_code);
					if (query.custom_vars)
						result = result.filter((t) =>
							['custom_var1', 'custom_var2', 'custom_var3'].some((k) => t.profile[k] === query.custom_vars),
						);
					return paged(result, query);
				}
				if (method === 'POST') {
					requireJson(req, body);
					const input = testerFromBody(body);
					if (input.email === undefined || input.email === '')
						throw new HttpError(422, 'Email is required.', 2403);
					if (!isEmail(input.email)) throw new HttpError(422, 'Email is invalid.', 2404);
					if (findTesterByEmail(list, input.email))
						throw new HttpError(422, 'Email has already been taken.', 2405);
					const tester = makeTester(state, p.id, { email: input.email, status: 'imported' });
					applyTesterInput(tester, { ...input, status: input.status ?? 'imported' }, list);
					list.push(tester);
					recomputeWaitlist(state, p.id);
					return { status: 201, body: tester };
				}
				throw new HttpError(404, 'Not found.');
			}
			const tester = list.find((t) => String(t.id) === segments[3]);
			if (!tester) throw new HttpError(404, 'Tester not found.', 2402);
			if (segments.length === 4) {
				if (method === 'GET') return { status: 200, body: tester };
				if (method === 'PUT' || method === 'PATCH') {
					requireJson(req, body);
					applyTesterInput(tester, testerFromBody(body), list);
					recomputeWaitlist(state, p.id);
					return { status: 200, body: tester };
				}
				if (method === 'DELETE') {
					list.splice(list.indexOf(tester), 1);
					recomputeWaitlist(state, p.id);
					return { status: deleteStatus };
				}
			}
			if (segments.length === 5 && segments[4] === 'verify' && method === 'GET') {
				const code = query.invitation_code;
				if (!code) throw new HttpError(422, 'Invitation code is required.', 2409);
				if (!tester.invitation_code || tester.invitation_code !== code)
					throw new HttpError(422, 'Invitation code is invalid.', 2410);
				return { status: 200, body: tester };
			}
			throw new HttpError(404, 'Not found.');
		}
		if (resource === 'checkins' && segments.length === 3 && method === 'POST') {
			requirePermission(auth, 'checkins');
			requireJson(req, body);
			const email = body.checkin && body.checkin.email;
			if (!email) throw new HttpError(422, 'Email is required.', 2602);
			const tester = findTesterByEmail(list, email);
			if (!tester) throw new HttpError(422, 'Email not found.', 2603);
			tester.status = 'active';
			tester.joined_at = tester.joined_at ?? iso(Date.now());
			state.checkins.push({ id: state.nextId.checkin++, project_id: p.id, tester_id: tester.id });
			recomputeWaitlist(state, p.id);
			return { status: 202 };
		}
		if (resource === 'friend_invitations' && segments.length === 3 && method === 'POST') {
			requirePermission(auth, 'friend_invitations');
			requireJson(req, body);
			const input = body.friend_invitation;
			if (!input || typeof input !== 'object')
				throw new HttpError(422, 'Friend invitation parameters are missing.', 2501);
			if (!input.sender_email) throw new HttpError(422, 'Sender email is required.', 2502);
			if (!input.recipient_email) throw new HttpError(422, 'Recipient email is required.', 2503);
			const inviter = findTesterByEmail(list, input.sender_email);
			if (!inviter) throw new HttpError(422, 'Sender email not found.', 2504);
			if (!isEmail(input.recipient_email)) throw new HttpError(422, 'Recipient email is invalid.', 2505);
			if (inviter.friend_invitations_remaining <= 0)
				throw new HttpError(422, 'Sender has no friend invitations remaining.', 2506);
			let invitee = findTesterByEmail(list, input.recipient_email);
			if (!invitee) {
				invitee = makeTester(state, p.id, { email: input.recipient_email, status: 'invited' });
				list.push(invitee);
			}
			inviter.friend_invitations_count += 1;
			inviter.friend_invitations_remaining -= 1;
			const invitation = {
				id: state.nextId.invitation++,
				created_at: iso(Date.now()),
				message: input.message ?? null,
				inviter,
				invitee,
			};
			state.friendInvitations.push(invitation);
			recomputeWaitlist(state, p.id);
			return { status: 201, body: invitation };
		}
		if (resource === 'points' && segments.length === 3) {
			requirePermission(auth, 'points');
			const points = state.points.get(p.id);
			if (method === 'GET') {
				let result = points;
				if (query.email) {
					const tester = findTesterByEmail(list, query.email);
					result = tester ? points.filter((x) => x.user_id === tester.id) : [];
				}
				return paged(result, query);
			}
			if (method === 'POST') {
				requireJson(req, body);
				if (!body.email) throw new HttpError(422, 'Email is required.', 2802);
				const tester = findTesterByEmail(list, body.email);
				if (!tester) throw new HttpError(422, 'Email not found.', 2803);
				if (body.quantity === undefined || body.quantity === null || body.quantity === '')
					throw new HttpError(422, 'Quantity is required.', 2804);
				const point = {
					id: state.nextId.point++,
					quantity: Number(body.quantity),
					activity: 'bonus',
					reason: body.reason ?? null,
					user_id: tester.id,
					created_at: iso(Date.now()),
				};
				points.push(point);
				return { status: 201, body: point };
			}
		}
		if (resource === 'rewards' && segments.length === 3 && method === 'GET') {
			requirePermission(auth, 'rewards');
			let result = state.rewards.get(p.id);
			if (query.email) {
				const tester = findTesterByEmail(list, query.email);
				result = tester ? result.filter((x) => x.user_id === tester.id) : [];
			}
			if (query.status) result = result.filter((x) => x.status === query.status);
			return paged(result, query);
		}
		if (resource === 'suppressions') {
			requirePermission(auth, 'suppressions');
			const suppressions = state.suppressions.get(p.id);
			if (segments.length === 3 && method === 'GET') {
				const result = query.email
					? suppressions.filter((s) => s.email.toLowerCase() === String(query.email).toLowerCase())
					: suppressions;
				return paged(result, query);
			}
			if (segments.length === 3 && method === 'POST') {
				requireJson(req, body);
				if (!body.email) throw new HttpError(422, 'Email is required.', 2703);
				if (suppressions.some((s) => s.email.toLowerCase() === String(body.email).toLowerCase()))
					throw new HttpError(422, 'Email already exists.', 2702);
				const reason = body.reason ?? 'Manual';
				if (reason !== 'Manual' && reason !== 'Unsubscribe')
					throw new HttpError(422, 'Reason must be Manual or Unsubscribe.', 2701);
				const tester = findTesterByEmail(list, body.email);
				if (tester && reason === 'Unsubscribe') tester.unsubscribed_at = iso(Date.now());
				const suppression = {
					id: state.nextId.suppression++,
					email: body.email,
					user_id: tester ? tester.id : null,
					reason,
					suppressed_at: iso(Date.now()),
				};
				suppressions.push(suppression);
				return { status: 201, body: suppression };
			}
			if (segments.length === 4 && method === 'DELETE') {
				const index = suppressions.findIndex((s) => String(s.id) === segments[3]);
				if (index === -1) throw new HttpError(404, 'Suppression not found.', 2705);
				suppressions.splice(index, 1);
				return { status: deleteStatus };
			}
		}
		throw new HttpError(404, 'Not found.');
	}

	function send(res, status, body, headers = {}) {
		const hasBody = body !== undefined && status !== 204;
		const text = hasBody ? JSON.stringify(body) : '';
		const allHeaders = { ...headers };
		if (hasBody) allHeaders['Content-Type'] = 'application/json; charset=utf-8';
		allHeaders['Content-Length'] = Buffer.byteLength(text);
		res.writeHead(status, allHeaders);
		res.end(text);
	}

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const parsedUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
			const query = {};
			for (const [key, value] of parsedUrl.searchParams) query[key] = value;
			let body;
			let bodyParseError = false;
			if (raw !== '') {
				try {
					body = JSON.parse(raw);
				} catch {
					body = raw;
					bodyParseError = true;
				}
			}
			const method = (req.method ?? 'GET').toUpperCase();
			const path = parsedUrl.pathname;
			const entry = {
				method,
				path,
				query,
				headers: { ...req.headers },
				body,
				url: req.url ?? '',
				at: now(),
				status: 0,
			};
			requests.push(entry);
			const reply = (status, replyBody, headers) => {
				entry.status = status;
				if (status < 300 && method !== 'GET') {
					const key = `${method} ${path} ${raw}`;
					writes.set(key, (writes.get(key) ?? 0) + 1);
				}
				return send(res, status, replyBody, headers);
			};
			try {
				const prefix = '/api/v2/';
				if (!path.startsWith(prefix)) throw new HttpError(404, 'Not found.');
				const auth = authenticate(req, query, apiKeys);
				if (!auth.ok) throw new HttpError(401, auth.message);
				const forced = takeFailure(method, path);
				if (forced && forced.hang) {
					// Never answers (a hung upstream): the connection stays open until the client gives up
					// or the mock closes; nothing is carried out.
					return undefined;
				}
				if (forced && forced.status === 0) {
					// A connection reset: no answer at all (the node cannot know whether it was carried out).
					entry.status = 0;
					if (forced.carryOut) {
						try {
							const segments = path.slice(prefix.length).split('/').filter((x) => x !== '');
							const done = route(req, method, segments, query, body, auth);
							if (done.status < 300 && method !== 'GET') {
								const key = `${method} ${path} ${raw}`;
								writes.set(key, (writes.get(key) ?? 0) + 1);
							}
						} catch {
							// carried out or not, the client sees only the reset
						}
					}
					req.socket.destroy();
					return undefined;
				}
				if (forced) {
					const status = forced.status;
					const message =
						forced.message ??
						(status === 429 ? 'Rate limit exceeded. Please retry later.' : `Simulated error ${status}.`);
					const headers =
						status === 429 && forced.retryAfter !== null ? { 'Retry-After': String(forced.retryAfter ?? 60) } : {};
					if (status === 429) counters.rateLimited += 1;
					return reply(status, forced.body ?? errorBody(message, forced.code), headers);
				}
				const segments = path
					.slice(prefix.length)
					.replace(/\.json$/, '')
					.split('/')
					.filter((s) => s !== '')
					.map((s) => decodeURIComponent(s));
				const over = overLimit(method, segments, auth.key);
				if (over) {
					counters.rateLimited += 1;
					const headers = retryAfterHeader ? { 'Retry-After': String(Math.max(1, Math.ceil(over.waitMs / 1000))) } : {};
					return reply(429, errorBody('Rate limit exceeded. Please retry later.'), headers);
				}
				if (bodyParseError) throw new HttpError(400, 'Request body is not valid JSON.');
				const result = route(req, method, segments, query, body, auth);
				return reply(result.status, result.body, result.headers);
			} catch (error) {
				if (error instanceof HttpError) return reply(error.status, errorBody(error.message, error.code));
				return reply(500, errorBody(`Mock server error: ${error && error.message}`));
			}
		});
	});

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	const origin = `http://127.0.0.1:${address.port}`;

	return {
		url: `${origin}/api/v2`,
		origin,
		port: address.port,
		apiKey,
		requests,
		state,
		now,
		setTesterOrder(order) {
			testerOrder = order;
		},
		failNext(failure) {
			failures.push({ times: 1, ...failure });
		},
		clearRequests() {
			requests.length = 0;
		},
		stats() {
			let duplicateWrites = 0;
			let acceptedWrites = 0;
			for (const count of writes.values()) {
				acceptedWrites += count;
				duplicateWrites += count - 1;
			}
			return {
				requests: requests.length,
				rateLimited: counters.rateLimited,
				acceptedWrites,
				duplicateWrites,
			};
		},
		reset() {
			requests.length = 0;
			failures.length = 0;
			windows.clear();
			writes.clear();
			counters.rateLimited = 0;
			testerOrder = options.testerOrder ?? 'oldest-first';
			state.nextId = {
				tester: 1001,
				point: 5001,
				reward: 7001,
				suppression: 9001,
				invitation: 3001,
				checkin: 1,
			};
			seed(state, testerCount);
		},
		close() {
			return new Promise((resolve, reject) => {
				if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			});
		},
	};
}

module.exports = { startMockPrefineryApi, DEFAULT_API_KEY, PER_PAGE, DOCUMENTED_LIMITS };
