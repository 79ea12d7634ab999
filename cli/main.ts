import { Command, CommanderError } from 'commander';
import { InputError } from '../sim/validation.ts';
import { UsageError } from './errors.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompare } from './commands/compare.ts';
import { registerDevices } from './commands/devices.ts';
import { registerGemm } from './commands/gemm.ts';
import { registerLlm } from './commands/llm.ts';
import { registerMerge } from './commands/merge.ts';
import { registerRules } from './commands/rules.ts';
import { registerRun } from './commands/run.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerValidate } from './commands/validate.ts';
import { registerView } from './commands/view.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tilewave')
    .description('Discrete-event simulator for AI accelerators: tiled GEMM, attention and transformers on GPU models, with timelines.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();
  registerRun(program);
  registerGemm(program);
  registerLlm(program);
  registerRules(program);
  registerSweep(program);
  registerValidate(program);
  registerDevices(program);
  registerView(program);
  registerCompare(program);
  registerCheck(program);
  registerMerge(program);
  return program;
}

/** Run the CLI; returns the exit code. Errors in user input print one line, no stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`tilewave: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof InputError) {
      process.stderr.write(`tilewave: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`tilewave: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
