/**
 * From the trigger node's parameters (as n8n hands them over, expressions already resolved) to the
 * settings of the delivery decision, and the choice of sample for a GET on the Test URL. Pure
 * module: no n8n imports; every value is checked here, so a wrong type from an expression can never
 * switch a check off.
 */
import type { ClaimStore } from './dedupe';
import type { DeliverySettings, OutputFormat, ProjectFilter } from './delivery';
import { PARAMETER_NAMES } from './answers';
import { ANY_EVENT, findEvent, resolveEventSelection } from './events';
import { canonicalInteger } from './normalize';
import { resolveTolerance } from './signature';

export interface TriggerParameters {
	events: unknown;
	verifySignature: unknown;
	/** The Project filter's value (resource locator, value extracted). */
	project: unknown;
	output: unknown;
	options: unknown;
}

export interface TriggerCall {
	/** The editor is listening on the Test URL. */
	manual: boolean;
	/** A GET on the setup webhook (a sample event). */
	sample: boolean;
	/** The duplicate memory of this trigger node. */
	memory: ClaimStore;
}

/** The Project filter: empty means any project; anything but a whole number fails closed. */
export function resolveProjectFilter(value: unknown): ProjectFilter {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (text === '' && (value === undefined || value === null || typeof value === 'string')) return { kind: 'any' };
	return /^\d+$/.test(text) ? { kind: 'id', id: canonicalInteger(text) as string } : { kind: 'invalid', text: String(value) };
}

/** The settings of one delivery, without the secret (the decision reads it only when it needs it). */
export function resolveSettings(params: TriggerParameters, call: TriggerCall): Omit<DeliverySettings, 'secret'> {
	const options = (typeof params.options === 'object' && params.options !== null ? params.options : {}) as Record<
		string,
		unknown
	>;
	const selection = resolveEventSelection(params.events);
	return {
		events: selection.ok ? selection.events : [],
		invalidEvents: selection.ok ? null : { value: selection.value },
		verifySignature: params.verifySignature !== false,
		fixable: options.fixableFailureAnswer === 'reject' ? 'reject' : 'retry',
		toleranceSeconds: resolveTolerance(options.signatureTolerance),
		// A sample is always for the sample project, so the project filter does not apply to it.
		project: call.sample ? { kind: 'any' } : resolveProjectFilter(params.project),
		output: params.output === 'raw' ? 'raw' : ('typed' satisfies OutputFormat),
		includeHeaders: options.includeHeaders === true,
		// Test-URL deliveries are not de-duplicated: Prefinery's Test button may resend one sample.
		memory: call.manual || options.ignoreDuplicates === false ? null : call.memory,
		allowUnsigned: call.manual,
	};
}

/** The sub-options of Options, in the editor's words, to name the one whose expression fails. */
const OPTION_NAMES: Record<string, string> = {
	fixableFailureAnswer: 'Options → Answer Fixable Failures With',
	ignoreDuplicates: 'Options → Ignore Duplicate Deliveries',
	includeHeaders: 'Options → Include Request Headers',
	signatureTolerance: 'Options → Signature Tolerance (Seconds)',
};

/**
 * n8n's getNodeParameter for one parameter (`options.x` for a sub-option), with the fallback and
 * whether to extract a resource locator's value. Throws when the parameter's expression fails.
 */
export type ParameterReader = (name: string, fallback: unknown, extractValue?: boolean) => unknown;

export type ParameterRead = { ok: true; params: TriggerParameters } | { ok: false; parameter: string };

/**
 * Reads the trigger's parameters without letting a failing expression escape: n8n would answer
 * such an error with a 500 (which Prefinery drops) and save an error execution per request. The
 * first parameter that cannot be evaluated is named, in the editor's words (never the error's text,
 * which may hold data or a stack).
 */
export function readTriggerParameters(read: ParameterReader): ParameterRead {
	const values: Record<string, unknown> = {};
	const fields: Array<[keyof TriggerParameters, unknown, boolean]> = [
		['events', [ANY_EVENT], false],
		['verifySignature', true, false],
		['project', '', true],
		['output', 'typed', false],
		['options', {}, false],
	];
	for (const [name, fallback, extractValue] of fields) {
		try {
			values[name] = read(name, fallback, extractValue);
		} catch {
			if (name !== 'options') return { ok: false, parameter: PARAMETER_NAMES[name] };
			// Name the sub-option whose expression fails, when one does on its own.
			for (const option of Object.keys(OPTION_NAMES)) {
				try {
					// A fallback that is not undefined: n8n throws "Could not get parameter" for an absent
					// sub-option without one.
					read(`options.${option}`, null);
				} catch {
					return { ok: false, parameter: OPTION_NAMES[option] };
				}
			}
			return { ok: false, parameter: 'Options' };
		}
	}
	return { ok: true, params: values as unknown as TriggerParameters };
}

/**
 * Which sample a GET on the Test URL asks for: `?event=` when given, else the first selected event
 * the catalogue knows, else `tester_created`.
 */
export function sampleTypeFor(requested: unknown, events: readonly string[]): string {
	if (typeof requested === 'string' && requested.trim() !== '') return requested.trim();
	return events.find((event) => event !== ANY_EVENT && findEvent(event)) ?? 'tester_created';
}
