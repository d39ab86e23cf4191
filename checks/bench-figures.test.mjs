// One source for figures: what the docs quote from the benchmarks (bench/) names the command that
// reruns it, and agrees with the latest results in bench-results/ (git-ignored) when there are any.
//   (a) always: no doc names the old scripts/bench* paths; in docs/performance-and-reliability.md and
//       docs/prefinery-node.md every line quoting a measured figure (a ratio N×, or µs) sits in a table,
//       list item or paragraph that names its command (`npm run bench` or `node bench/<part>.mjs`); every
//       marker names an existing bench, quotes a figure and has that bench's command beside it.
//   (b) when bench-results/<part>.json exists: every figure marked `<!-- bench: <part> <key> -->` in
//       README.md or docs/*.md holds the measured value `figures[<key>]` of that file. How a figure is
//       quoted says how it is compared:
//         A–B   a range: the value, rounded to the quoted digits, lies within it;
//         ≈X    one recorded run: within 5 % of X (or half the last quoted digit, if more);
//         X     a count or a figure that was the same in every run: equal at the quoted digits.
//       Absent results are reported as not compared (skipped, with the reason), never as passed.
//       In npm test (npm run test:verify) only what does not depend on the machine is compared: figures
//       quoted as a whole number (counts such as 0 doubled, 0 missing, 0 runtime dependencies, 780
//       executions). Ratios, times and sizes depend on the machine that ran the bench; they are compared
//       by `npm run bench:check` alone (PREFINERY_BENCH_CHECK=all), so a bench run on another machine
//       never turns npm test red.
// The mapping between doc figures and JSON keys lives in the markers, next to the figures they check;
// each bench's `figures` (bench/results.mjs) names the keys. Run alone: npm run bench:check.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/runtime.mjs';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
/** The pages whose every quoted figure must name its command (the benches' own pages). */
const FIGURE_PAGES = ['docs/performance-and-reliability.md', 'docs/prefinery-node.md'];
const BENCHES = readdirSync(join(ROOT, 'bench'))
	.filter((name) => name.endsWith('.mjs') && name !== 'results.mjs')
	.map((name) => name.replace(/\.mjs$/, ''));
const commandOf = (bench) => (bench === 'run' ? 'npm run bench' : `node bench/${bench}.mjs`);

const MARKER = /<!--\s*bench:\s*([\w-]+)\s+([\w.]+)\s*-->/g;
const NUMBER = String.raw`\d[\d,]*(?:\.\d+)?`;
/** The last figure before a marker: ≈X, A–B or X (bold, ×, units and spaces around it allowed). */
const FIGURE = new RegExp(String.raw`(≈\s*)?(${NUMBER})(?:\s*–\s*(${NUMBER}))?`, 'g');
/** A line that quotes a measured figure: a ratio (1.05×) or a time in µs. */
const QUOTES_FIGURE = /\d\s*×|\bµs\b|<!--\s*bench:/;
const COMMAND = /`npm run bench`|node bench\/([\w-]+)\.mjs/g;
const NAMES_COMMAND = new RegExp(COMMAND.source);

const read = (file) => readFileSync(join(ROOT, file), 'utf8');

/**
 * A Markdown text as blocks: paragraphs, list items and tables; a table's block includes the paragraph
 * just above it (where its command is named). Each line knows its block's text.
 */
function blocks(text) {
	const lines = text.split('\n');
	const result = [];
	let current = null;
	let previous = null;
	const close = () => {
		if (current) result.push(current);
		previous = current;
		current = null;
	};
	lines.forEach((line, index) => {
		const kind = line.trim() === '' ? 'blank' : line.startsWith('|') ? 'table' : /^\s*(?:[-*]|\d+\.)\s/.test(line) ? 'item' : 'text';
		if (kind === 'blank') return close();
		if (current && (kind === 'item' || (kind === 'table') !== (current.kind === 'table'))) close();
		if (!current) {
			current = { kind, lines: [], context: '' };
			if (kind === 'table' && previous && previous.kind !== 'table' && previous.end === index - 2) current.context = previous.lines.map((l) => l.text).join('\n');
		}
		current.lines.push({ number: index + 1, text: line });
		current.end = index;
	});
	close();
	return result.map((block) => ({ ...block, text: `${block.context}\n${block.lines.map((l) => l.text).join('\n')}` }));
}

/** Every marker in the docs, with the figure it quotes and its block's commands. */
function markers() {
	const found = [];
	for (const file of DOCS) {
		for (const block of blocks(read(file))) {
			const commands = [...block.text.matchAll(COMMAND)].map((m) => (m[1] ? m[1] : 'run'));
			for (const { number, text } of block.lines) {
				let from = 0;
				for (const m of text.matchAll(MARKER)) {
					const before = text.slice(from, m.index).replace(/<!--.*?-->/g, '');
					from = m.index + m[0].length;
					const figure = [...before.matchAll(FIGURE)].at(-1);
					found.push({
						where: `${file}:${number}`,
						bench: m[1],
						key: m[2],
						commands,
						quoted: figure ? figure[0].trim() : null,
						figure: figure ? parseFigure(figure) : null,
					});
				}
			}
		}
	}
	return found;
}

const toNumber = (s) => Number(s.replace(/,/g, ''));
const digits = (s) => (s.includes('.') ? s.split('.')[1].length : 0);
function parseFigure(m) {
	const [, approx, a, b] = m;
	if (b !== undefined) return { kind: 'range', lo: toNumber(a), hi: toNumber(b), digits: Math.max(digits(a), digits(b)) };
	if (approx) return { kind: 'approx', x: toNumber(a), digits: digits(a) };
	return { kind: 'exact', x: toNumber(a), digits: digits(a) };
}

