// The README against the built package: its tables and its output example are checked against the one
// source of each fact (event catalogue, node description, normaliser), so the docs cannot drift.
// Needs no n8n; it runs with the real-n8n suites because it reads the built dist/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../scripts/lib/runtime.mjs';

const require = createRequire(import.meta.url);
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { PREFINERY_EVENTS, ANY_EVENT } = require(join(ROOT, 'dist', 'lib', 'events.js'));
const { triggerProperties } = require(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'description.js'));
const { parseEnvelope, normalizeEvent } = require(join(ROOT, 'dist', 'lib', 'normalize.js'));
const { samplePayload } = require(join(ROOT, 'dist', 'lib', 'samples.js'));
const { ANSWERS, httpStatusOf } = require(join(ROOT, 'dist', 'lib', 'answers.js'));

describe('README matches the package', () => {
	it('the events table lists every event of the catalogue with its name, object and certainty', () => {
		assert.match(readme, new RegExp(`\\| \`\\${ANY_EVENT}\` \\| Any Event \\|`));
		for (const event of PREFINERY_EVENTS) {
			const certainty = event.certainty === 'verified' ? 'verified' : 'unverified name';
			const row = `| \`${event.value}\` | ${event.name} | ${event.kind} | ${certainty} |`;
			assert.ok(readme.includes(row), `README lacks the row: ${row}`);
		}
	});

	it('the parameter table names every parameter and option of the trigger with its default', () => {
		for (const property of triggerProperties) {
			if (property.type === 'notice') continue;
			if (property.type !== 'collection')
				assert.ok(readme.includes(`| ${property.displayName} |`), `README lacks parameter ${property.displayName}`);
			if (property.type !== 'collection') continue;
			for (const option of property.options ?? []) {
				assert.ok(readme.includes(`Options → ${option.displayName}`), `README lacks option ${option.displayName}`);
				if (typeof option.default === 'number') assert.ok(readme.includes(`| ${option.default} `), `README lacks default ${option.default}`);
			}
		}
	});

	it('the answers table gives every reason of the answer catalogue (lib/answers.ts) with its HTTP status, by default and strict', () => {
		const section = readme.slice(readme.indexOf('## Answers to Prefinery'), readme.indexOf('### Content types'));
		const rows = section.split('\n').filter((line) => line.startsWith('|'));
		for (const [reason, { status, retryPolicyOnly }] of Object.entries(ANSWERS)) {
			const row = rows.find((line) => line.includes(`\`${reason}\``));
			assert.ok(row, `README → Answers lacks the reason ${reason}`);
			const cells = row.split('|').map((cell) => cell.trim());
			const [byDefault, strict] = [httpStatusOf(reason, 'retry'), httpStatusOf(reason, 'reject')];
			assert.match(cells[2], new RegExp(`\\b${byDefault}\\b`), `${reason}: README says ${cells[2]}, the catalogue ${byDefault}`);
			if (retryPolicyOnly) assert.match(cells[3], /^not used/, `${reason} is never answered under the strict option`);
			else assert.ok(cells[3] === 'same' || new RegExp(`\\b${strict}\\b`).test(cells[3]), `${reason} (strict): README says ${cells[3]}, the catalogue ${strict}`);
			assert.ok(row.includes(`\`${status}\``), `${reason}: README lacks the body status ${status}`);
		}
	});

	it('the output example is what the normaliser produces for the article\'s sample', () => {
		const raw = readFileSync(join(ROOT, 'test', 'fixtures', 'article-sample.json'));
		const expected = normalizeEvent(parseEnvelope(raw).envelope, { signatureVerified: true });
		const block = readme.slice(readme.indexOf('## Output'));
		const json = block.slice(block.indexOf('```json') + 7, block.indexOf('```', block.indexOf('```json') + 7));
		assert.deepEqual(JSON.parse(json), expected);
		assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'docs', 'output-tester-created.json'), 'utf8')), expected);
	});

	it('the example workflow pins exactly the sample the Test URL sends, so fields can be mapped before any event', () => {
		const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'prefinery-new-signups-to-crm.json'), 'utf8'));
		const expected = normalizeEvent(samplePayload('tester_created'), { sample: true, signatureVerified: false });
		assert.deepEqual(example.pinData, { 'Prefinery Trigger': [{ json: expected }] });
	});
});
