/** What every redacted value is replaced with. */
export const REDACTED = '***';

/** Query parameters whose values are credentials (matched on the whole name, any case). */
const SECRET_PARAM =
  /^(password|passwd|pass|pwd|token|secret|key|apikey|api_key|api-key|auth|access_token|sig|signature)$/i;

// scheme://user:password@ inside free text; the user part is kept (it names an identity, which
// helps debugging), everything between ':' and '@' goes.
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):([^\s@/]*)@/gi;
const PARAM_IN_TEXT =
  /([?&](?:password|passwd|pass|pwd|token|secret|key|apikey|api_key|api-key|auth|access_token|sig|signature)=)[^&\s#"']*/gi;

/** Literal secrets shorter than this are not searched for: they would mask ordinary words. */
const MIN_LITERAL_LENGTH = 4;

/**
 * The URL with its password and credential-like query values replaced by `***`; the scheme, user,
 * host, port and path stay readable. Text that is not a URL is redacted as free text.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      parsed.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  // Unchanged URLs are returned as given: URL serialisation would add a trailing slash to some.
  return changed ? parsed.toString() : url;
}

/**
 * Redacts credentials inside free text (log lines, error messages): URL passwords, credential
 * query parameters and, when given, the literal values of known secrets.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(USERINFO_IN_TEXT, (_, head: string) => `${head}:${REDACTED}@`)
    .replace(PARAM_IN_TEXT, (_, head: string) => `${head}${REDACTED}`);
  // Longest first, so a secret that contains another one is masked whole.
  const literals = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_LITERAL_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of literals) {
    out = out.split(secret).join(REDACTED);
  }
  return out;
}
