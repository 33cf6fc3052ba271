export function benchEnv(args: string[], base?: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; label: string };
