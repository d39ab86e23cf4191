// One path to Prefinery's webhook settings everywhere a user reads it: the README, docs/, the example
// and template notes, the nodes' notices, panel and messages, the credential, `npm start`'s banner.
// Every "Integrations → Webhooks" reads "your project → Integrations → Webhooks → Add a URL" (where the
// Production URL goes) or "… → View secret" (where the signing secret is), so no text sends a newcomer
// to a menu (say "Project → Settings → Integrations") that another text does not name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/runtime.mjs';

const PATH = 'your project → Integrations → Webhooks';
const ENDS = ['Add a URL', 'View secret'];

function files(dir, pattern) {
	return readdirSync(join(ROOT, dir)).flatMap((name) => {
		const path = join(dir, name);
		return statSync(join(ROOT, path)).isDirectory() ? files(path, pattern) : pattern.test(name) ? [path] : [];
	});
}

/** Every string of a JSON value (a workflow's notes and node parameters), each as its own text. */
function strings(value) {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.flatMap(strings);
	if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
	return [];
}

/** The texts a user can read, as a person reads them: white space folded (docs wrap lines), no bold marks. */
function readable() {
	const sources = [
		'README.md',
		...files('docs', /\.md$/),
		...files('examples', /\.json$/),
		...files('nodes', /\.ts$/),
		...files('credentials', /\.ts$/),
		...files('lib', /\.ts$/),
		...files('scripts', /\.mjs$/),
	];
	return sources.flatMap((file) => {
		const text = readFileSync(join(ROOT, file), 'utf8');
		const parts = file.endsWith('.json') ? strings(JSON.parse(text)) : [text];
		return parts.map((part) => ({ file, text: part.replace(/\*\*/g, '').replace(/\s+/g, ' ') }));
	});
}

/** Each place a text names Prefinery's Integrations → Webhooks, with what stands around it. */
export function webhookPaths(texts) {
	const found = [];
	for (const { file, text } of texts) {
		for (let at = text.indexOf('Integrations → Webhooks'); at >= 0; at = text.indexOf('Integrations → Webhooks', at + 1)) {
			found.push({ file, before: text.slice(Math.max(0, at - 40), at), after: text.slice(at, at + 60) });
		}
	}
	return found;
}

const isOnePath = ({ before, after }) =>
	before.endsWith('your project → ') && ENDS.some((end) => after.startsWith(`Integrations → Webhooks → ${end}`));

describe("Prefinery's webhook settings are named by one path", () => {
	const texts = readable();

	it(`every text that names Integrations → Webhooks says "${PATH} → ${ENDS.join('" or "… → ')}"`, () => {
		const other = webhookPaths(texts).filter((place) => !isOnePath(place));
		assert.deepEqual(
			other.map(({ file, before, after }) => `${relative('.', file)}: …${before}${after}…`),
			[],
			`use "${PATH} → Add a URL" (or "→ View secret") in these texts`,
		);
	});

	it('the README, the trigger\'s notice and every template\'s note give the path to Add a URL', () => {
		const withAddUrl = new Set(texts.filter(({ text }) => text.includes(`${PATH} → Add a URL`)).map(({ file }) => file));
		const needed = ['README.md', 'nodes/PrefineryTrigger/description.ts', ...files('examples/templates', /\.json$/)];
		assert.deepEqual(needed.filter((file) => !withAddUrl.has(file)), []);
	});

	it('the check itself tells the paths apart (the form the templates used to give fails)', () => {
		const bad = webhookPaths([{ file: 'note', text: 'copy it into Prefinery (Project → Settings → Integrations → Webhooks), and send a test' }]);
		const good = webhookPaths([{ file: 'note', text: 'into Prefinery: your project → Integrations → Webhooks → Add a URL, and send a test' }]);
		assert.equal(bad.length, 1);
		assert.equal(isOnePath(bad[0]), false);
		assert.equal(isOnePath(good[0]), true);
	});
});
