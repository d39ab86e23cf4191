#!/usr/bin/env node
// Writes the Prefinery Trigger's output schema (JSON Schema of the "Typed Event" item) into
// dist/nodes/PrefineryTrigger/__schema__/v<version>.json for every node version (1.0.0, 1.1.0),
// generated from the field catalogue in dist/lib/fields.js so it can never drift from the
// normaliser. Run by `npm run build` after `n8n-node build`. n8n serves it at
// /schemas/<node type>/<version>.json (n8n 2.41's editor does not use it for trigger nodes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness/runtime.mjs';

const fields = await import(join(ROOT, 'dist', 'lib', 'fields.js'));
const { PREFINERY_EVENTS } = await import(join(ROOT, 'dist', 'lib', 'events.js'));

const nullable = (type) => ({ type: [type, 'null'] });
const KIND = {
	integer: () => nullable('number'),
	string: () => nullable('string'),
	timestamp: () => ({ type: ['string', 'null'], format: 'date-time' }),
	any: () => ({}),
	profile: () => objectOf(Object.fromEntries(fields.PROFILE_FIELDS.map((key) => [key, nullable('string')]))),
	responses: () => ({
		type: 'array',
		items: objectOf({ question_id: { type: ['number', 'string', 'null'] }, answer: {} }),
	}),
};

function objectOf(properties) {
	return { type: 'object', properties, additionalProperties: true };
}

function fromTable(table) {
	return {
		...objectOf(Object.fromEntries(Object.entries(table).map(([name, kind]) => [name, KIND[kind]()]))),
		type: ['object', 'null'],
	};
}

const { ITEM_FIELDS } = await import(join(ROOT, 'dist', 'lib', 'normalize.js'));
const { OBJECT_KINDS } = await import(join(ROOT, 'dist', 'lib', 'events.js'));
const ITEM_KIND = {
	event_id: () => ({ type: ['number', 'string', 'null'], description: 'Event id; stable across retries' }),
	event_type: () => ({ type: 'string', examples: PREFINERY_EVENTS.map((event) => event.value) }),
	timestamp: KIND.timestamp,
	integer: KIND.integer,
	object_kind: () => ({ type: 'string', enum: [...OBJECT_KINDS] }),
	tester: () => fromTable(fields.TESTER_FIELDS),
	reward: () => fromTable(fields.REWARD_FIELDS),
	point: () => fromTable(fields.POINT_FIELDS),
	data: () => ({ type: ['object', 'null'], additionalProperties: true }),
	boolean: () => ({ type: 'boolean' }),
};

const schema = {
	$schema: 'http://json-schema.org/draft-07/schema#',
	title: 'Prefinery Trigger item (Typed Event output)',
	...objectOf(
		Object.fromEntries(
			Object.entries(ITEM_FIELDS).map(([key, kind]) => {
				if (!ITEM_KIND[kind]) throw new Error(`write-schema: no schema for item field kind "${kind}"`);
				return [key, ITEM_KIND[kind]()];
			}),
		),
	),
};

const { PrefineryTrigger } = await import(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'PrefineryTrigger.node.js'));
const { version } = new PrefineryTrigger().description;
for (const v of Array.isArray(version) ? version : [version]) {
	const semver = [...String(v).split('.'), '0', '0'].slice(0, 3).join('.');
	const target = join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', '__schema__', `v${semver}.json`);
	mkdirSync(join(target, '..'), { recursive: true });
	writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
	console.log(`output schema → ${target.slice(ROOT.length + 1)}`);
}
