/**
 * Structural validation of a tilewave trace (docs/trace-format.md). Pure: no I/O, no DOM.
 * Produces one clear message for the first problems found, naming the event and the field.
 */

/** A Chrome Trace Event JSON object as tilewave writes it (docs/trace-format.md). */
export interface ChromeTraceObject {
  traceEvents: readonly unknown[];
  displayTimeUnit?: string;
  otherData?: { tilewave?: Record<string, unknown> } & Record<string, unknown>;
}

export type TraceCheck = { ok: true; warnings: string[] } | { ok: false; error: string };

const SUPPORTED_MAJOR = 1;
const MAX_LISTED = 3;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function eventLabel(i: number, e: Record<string, unknown>): string {
  const ph = typeof e.ph === 'string' ? ` (ph "${e.ph}"${typeof e.name === 'string' ? `, name ${JSON.stringify(e.name)}` : ''})` : '';
  return `traceEvents[${i}]${ph}`;
}

/** Check a parsed trace; `ok: false` carries a one-paragraph message for the user. */
export function validateTrace(value: unknown): TraceCheck {
  if (!isRecord(value)) {
    return { ok: false, error: `expected a JSON object with a "traceEvents" array (docs/trace-format.md), got ${describe(value)}` };
  }
  if (!('traceEvents' in value)) return { ok: false, error: 'missing "traceEvents" (expected an array of trace events)' };
  const events = value.traceEvents;
  if (!Array.isArray(events)) return { ok: false, error: `"traceEvents" must be an array, got ${describe(events)}` };

  const problems: string[] = [];
  let problemCount = 0;
  const problem = (message: string) => {
    problemCount++;
    if (problems.length < MAX_LISTED) problems.push(message);
  };
  const ignored = new Map<string, number>();

  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!isRecord(e)) {
      problem(`traceEvents[${i}] must be an object, got ${describe(e)}`);
      continue;
    }
    const ph = e.ph;
    if (typeof ph !== 'string' || ph.length === 0) {
      problem(`traceEvents[${i}] has no "ph" (event type such as "X", "C", "M")`);
      continue;
    }
    if (ph === 'M') continue;
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) {
      problem(`${eventLabel(i, e)} has ${e.ts === undefined ? 'no "ts"' : `a bad "ts" (${describe(e.ts)})`}; every event except metadata needs a numeric "ts" in microseconds`);
      continue;
    }
    if (ph === 'X') {
      if (typeof e.dur !== 'number' || !(e.dur >= 0) || !Number.isFinite(e.dur)) {
        problem(`${eventLabel(i, e)} has ${e.dur === undefined ? 'no "dur"' : `a bad "dur" (${describe(e.dur)})`}; complete spans need a duration >= 0 in microseconds`);
      }
    } else if (ph === 'C') {
      if (e.args !== undefined && !isRecord(e.args)) problem(`${eventLabel(i, e)}: counter "args" must be an object of series values, got ${describe(e.args)}`);
    } else if (ph !== 'i' && ph !== 'I') {
      ignored.set(ph, (ignored.get(ph) ?? 0) + 1);
    }
  }

  const other = value.otherData;
  if (other !== undefined && !isRecord(other)) problem(`"otherData" must be an object, got ${describe(other)}`);
  const tw = isRecord(other) ? other.tilewave : undefined;
  if (tw !== undefined) {
    if (!isRecord(tw)) {
      problem(`"otherData.tilewave" must be an object, got ${describe(tw)}`);
    } else {
      const version = tw.formatVersion;
      if (version !== undefined) {
        const major = Number(String(version).split('.')[0]);
        if (major !== SUPPORTED_MAJOR) problem(`otherData.tilewave.formatVersion is ${JSON.stringify(version)}; this viewer reads version ${SUPPORTED_MAJOR}.x`);
      }
      if (tw.kind !== undefined && tw.kind !== 'run' && tw.kind !== 'sweep' && tw.kind !== 'validation') {
        problem(`otherData.tilewave.kind must be "run", "sweep" or "validation", got ${describe(tw.kind)}`);
      }
      if (tw.tracks !== undefined) {
        if (!Array.isArray(tw.tracks)) problem(`otherData.tilewave.tracks must be an array, got ${describe(tw.tracks)}`);
        else {
          tw.tracks.forEach((t, i) => {
            if (!isRecord(t) || t.pid === undefined || t.tid === undefined) problem(`otherData.tilewave.tracks[${i}] needs "pid" and "tid"`);
          });
        }
      }
      if (tw.kind === 'sweep') {
        const sweep = tw.sweep;
        if (!isRecord(sweep) || !Array.isArray(sweep.points)) {
          problem('otherData.tilewave.kind is "sweep" but otherData.tilewave.sweep.points is missing (expected an array of points)');
        } else {
          sweep.points.forEach((p, i) => {
            if (!isRecord(p) || typeof p.value !== 'number') problem(`otherData.tilewave.sweep.points[${i}] needs a numeric "value"`);
          });
        }
      }
      if (tw.kind === 'validation') {
        const v = tw.validation;
        const columns = ['line', 'device', 'op', 'm', 'n', 'k', 'measuredUs', 'predictedUs', 'config'] as const;
        if (!isRecord(v)) problem('otherData.tilewave.kind is "validation" but otherData.tilewave.validation is missing (expected an object of row columns)');
        else {
          const rows = Array.isArray(v.measuredUs) ? v.measuredUs.length : -1;
          for (const c of columns) {
            if (!Array.isArray(v[c]) || v[c].length !== rows) problem(`otherData.tilewave.validation.${c} must be an array with one entry per row (${Math.max(rows, 0)})`);
          }
          for (const list of ['devices', 'ops', 'configs'] as const) if (!Array.isArray(v[list])) problem(`otherData.tilewave.validation.${list} must be an array of names`);
        }
      }
      for (const key of ['device', 'summary'] as const) {
        if (tw[key] !== undefined && !isRecord(tw[key])) problem(`otherData.tilewave.${key} must be an object, got ${describe(tw[key])}`);
      }
    }
  }

  if (problemCount > 0) {
    const more = problemCount > problems.length ? ` (and ${problemCount - problems.length} more problem${problemCount - problems.length === 1 ? '' : 's'})` : '';
    return { ok: false, error: `${problems.join('; ')}${more}` };
  }
  const warnings = [...ignored].map(([ph, n]) => `${n} event${n === 1 ? '' : 's'} with ph "${ph}" not shown (the viewer draws X, C, i and M events)`);
  return { ok: true, warnings };
}

/**
 * Explain a JSON.parse failure in user terms: a trace that stops early (an interrupted write) is
 * the common case and deserves its own wording.
 */
export function explainJsonError(text: string, error: unknown): string {
  // One line: V8 quotes a piece of the source in its message, newlines included.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
  if (text.trim().length === 0) return 'the file is empty';
  if (/end of (JSON )?input|Unterminated string|end of data/i.test(message) || isTruncated(text)) {
    return `the JSON ends early (truncated file?): ${message}`;
  }
  return `not valid JSON: ${message}`;
}

/** True when the brackets of `text` never close: what a cut-off JSON document looks like. */
function isTruncated(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return depth > 0 || inString;
}
