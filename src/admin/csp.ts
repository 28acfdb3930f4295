/**
 * The Content-Security-Policy of the pages this server serves (the admin UI, Swagger UI): a page
 * loads only its own files, sends requests only to this server, and cannot be framed.
 */
export const STRICT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
