declare const CERTGUARD_VERSION: string | undefined;

/** Injected by the bundler from package.json; "dev" when run from source. */
export const VERSION: string = typeof CERTGUARD_VERSION === 'string' ? CERTGUARD_VERSION : 'dev';
