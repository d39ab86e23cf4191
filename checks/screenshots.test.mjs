// The README's screenshots match what the editor shows today: docs/screenshots/stamp.json (written by
// `npm run screenshots`) must equal the stamp of the built package (harness/screenshots.mjs). Needs
// `npm run build` (npm test builds first).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { screenshotStamp, SHOTS_DIR, SHOWN, STAMP_FILE } from '../harness/screenshots.mjs';

describe('the README\'s screenshots', () => {
	it('are taken from the nodes, credentials, example and n8n version the package has now', () => {
		assert.ok(existsSync(STAMP_FILE), 'docs/screenshots/stamp.json is missing: run npm run screenshots');
		const kept = JSON.parse(readFileSync(STAMP_FILE, 'utf8'));
		const now = screenshotStamp();
		assert.equal(kept.n8n, now.n8n, `the screenshots show n8n ${kept.n8n}; the package is tested on ${now.n8n}: run npm run screenshots`);
		assert.equal(kept.sha256, now.sha256, 'a node, credential or the example changed since the screenshots were taken: run npm run screenshots and commit docs/screenshots/');
	});

	it('each picture the docs show exists and stays small', () => {
		for (const name of SHOWN) {
			const file = join(SHOTS_DIR, `${name}.png`);
			assert.ok(existsSync(file), `${name}.png is missing: run npm run screenshots`);
			assert.ok(statSync(file).size < 150_000, `${name}.png is over 150 kB`);
		}
	});
});
