// The README and its docs/ pages against the built package: their tables and the output example are
// checked against the one source of each fact (event catalogue, node description, answer catalogue,
// normaliser), their links against the repository, and the README's first screen against its budget,
// so the docs cannot drift. Needs no n8n; it runs with the real-n8n suites because it reads dist/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { markdownSection, numberedSteps, readDoc, readmeCommands, testUrlStepOrder } from '../harness/readme.mjs';
import { ROOT } from '../harness/runtime.mjs';

const require = createRequire(import.meta.url);
const readme = readDoc('README.md');
const DOC_PAGES = readdirSync(join(ROOT, 'docs'))
	.filter((name) => name.endsWith('.md'))
	.map((name) => `docs/${name}`);
const pages = Object.fromEntries(DOC_PAGES.map((file) => [file, readDoc(file)]));
const { PREFINERY_EVENTS, ANY_EVENT } = require(join(ROOT, 'dist', 'lib', 'events.js'));
const { triggerProperties } = require(join(ROOT, 'dist', 'nodes', 'PrefineryTrigger', 'description.js'));
const { parseEnvelope, normalizeEvent } = require(join(ROOT, 'dist', 'lib', 'normalize.js'));
const { samplePayload } = require(join(ROOT, 'dist', 'lib', 'samples.js'));
const { ANSWERS, httpStatusOf } = require(join(ROOT, 'dist', 'lib', 'answers.js'));

// npm shows the README without the repository's other files: its links to them are absolute, built
// from package.json's repository.url (the default branch is main).
const PACKAGE = JSON.parse(readDoc('package.json'));
const REPOSITORY = PACKAGE.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
const [, OWNER_AND_NAME] = /^https:\/\/github\.com\/([^/]+\/[^/]+)$/.exec(REPOSITORY) ?? [];
const BLOB = `${REPOSITORY}/blob/main/`;
const RAW = `https://raw.githubusercontent.com/${OWNER_AND_NAME}/main/`;

const withoutCode = (text) => text.replace(/^\s*```[\s\S]*?^\s*```/gm, '');

/** Every link and image of a Markdown text: { target, image }. */
function links(text) {
	return [...withoutCode(text).matchAll(/(!?)\[(?:[^\]`]|`[^`]*`)*\]\(([^)\s]+)\)/g)].map((m) => ({ image: m[1] === '!', target: m[2] }));
}

