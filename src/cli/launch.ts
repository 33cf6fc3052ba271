/**
 * The first code of both executables (scripts/build.mjs wraps each CommonJS bundle in this file).
 * It compiles the bundle, held here as one string, with the V8 code cache the build saved beside
 * the executable, then runs it as Node would run a CommonJS file.
 *
 * Why: the preflight runs before every TLS service start and renew at every timer tick, and their
 * start-up is a budget (bench/preflight.mjs). Without a cache V8 parses the whole bundle and then
 * compiles every function the run calls; with the cache it deserialises code it compiled before.
 * Node 20 has no compile cache for main scripts (Node 22's module.enableCompileCache writes one at
 * run time, into a writable folder); this one is made once, at build, by the Node that builds, and
 * is only read here.
 *
 * The cache is an optimisation, never a condition: a missing or damaged file, or one V8 rejects
 * (another Node version, other V8 flags), and the bundle is compiled from source as before. V8
 * would run whatever it deserialises, so the file is used only if its SHA-256 is the one the build
 * wrote into this executable (code-cache-file.ts). Keeping the bundle inside this file, not beside
 * it, keeps a lone copy of the executable working.
 */
import { Script } from 'node:vm';
import { readCodeCache, SCRIPT_KEY } from './code-cache-file.ts';

/** The bundle as `(function (exports, require, module, __filename, __dirname, __certguardImport) {…})`. */
declare const CERTGUARD_BUNDLE: string;
/** SHA-256 of this executable's code cache, written in by scripts/code-cache.mjs (or NO_CACHE). */
declare const CERTGUARD_CACHE_SHA256: string;

const script = new Script(CERTGUARD_BUNDLE, {
  filename: __filename,
  cachedData: readCodeCache(__filename, CERTGUARD_CACHE_SHA256),
});
(globalThis as Record<symbol, unknown>)[SCRIPT_KEY] = script;
// The bundle's import() calls of its lazy parts (./lazy/...) come here (scripts/build.mjs renames
// them), and are resolved beside this file as before: inside a vm.Script, import() needs a loader
// callback, which Node 20 allows only with --experimental-vm-modules and loses with a code cache.
const lazyImport = (specifier: string): Promise<unknown> => import(specifier);
script.runInThisContext()(module.exports, require, module, __filename, __dirname, lazyImport);
