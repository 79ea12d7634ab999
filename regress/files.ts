/** A scenario name as a file name: anything but letters, digits, '.', '_' and '-' becomes '_'. */
export function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.startsWith('.') ? `_${safe.slice(1)}` : safe;
}

/** Where a scenario's summary goes in a summary directory. */
export function summaryFileName(scenario: string): string {
  return `${safeFileName(scenario)}.summary.json`;
}