/** Whether `value` holds the quoted figure. */
function holds(figure, value) {
	const rounded = Number(value.toFixed(figure.digits));
	if (figure.kind === 'range') return rounded >= figure.lo && rounded <= figure.hi;
	if (figure.kind === 'exact') return rounded === figure.x;
	return Math.abs(value - figure.x) <= Math.max(0.05 * Math.abs(figure.x), 0.5 * 10 ** -figure.digits);
}

const ALL = markers();
/** npm run bench:check compares every figure; npm test only the counts (see the header). */
const EVERY_FIGURE = process.env.PREFINERY_BENCH_CHECK === 'all';
const machineIndependent = (figure) => figure.kind === 'exact' && figure.digits === 0;

describe('the docs quote the benchmarks with their commands', () => {
	it('no doc names the old scripts/bench* paths (the benchmarks live in bench/)', () => {
		const stale = [];
		for (const file of DOCS) {
			read(file)
				.split('\n')
				.forEach((line, i) => {
					for (const m of line.matchAll(/scripts\/bench[\w.-]*/g)) stale.push(`${file}:${i + 1}: ${m[0]}`);
				});
		}
		assert.deepEqual(stale, [], 'name bench/<part>.mjs (or npm run bench) instead');
	});

	it('every line quoting a measured figure names the command that reruns it (in its table, list item or paragraph)', () => {
		const missing = [];
		for (const file of FIGURE_PAGES) {
			for (const block of blocks(read(file))) {
				if (!NAMES_COMMAND.test(block.text)) {
					for (const { number, text } of block.lines) {
						if (QUOTES_FIGURE.test(text)) missing.push(`${file}:${number}: ${text.slice(0, 100)}`);
					}
				}
			}
		}
		assert.deepEqual(missing, [], 'name `npm run bench` or `node bench/<part>.mjs` beside these figures');
	});

	it('every marker names an existing bench, quotes a figure and has that bench\'s command beside it', () => {
		assert.ok(ALL.length > 0, 'the docs mark their figures with <!-- bench: <part> <key> -->');
		const wrong = [];
		for (const m of ALL) {
			if (!BENCHES.includes(m.bench)) wrong.push(`${m.where}: no bench/${m.bench}.mjs (benches: ${BENCHES.join(', ')})`);
			else if (!m.commands.includes(m.bench) && !m.commands.includes('run')) wrong.push(`${m.where}: ${m.bench} ${m.key} has no \`${commandOf(m.bench)}\` or \`npm run bench\` beside it`);
			if (!m.figure) wrong.push(`${m.where}: the marker for ${m.bench} ${m.key} follows no figure`);
		}
		assert.deepEqual(wrong, []);
	});
});

describe('the quoted ranges hold the latest bench-results/', () => {
	for (const bench of [...new Set(ALL.map((m) => m.bench))].filter((b) => BENCHES.includes(b)).sort()) {
		const quoted = ALL.filter((m) => m.bench === bench && m.figure);
		const mine = EVERY_FIGURE ? quoted : quoted.filter((m) => machineIndependent(m.figure));
		const file = `bench-results/${bench}.json`;
		it(`${file}: ${mine.length} quoted ${EVERY_FIGURE ? 'figures' : `counts (${quoted.length - mine.length} ratios, times and sizes: npm run bench:check)`}`, (t) => {
			if (!existsSync(join(ROOT, file))) {
				t.skip(`${file} absent: ${mine.length} figures not compared (run \`${commandOf(bench)}\` to compare them)`);
				return;
			}
			const results = JSON.parse(read(file));
			if (results.comparable === false) {
				t.skip(`${file} was measured with other sizes than the docs quote (${JSON.stringify(results.options)}): ${mine.length} figures not compared; rerun \`${commandOf(bench)}\` with its defaults`);
				return;
			}
			const skippedParts = Object.entries(results.options ?? {}).some(([option, on]) => option.startsWith('skip-') && on === true);
			const outside = [];
			const absent = [];
			for (const m of mine) {
				if (!(m.key in (results.figures ?? {}))) {
					if (skippedParts) absent.push(`${m.where} (${m.key})`);
					else outside.push(`${m.where}: ${file} has no figure "${m.key}" (its figures: ${Object.keys(results.figures ?? {}).join(', ')})`);
					continue;
				}
				const value = results.figures[m.key];
				if (typeof value !== 'number' || !Number.isFinite(value)) {
					outside.push(`${m.where}: quotes ${m.quoted} for ${bench} ${m.key}; ${file} measured no value (${JSON.stringify(value)})`);
				} else if (!holds(m.figure, value)) {
					outside.push(
						`${m.where}: quotes ${m.quoted} for ${bench} ${m.key}; ${file} (${results.date}) measured ${value}, outside the quoted figure. ` +
							`Rerun \`${commandOf(bench)}\`; if the value holds, requote that line as the range of the runs (this one included)` +
							(m.figure.kind === 'approx' ? ', no longer as one run (≈)' : ''),
					);
				}
			}
			if (absent.length) t.diagnostic(`not compared (parts skipped in that run): ${absent.join(', ')}`);
			if (outside.length) assert.fail(`${outside.length} of ${mine.length} quoted figures disagree with ${file}:\n${outside.join('\n')}`);
		});
	}
});
