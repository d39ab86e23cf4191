// Where every benchmark puts its figures: bench-results/<name>.json (git-ignored), written by the bench
// itself, whether it runs alone (node bench/<name>.mjs) or as part of `npm run bench` (bench/run.mjs).
// Each file holds the full result (measured figures and the baseline measured in the same run), and
// `figures`: the flat map of the ratios and counts the docs quote, by the key a doc's marker names
// (`<!-- bench: <name> <key> -->`; checks/bench-figures.test.mjs compares them with the quoted ranges).
// `comparable` says whether the run used the sizes the docs quote (a run with smaller sizes measures
// something else, so its figures are not compared).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../harness/runtime.mjs';

export const RESULTS_DIR = join(ROOT, 'bench-results');

/** Writes bench-results/<name>.json; returns its path relative to the repository. */
export function writeResults(name, { command, options = {}, comparable = true, figures = {}, result }) {
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = join(RESULTS_DIR, `${name}.json`);
	const body = { benchmark: name, command, date: new Date().toISOString(), node: process.version, options, comparable, figures, result };
	writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
	return relative(ROOT, file);
}

/** A ratio rounded for the JSON (the full precision stays in `result`). */
export const ratio = (x, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