/** The anchors GitHub gives a text's headings. */
function anchors(text) {
	return withoutCode(text)
		.split('\n')
		.filter((line) => /^#{1,6}\s/.test(line))
		.map((line) =>
			line
				.replace(/^#+\s+/, '')
				.trim()
				.toLowerCase()
				.replace(/[^\p{L}\p{N} _-]/gu, '')
				.replace(/ /g, '-'),
		);
}

function assertTarget(file, path, anchor, from) {
	assert.ok(existsSync(join(ROOT, file)), `${from} links to ${path}, which is not in the repository`);
	if (anchor && file.endsWith('.md')) assert.ok(anchors(readDoc(file)).includes(anchor), `${from} links to ${path}: ${file} has no heading #${anchor}`);
}

describe('README and docs pages match the package', () => {
	it('the events table (docs/trigger.md) lists every event of the catalogue with its name, object and certainty', () => {
		const page = pages['docs/trigger.md'];
		assert.match(page, new RegExp(`\\| \`\\${ANY_EVENT}\` \\| Any Event \\|`));
		for (const event of PREFINERY_EVENTS) {
			const certainty = event.certainty === 'verified' ? 'verified' : 'unverified name';
			const row = `| \`${event.value}\` | ${event.name} | ${event.kind} | ${certainty} |`;
			assert.ok(page.includes(row), `docs/trigger.md lacks the row: ${row}`);
		}
	});

	it('the parameter tables (README and docs/trigger.md) name every parameter and option of the trigger with its default', () => {
		const tables = [
			['README → Prefinery Trigger', markdownSection(readme, '## Prefinery Trigger')],
			['docs/trigger.md → Parameters', markdownSection(pages['docs/trigger.md'], '## Parameters')],
		];
		for (const [where, section] of tables) {
			for (const property of triggerProperties) {
				if (property.type === 'notice') continue;
				if (property.type !== 'collection') assert.ok(section.includes(`| ${property.displayName} |`), `${where} lacks parameter ${property.displayName}`);
				if (property.type !== 'collection') continue;
				for (const option of property.options ?? []) {
					assert.ok(section.includes(`| Options → ${option.displayName} |`), `${where} lacks option ${option.displayName}`);
					if (typeof option.default === 'number') assert.ok(section.includes(`| ${option.default} `), `${where} lacks default ${option.default}`);
				}
			}
		}
	});

	it('the answers table (docs/answers.md) gives every reason of the answer catalogue (lib/answers.ts) with its HTTP status, by default and strict', () => {
		const page = pages['docs/answers.md'];
		const section = page.slice(page.indexOf('# Answers to Prefinery'), page.indexOf('## Content types'));
		const rows = section.split('\n').filter((line) => line.startsWith('|'));
		for (const [reason, { status, retryPolicyOnly }] of Object.entries(ANSWERS)) {
			const row = rows.find((line) => line.includes(`\`${reason}\``));
			assert.ok(row, `docs/answers.md lacks the reason ${reason}`);
			const cells = row.split('|').map((cell) => cell.trim());
			const [byDefault, strict] = [httpStatusOf(reason, 'retry'), httpStatusOf(reason, 'reject')];
			assert.match(cells[2], new RegExp(`\\b${byDefault}\\b`), `${reason}: docs/answers.md says ${cells[2]}, the catalogue ${byDefault}`);
			if (retryPolicyOnly) assert.match(cells[3], /^not used/, `${reason} is never answered under the strict option`);
			else assert.ok(cells[3] === 'same' || new RegExp(`\\b${strict}\\b`).test(cells[3]), `${reason} (strict): docs/answers.md says ${cells[3]}, the catalogue ${strict}`);
			assert.ok(row.includes(`\`${status}\``), `${reason}: docs/answers.md lacks the body status ${status}`);
		}
	});

	it('"Nothing happens?" gives each answer the status and body status the trigger answers (lib/answers.ts), and names every fixable one', () => {
		const section = markdownSection(readme, '## Nothing happens?');
		const rows = section.split('\n').filter((line) => /^\| \d{3} `/.test(line));
		assert.ok(rows.length >= 5, 'the answers table is there');
		const named = new Set();
		for (const row of rows) {
			const [, code, bodyStatus] = /^\| (\d{3}) `(\w+)`/.exec(row);
			const firstCell = row.split('|')[1];
			const reasons = [...firstCell.matchAll(/`(\w+)`/g)].map((m) => m[1]).filter((word) => word in ANSWERS);
			const policy = /Answer Fixable Failures With/.test(row) ? 'reject' : 'retry';
			if (bodyStatus === 'accepted') assert.equal(Number(code), 200, row);
			else assert.ok(reasons.length > 0, `a row names its reasons: ${row}`);
			for (const reason of reasons) {
				if (policy === 'retry') named.add(reason);
				assert.equal(ANSWERS[reason].status, bodyStatus, `${reason}: the README says \`${bodyStatus}\`, the catalogue \`${ANSWERS[reason].status}\``);
				assert.equal(httpStatusOf(reason, policy), Number(code), `${reason} (${policy}): the README says ${code}, the catalogue ${httpStatusOf(reason, policy)}`);
				if (policy === 'retry' && /Prefinery (keeps retrying|retries)/.test(row)) assert.ok(ANSWERS[reason].fixable, `${reason} is not retried`);
			}
		}
		for (const [reason, { fixable }] of Object.entries(ANSWERS)) {
			if (fixable) assert.ok(named.has(reason), `"Nothing happens?" lacks the fixable answer ${reason}`);
		}
	});

	it('every "<status> `<reason>`" in the README and on the docs pages is one the trigger gives (default or strict)', () => {
		for (const [file, text] of [['README.md', readme], ...Object.entries(pages)]) {
			for (const [, code, reason] of text.matchAll(/\b(\d{3}) `(\w+)`/g)) {
				if (!(reason in ANSWERS)) continue;
				const allowed = [httpStatusOf(reason, 'retry'), httpStatusOf(reason, 'reject')];
				assert.ok(allowed.includes(Number(code)), `${file}: "${code} \`${reason}\`", but the trigger answers ${reason} with ${allowed.join(' or ')}`);
			}
		}
	});

	it('the output example (docs/output.md) is what the normaliser produces for the article\'s sample, and the README names its keys', () => {
		const raw = readFileSync(join(ROOT, 'test', 'fixtures', 'article-sample.json'));
		const expected = normalizeEvent(parseEnvelope(raw).envelope, { signatureVerified: true });
		const page = pages['docs/output.md'];
		const json = page.slice(page.indexOf('```json') + 7, page.indexOf('```', page.indexOf('```json') + 7));
		assert.deepEqual(JSON.parse(json), expected);
		assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'docs', 'output-tester-created.json'), 'utf8')), expected);
		const section = markdownSection(readme, '## Output').split('\n').filter((line) => !line.includes('](')).join('\n');
		const named = new Set([...section.matchAll(/`(\w+)`/g)].map((m) => m[1]).filter((word) => word !== 'null'));
		assert.deepEqual([...named].sort(), Object.keys(expected).sort(), 'README → Output names exactly the keys of the typed item');
	});

	it('the example workflow pins exactly the sample the Test URL sends, so fields can be mapped before any event', () => {
		const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'prefinery-new-signups-to-crm.json'), 'utf8'));
		const expected = normalizeEvent(samplePayload('tester_created'), { sample: true, signatureVerified: false });
		assert.deepEqual(example.pinData, { 'Prefinery Trigger': [{ json: expected }] });
	});
});

