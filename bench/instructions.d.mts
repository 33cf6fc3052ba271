/** See instructions.mjs: instructions `argv` executes, counted by valgrind. */
export function countInstructions(argv: string[], env?: NodeJS.ProcessEnv): number;
