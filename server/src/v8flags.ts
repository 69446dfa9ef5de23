/**
 * V8 settings for a process that runs the analysis.
 *
 * The analysis has a few large functions (the lifecycle walk, the function
 * summary) that TurboFan optimises again each time new kinds of code reach
 * them. With inlining, each of those compilations takes 60–130 ms of CPU on
 * a background thread; without it, a few milliseconds, and the optimised
 * code runs no slower. Over the Linux 6.1 corpus in one thread this saves
 * about a tenth of the CPU time.
 *
 * For many short analyses (a tree scan, an editor session), a larger
 * interrupt budget (how much a function runs between V8's looks at whether
 * to optimise it) leaves lukewarm code to the baseline tiers: a file's
 * analysis touches hundreds of functions a few times each, and compiling
 * them with TurboFan, and again after each deoptimisation, cost more than it
 * saved. Over the corpus with two workers: about 13 s of CPU and 7 s of wall
 * time down to 9 s and 5 s; keystrokes in the server got slightly faster.
 * One long analysis (a single generated function of 20,000 lines) runs about
 * 5 % slower with it, so a run of a few files keeps the default.
 *
 * When the workers keep every core busy, the garbage collector works on the
 * thread that needs the memory instead of handing parts to helper threads:
 * the helpers only take turns with the workers, and sharing each collection
 * out and back costs more than it saves. Over the corpus with two workers on
 * two cores this saves about 6 % of the wall time (the heap grows by up to a
 * third). With a core to spare, or in the editor, the helpers pay.
 *
 * The flags must be set before the analysis code is first optimised (and
 * before the workers start); they hold for the whole process, workers included.
 */
import { setFlagsFromString } from 'v8';

export const ANALYSIS_V8_FLAGS = ['--no-turbo-inlining'];
/** Added when the process will run many short analyses. */
export const MANY_ANALYSES_V8_FLAGS = ['--interrupt-budget=1000000'];
/** Added when analysis threads will keep every core busy. */
export const ALL_CORES_BUSY_V8_FLAGS = ['--single-threaded-gc'];

export function tuneV8ForAnalysis(options: { manyAnalyses?: boolean; allCoresBusy?: boolean } = {}): void {
  for (const flag of ANALYSIS_V8_FLAGS) setFlagsFromString(flag);
  if (options.manyAnalyses) for (const flag of MANY_ANALYSES_V8_FLAGS) setFlagsFromString(flag);
  if (options.allCoresBusy) for (const flag of ALL_CORES_BUSY_V8_FLAGS) setFlagsFromString(flag);
}