describe('the README\'s first screen', () => {
	it('the SQL that docs/catch-up.md quotes is the catch-up example\'s own (one source: the example)', () => {
		const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'prefinery-catch-up-postgres.json'), 'utf8'));
		const squash = (sql) => sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
		const queries = new Set(example.nodes.map((node) => node.parameters?.query).filter(Boolean).map(squash));
		const quoted = [...pages['docs/catch-up.md'].matchAll(/^\s*```sql\n([\s\S]*?)^\s*```/gm)].map((m) => m[1]);
		assert.ok(quoted.length >= 3, `docs/catch-up.md quotes the claim, the retry and the park: ${quoted.length} SQL blocks`);
		for (const sql of quoted) assert.ok(queries.has(squash(sql)), `docs/catch-up.md quotes SQL that is no query of examples/prefinery-catch-up-postgres.json:\n${sql}`);
	});

	it('reads in five minutes: at most 150 lines before the reference links', () => {
		const lines = readme.slice(0, readme.indexOf('\n## Reference\n')).split('\n').length;
		assert.ok(readme.includes('\n## Reference\n'), 'the README ends with its Reference links');
		assert.ok(lines <= 150, `the README has ${lines} lines before ## Reference; keep it to 150 and move depth to docs/`);
	});

	it('keeps its sections in the newcomer\'s order', () => {
		const order = ['## Install', '## Credentials', '## Try it', '## Go live: connect Prefinery', '## Prefinery Trigger', '## Output', '## Prefinery node', '## Nothing happens?', '## When things go wrong', '## Reference'];
		const at = order.map((heading) => readme.split('\n').indexOf(heading));
		assert.ok(at.every((line, i) => line >= 0 && (i === 0 || line > at[i - 1])), `README headings in this order: ${order.join(', ')}`);
	});

	it('"Try it" with npm start: the developer install, then npm start, whose log is where the README says', () => {
		const { tryIt, install } = readmeCommands();
		assert.equal(tryIt, `${install}\nnpm start`);
		assert.ok(PACKAGE.scripts.start, 'package.json has a start script');
		assert.match(markdownSection(readme, '### With npm start'), /`\.n8n-local\/n8n\.log`/);
		assert.match(readDoc('scripts/start.mjs'), /join\(ROOT, '\.n8n-local'\)/);
		assert.match(readDoc('harness/n8n.mjs'), /join\(userFolder, 'n8n\.log'\)/);
	});

	it('"Inside your own n8n": copy the Test URL from Webhook URLs, then Execute step, then open it (the order the editor allows)', () => {
		const { steps, copy, execute, open } = testUrlStepOrder();
		assert.ok(copy >= 0 && execute > copy && open > execute, `steps in the order the editor allows:\n${steps.join('\n')}`);
		const browser = numberedSteps(markdownSection(pages['docs/trigger.md'], '## Test events without Prefinery'))[0];
		const at = ['Webhook URLs', 'Execute step', 'open the copied URL'].map((phrase) => browser.indexOf(phrase));
		assert.ok(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1])), `docs/trigger.md "From the browser" in the same order: ${browser}`);
	});

	it('says Import → From file, as n8n\'s menu does', () => {
		for (const [file, text] of [['README.md', readme], ...Object.entries(pages)]) assert.doesNotMatch(text, /Import from File/i, file);
		assert.match(readme, /Import → From file/);
	});
});

