import { PREFINERY_EVENTS } from '../lib/events';
import { POINT_FIELDS, PROFILE_FIELDS, REWARD_FIELDS, TESTER_FIELDS, type FieldKind } from '../lib/fields';
import { normalizeEvent, parseEnvelope, type JsonObject } from '../lib/normalize';
import { allSamples, SAMPLE_ID_BASE, SAMPLE_PROJECT_ID, samplePayload } from '../lib/samples';
import { bytes } from './helpers/signing';

/** The expected normalised value, written independently of lib/normalize. */
function expectedValue(kind: FieldKind, value: unknown): unknown {
	if (value === undefined || value === null) {
		if (kind === 'responses') return [];
		if (kind === 'profile') return Object.fromEntries(PROFILE_FIELDS.map((key) => [key, null]));
		return null;
	}
	switch (kind) {
		case 'integer':
			return typeof value === 'string' ? Number(value) : value;
		case 'string':
			return typeof value === 'string' ? value : String(value);
		case 'timestamp':
			return typeof value === 'number' ? new Date(value * 1000).toISOString() : new Date(value as string).toISOString();
		case 'profile': {
			const profile = value as JsonObject;
			return { ...profile, ...Object.fromEntries(PROFILE_FIELDS.map((key) => [key, profile[key] ?? null])) };
		}
		default:
			return value;
	}
}

const FIELDS_BY_KIND = { tester: TESTER_FIELDS, reward: REWARD_FIELDS, point: POINT_FIELDS } as const;

describe('sample payloads', () => {
	it('every event in PREFINERY_EVENTS has a sample, in catalogue order', () => {
		const samples = allSamples();
		expect(samples.map((sample) => sample.type)).toEqual(PREFINERY_EVENTS.map((event) => event.value));
	});

	it('sample ids are distinct, recognisable and stable', () => {
		const ids = allSamples().map((sample) => sample.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) {
			expect(typeof id).toBe('number');
			expect(id as number).toBeGreaterThan(SAMPLE_ID_BASE);
		}
		expect(allSamples().map((sample) => sample.id)).toEqual(ids);
	});

	it('each call returns an independent copy', () => {
		const first = samplePayload('tester_created');
		(first.data as JsonObject).email = 'changed@example.com';
		expect(samplePayload('tester_created').data.email).not.toBe('changed@example.com');
	});

	it('accepts an explicit id and unknown types (tester data under that name)', () => {
		expect(samplePayload('tester_updated', 'evt-1').id).toBe('evt-1');
		const unknown = samplePayload('referral_created');
		expect(unknown.type).toBe('referral_created');
		expect(unknown.id).toBe(SAMPLE_ID_BASE);
		expect(unknown.data.email).toBeDefined();
	});

	describe.each(PREFINERY_EVENTS.map((event) => [event.value, event]))('%s', (_type, event) => {
		const sample = samplePayload(event.value);
		const wire = bytes(sample);

		it('is a Prefinery envelope: integer id, type, object data, Unix-seconds created_at', () => {
			expect(Number.isSafeInteger(sample.id)).toBe(true);
			expect(sample.type).toBe(event.value);
			expect(typeof sample.data).toBe('object');
			expect(Number.isInteger(sample.created_at)).toBe(true);
			expect(sample.created_at as number).toBeGreaterThan(1.7e9);
		});

		it('passes parseEnvelope', () => {
			const parsed = parseEnvelope(wire);
			expect(parsed.ok).toBe(true);
			if (parsed.ok) expect(parsed.body).toEqual(sample);
		});

		it('normalises unchanged in meaning', () => {
			const parsed = parseEnvelope(wire);
			if (!parsed.ok) throw new Error(parsed.message);
			const item = normalizeEvent(parsed.envelope, { sample: true });
			expect(item.id).toBe(sample.id);
			expect(item.type).toBe(sample.type);
			expect(item.object).toBe(event.kind);
			expect(item.sample).toBe(true);
			expect(item.created_at).toBe(new Date((sample.created_at as number) * 1000).toISOString());
			expect(item.created_at_unix).toBe(sample.created_at);
			if (event.kind === 'unknown') return;
			const fields = FIELDS_BY_KIND[event.kind] as Record<string, FieldKind>;
			const normalised = item[event.kind] as JsonObject;
			expect(normalised).not.toBeNull();
			for (const [field, kind] of Object.entries(fields)) {
				expect([field, normalised[field]]).toEqual([field, expectedValue(kind, sample.data[field])]);
			}
			// nothing the sample sends is lost
			for (const key of Object.keys(sample.data)) expect(normalised).toHaveProperty([key]);
			if (event.kind === 'tester') {
				expect(item.project_id).toBe(SAMPLE_PROJECT_ID);
				// samples fill every documented tester field, so the test event shows the full shape
				for (const field of Object.keys(TESTER_FIELDS)) expect(sample.data).toHaveProperty([field]);
				for (const field of PROFILE_FIELDS) expect(sample.data.profile).toHaveProperty([field]);
			} else {
				for (const field of Object.keys(fields)) expect(sample.data).toHaveProperty([field]);
			}
		});

		it('is anonymised', () => {
			const text = JSON.stringify(sample);
			const emails = text.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g) ?? [];
			for (const email of emails) expect(email).toMatch(/@example\.(com|org)$/);
			for (const name of [
				'Bruce',
				'Wayne',
				'Gotham',
				'brucewayne',
				'FaKElInK',
				'aunch.us',
				'64.71.141.151',
				'300-555-0169',
				'07470',
				'charity',
				'google',
				'protected',
			]) {
				expect(text.toLowerCase()).not.toContain(name.toLowerCase());
			}
			// IPv4 addresses only from the documentation ranges (RFC 5737)
			for (const ip of text.match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? []) {
				expect(ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
			}
		});
	});
});
