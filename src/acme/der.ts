// The DER reader lives in the cert layer (the preflight reads extensions with it); ACME code
// below this keeps importing it from here.
export { children, oidText, readTlv, type Tlv } from '../cert/der.ts';
