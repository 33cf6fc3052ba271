// Module customization hooks (run on Node's loader thread): append each resolved URL to the log.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.CERTGUARD_LOAD_LOG) appendFileSync(process.env.CERTGUARD_LOAD_LOG, `${result.url}\n`);
  return result;
}
