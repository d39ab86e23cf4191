// Reads the commands the README tells people to run, so the suites run them exactly as written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './runtime.mjs';

/** The fenced code blocks of the README, each with the nearest heading or bold label above it. */
export function readmeCodeBlocks(text = readFileSync(join(ROOT, 'README.md'), 'utf8')) {
	const blocks = [];
	let label = '';
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i += 1) {
		const line = lines[i];
		const fence = /^(\s*)```(\w*)\s*$/.exec(line);
		if (fence && fence[2]) {
			const indent = fence[1].length;
			const body = [];
			for (i += 1; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i += 1) body.push(lines[i].slice(indent));
			blocks.push({ label, lang: fence[2], code: body.join('\n') });
			continue;
		}
		const heading = /^#{1,6}\s+(.*)$/.exec(line) ?? /^(?:\d+\.\s+)?\*\*([^*]+)\*\*/.exec(line);
		if (heading) label = heading[1].trim();
	}
	return blocks;
}

function block(blocks, labelPattern, lang) {
	const found = blocks.find((b) => labelPattern.test(b.label) && b.lang === lang);
	if (!found) throw new Error(`README: no \`\`\`${lang} block under a heading matching ${labelPattern}`);
	return found.code;
}

/** The README's commands: developer install and test, and the user install paths. */
export function readmeCommands(text) {
	const blocks = readmeCodeBlocks(text);
	const dockerfile = block(blocks, /^Docker/, 'dockerfile');
	const run = dockerfile
		.replace(/\\\n/g, ' ')
		.split('\n')
		.filter((line) => line.startsWith('RUN '))
		.map((line) => line.slice(4).trim());
	if (run.length !== 1) throw new Error('README: the Dockerfile should have exactly one RUN line');
	return {
		install: block(blocks, /^Set-up/, 'bash').trim(),
		test: block(blocks, /^Test\b/, 'bash').trim(),
		npmNodesFolder: block(blocks, /^npm \(self-hosted/, 'bash'),
		sendSample: block(blocks, /^From the command line/, 'bash'),
		queueCheck: block(blocks, /^Start-up check/, 'bash').trim(),
		dockerfile,
		dockerRun: run[0],
		dockerFrom: /^FROM\s+(\S+)/m.exec(dockerfile)?.[1],
	};
}
