// No node covers a sticky note in any example or template (issue 34): a node drawn on top of a set-up
// note hides its words. Held from the workflow JSON: each node's box (its position, 100 × 100 as n8n
// draws a node) against each note's box (its position, width and height; n8n's defaults 240 × 160).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/runtime.mjs';

const NODE_SIZE = 100;
const NOTE_DEFAULT = { width: 240, height: 160 };
const workflows = ['examples', 'examples/templates'].flatMap((folder) =>
	readdirSync(join(ROOT, folder))
		.filter((name) => name.endsWith('.json'))
		.map((name) => `${folder}/${name}`),
);

const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('no node covers a note in the examples and templates', () => {
	it('finds the workflows', () => assert.ok(workflows.length >= 7, workflows.join(', ')));
	for (const file of workflows) {
		it(file, () => {
			const { nodes } = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
			const notes = nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			const covered = [];
			for (const note of notes) {
				const box = {
					x: note.position[0],
					y: note.position[1],
					width: note.parameters.width ?? NOTE_DEFAULT.width,
					height: note.parameters.height ?? NOTE_DEFAULT.height,
				};
				for (const node of nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote')) {
					const nodeBox = { x: node.position[0], y: node.position[1], width: NODE_SIZE, height: NODE_SIZE };
					if (overlaps(box, nodeBox)) covered.push(`"${node.name}" at [${node.position}] covers the note "${note.name}" ([${note.position}], ${box.width} × ${box.height})`);
				}
			}
			assert.deepEqual(covered, [], 'move the node (or the note) so that it no longer sits on the note');
		});
	}
});
