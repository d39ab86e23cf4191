// Reads the commands the README and its docs/ pages tell people to run, so the suites run them exactly
// as written, and the README's own steps, so the suites can follow them in their order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './runtime.mjs';

/** A documentation file of the repository (README.md or docs/…), as text. */
export const readDoc = (file) => readFileSync(join(ROOT, file), 'utf8');

/** The fenced code blocks of a Markdown text, each with the nearest heading or bold label above it. */
export function readmeCodeBlocks(text = readDoc('README.md')) {
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

/**
 * Where each command lives: the file, the heading or bold label above its code block, the block's
 * language. The install paths and the first steps are in the README; the rest is on the docs pages.
 */
export const COMMAND_SOURCES = {
	install: ['README.md', /^Set-up/, 'bash'],
	test: ['README.md', /^Test\b/, 'bash'],
	npmNodesFolder: ['README.md', /^npm \(self-hosted/, 'bash'],
	dockerfile: ['README.md', /^Docker/, 'dockerfile'],
	tryIt: ['README.md', /^With npm start/, 'bash'],
	sendSample: ['docs/trigger.md', /^From the command line/, 'bash'],
	queueCheck: ['docs/duplicates-and-queue-mode.md', /^Start-up check/, 'bash'],
};

function block(read, name) {
	const [file, labelPattern, lang] = COMMAND_SOURCES[name];
	const found = readmeCodeBlocks(read(file)).find((b) => labelPattern.test(b.label) && b.lang === lang);
	if (!found) throw new Error(`${file}: no \`\`\`${lang} block under a heading matching ${labelPattern}`);
	return found.code;
}

/** The documented commands: developer install and test, the user install paths, npm start, the rest. */
export function readmeCommands(read = readDoc) {
	const dockerfile = block(read, 'dockerfile');
	const run = dockerfile
		.replace(/\\\n/g, ' ')
		.split('\n')
		.filter((line) => line.startsWith('RUN '))
		.map((line) => line.slice(4).trim());
	if (run.length !== 1) throw new Error('README: the Dockerfile should have exactly one RUN line');
	return {
		install: block(read, 'install').trim(),
		test: block(read, 'test').trim(),
		npmNodesFolder: block(read, 'npmNodesFolder'),
		tryIt: block(read, 'tryIt').trim(),
		sendSample: block(read, 'sendSample'),
		queueCheck: block(read, 'queueCheck').trim(),
		dockerfile,
		dockerRun: run[0],
		dockerFrom: /^FROM\s+(\S+)/m.exec(dockerfile)?.[1],
	};
}

/** A section of a Markdown text: from its heading to the next heading of the same or a higher level. */
export function markdownSection(text, heading) {
	const level = /^#+/.exec(heading)[0].length;
	const start = text.split('\n').findIndex((line) => line.trim() === heading);
	if (start < 0) throw new Error(`no heading "${heading}"`);
	const lines = text.split('\n').slice(start);
	let fenced = false;
	const end = lines.findIndex((line, i) => {
		if (/^\s*```/.test(line)) fenced = !fenced;
		return i > 0 && !fenced && new RegExp(`^#{1,${level}}\\s`).test(line);
	});
	return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The numbered steps of a section, each as one line of text. */
export function numberedSteps(section) {
	const steps = [];
	for (const line of section.split('\n')) {
		if (/^\d+\.\s/.test(line)) steps.push(line.replace(/^\d+\.\s+/, ''));
		else if (steps.length > 0 && /^\s+\S/.test(line)) steps[steps.length - 1] += ` ${line.trim()}`;
	}
	return steps;
}

/**
 * The README's first steps inside your own n8n ("Try it"), as the editor allows them: which
 * step copies the Test URL from Webhook URLs, which clicks Execute step, which opens the URL, and the
 * button the Execute step names for n8n's "Unpin output data?" question (the example's pinned sample),
 * so the editor suite clicks the button the README names.
 */
export function testUrlStepOrder(text = readDoc('README.md')) {
	const steps = numberedSteps(markdownSection(text, '### Inside your own n8n'));
	const first = (pattern) => steps.findIndex((step) => pattern.test(step));
	return {
		steps,
		copy: first(/Webhook URLs.*Test URL.*copy|copy.*Test URL/),
		execute: first(/Execute step/),
		open: first(/\bopen the copied Test URL\b/i),
		unpinAnswer: /"Unpin output data\?": answer \*\*([^*]+)\*\*/.exec(steps[first(/Execute step/)] ?? '')?.[1] ?? null,
	};
}