describe('links: the README on npm and on GitHub, the docs pages on GitHub', () => {
	it('the README links to the repository only through repository.url, to files that exist, and never relatively', () => {
		assert.ok(OWNER_AND_NAME, `package.json repository.url is a GitHub address: ${PACKAGE.repository.url}`);
		const found = links(readme);
		for (const { target, image } of found) {
			const [path, anchor] = target.split('#');
			if (target.startsWith('#')) assert.ok(anchors(readme).includes(anchor), `README links to ${target}: no such heading`);
			else if (image) {
				assert.ok(target.startsWith(RAW), `README image ${target}: npm shows only absolute images; use ${RAW}…`);
				assertTarget(target.slice(RAW.length), target, undefined, 'README');
			} else if (target.startsWith(BLOB)) assertTarget(path.slice(BLOB.length), target, anchor, 'README');
			else {
				assert.match(target, /^https?:\/\//, `README links to ${target}: a relative link breaks on npm; use ${BLOB}…`);
				assert.ok(!target.includes(OWNER_AND_NAME), `README links to ${target}: use ${BLOB}… or ${RAW}…`);
			}
		}
		const mentions = readme.split(OWNER_AND_NAME).length - 1;
		assert.equal(mentions, found.filter(({ target }) => target.includes(OWNER_AND_NAME)).length, 'the repository address appears in the README only in links');
	});

	it('every docs page is linked from the README', () => {
		const targets = links(readme).map(({ target }) => target.split('#')[0]);
		for (const page of DOC_PAGES) assert.ok(targets.includes(`${BLOB}${page}`), `the README does not link ${page}`);
	});

	it('the docs pages\' relative links and anchors exist', () => {
		for (const [file, text] of Object.entries(pages)) {
			for (const { target } of links(text)) {
				if (/^https?:\/\//.test(target)) continue;
				const [path, anchor] = target.split('#');
				const resolved = path ? normalize(join(dirname(file), path)) : file;
				assertTarget(resolved, target, anchor, file);
			}
		}
	});

	it('each section of the docs pages that quotes a measured figure names the command or suite that reruns it', () => {
		const figure = /\b\d[\d.,]*\s?(×|µs|ms|kB|MB|GB|\/s)(?=[\s,;:).]|$)|\bp99\b/;
		const command = /`(npm (run [\w:-]+|test|start)[^`]*|node (scripts|bench)\/[\w/.-]+[^`]*)`|e2e\/[\w/.-]+|```bash/;
		for (const [file, text] of Object.entries(pages)) {
			for (const section of text.split(/\n(?=## )/)) {
				if (figure.test(section)) assert.match(section, command, `${file}, section "${section.split('\n')[0]}": a figure without the command that reruns it`);
			}
		}
	});
});
