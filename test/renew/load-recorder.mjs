// Loaded with `node --import` in a child process: records every module URL the ESM loader resolves
// into $CERTGUARD_LOAD_LOG, so a test can prove which code a run loaded (e.g. no acme-client).
import { register } from 'node:module';

const log = process.env.CERTGUARD_LOAD_LOG;
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
      return r;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
