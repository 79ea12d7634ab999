/**
 * An error caused by the user's input (a bad field, a missing file). The CLI prints its message as
 * one line, with no stack trace, and exits with `exitCode` (2 = unusable input).
 */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
