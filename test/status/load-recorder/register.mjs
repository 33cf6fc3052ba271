// Preloaded with `node --import` by tests: records the URL of every module the process loads
// through the ESM loader into $CERTGUARD_LOAD_LOG, one per line, to prove what a command loads.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
