// The compatibility matrix as jobs for harness/pool.mjs: every suite each other n8n version in
// e2e/compat/ names (PREFINERY_N8N=<name>, its runtime in .cache/n8n-compat-<name>), and what each
// version's results mean. Used by npm run test:compat (scripts/compat.mjs) and, in CI, by npm test
// with PREFINERY_TEST_COMPAT (scripts/test.mjs): one pool for every version, so no version waits for
// another's slowest suite.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { countTests, SUITES_APART } from './pool.mjs';
import { compatSpecs, ROOT } from './runtime.mjs';

/**
 * The specs `names` asks for ('all', or a list of names); throws, naming the known ones, on an unknown
 * name.
 */
export function chooseSpecs(names) {
	const specs = compatSpecs();
	if (names.length === 0 || (names.length === 1 && names[0] === 'all')) return specs;
	const unknown = names.filter((name) => !specs.some((spec) => spec.name === name));
	if (unknown.length > 0) throw new Error(`No e2e/compat/n8n-${unknown[0]}. Known: ${specs.map((spec) => spec.name).join(', ')} (or all).`);
	return specs.filter((spec) => names.includes(spec.name));
}

/**
 * One job per suite and version. The install suite never runs on two versions at once (one local
 * registry, one private /home), nor the queue suite beside a templates or chaos suite (SUITES_APART),
 * whichever versions they run on. `before` (a promise), when given, is what each job waits for.
 */
export function compatJobs(specs, { before } = {}) {
	return specs.flatMap((spec) =>
		spec.suites.map((suite) => ({
			name: `${spec.name}/${suite.replace(/^.*\//, '').replace(/\.test\.mjs$/, '')}`,
			spec,
			command: process.execPath,
			args: [join(ROOT, 'scripts', 'e2e.mjs'), suite],
			env: { ...process.env, PREFINERY_N8N: spec.name },
			group: suite === 'install' ? 'install' : undefined,
			kind: suite,
			apart: SUITES_APART[suite],
			...(before ? { before } : {}),
		})),
	);
}

/** Installs one other version's runtime (`node harness/runtime.mjs` with PREFINERY_N8N), its progress on stderr; resolves either way. */
export function installCompatRuntime(spec, log) {
	return new Promise((resolveInstall) => {
		const child = spawn(process.execPath, [join(ROOT, 'harness', 'runtime.mjs')], { cwd: ROOT, env: { ...process.env, PREFINERY_N8N: spec.name }, stdio: ['ignore', 'ignore', 'pipe'] });
		let partial = '';
		child.stderr.on('data', (chunk) => {
			const lines = (partial + chunk.toString()).split('\n');
			partial = lines.pop();
			for (const line of lines) log(line);
		});
		// A failed install is reported by each of the version's suites (scripts/e2e.mjs tries it again).
		child.on('close', (code) => resolveInstall(code === 0));
	});
}

/**
 * Prints each version's line (what it was expected to do, its tests, whether it did) from the pool's
 * results; returns { ok, passed, failed }.
 */
export function reportCompat(specs, jobs, ran, write = (line) => process.stdout.write(`${line}\n`)) {
	const results = specs.map((spec) => {
		const mine = ran.filter((r) => jobs.find((job) => job.name === r.name)?.spec === spec);
		const counts = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
		for (const r of mine) for (const [key, value] of Object.entries(countTests(r.text))) counts[key] += value;
		const fine = mine.length === spec.suites.length && mine.every((r) => r.ok) && counts.pass > 0 && counts.fail === 0 && counts.cancelled === 0;
		return { spec, fine, counts, seconds: Math.round(mine.reduce((sum, r) => sum + r.ms, 0) / 1000) };
	});
	write('\nCompatibility (the other n8n versions; the pinned n8n is covered by npm test):');
	write('| n8n | Node | Expected | Tests | Result | Seconds (suites added up) |');
	write('|---|---|---|---|---|---|');
	for (const { spec, fine, counts, seconds } of results) {
		const expected = spec.expect === 'works' ? 'works' : 'does not load';
		const others = ['skipped', 'cancelled', 'todo'].filter((key) => counts[key] > 0).map((key) => `, ${counts[key]} ${key}`).join('');
		write(`| ${spec.n8n} | ${spec.node} | ${expected} | ${counts.pass} passed, ${counts.fail} failed${others} | ${fine ? 'as expected' : 'NOT as expected'} | ${seconds} s |`);
	}
	const passed = results.reduce((sum, r) => sum + r.counts.pass, 0);
	const failed = results.reduce((sum, r) => sum + r.counts.fail, 0) + results.filter((r) => !r.fine && r.counts.fail === 0).length;
	return { ok: results.every(({ fine }) => fine), passed, failed };
}
