import { InvalidArgument } from '@chronicle/errors';

// Each rule mirrors MLflow's validate_path_is_safe (mlflow/utils/uri.py), which answers 400
// `Invalid path`; `?` and NUL are ours: they cannot survive a URL or a filesystem call intact.
const rules: { test: (path: string) => boolean; reason: string }[] = [
  { test: (p) => p.includes('\0'), reason: 'contains a NUL character' },
  { test: (p) => p.includes('#'), reason: "contains '#'" },
  { test: (p) => p.includes('?'), reason: "contains '?'" },
  { test: (p) => p.includes('\\'), reason: 'contains a backslash' },
  { test: (p) => p.startsWith('/'), reason: 'is absolute' },
  { test: (p) => /^[A-Za-z]:/.test(p), reason: 'starts with a drive letter' },
  { test: (p) => p.split('/').includes('..'), reason: "contains a '..' segment" },
];

// Enough for any honest path; deeper nesting of percent-encoding is itself suspicious.
const maxDecodeRounds = 4;

/**
 * Checks an artifact path against MLflow's path-safety rules and returns it normalised
 * (no empty or `.` segments, no trailing slash; `''` is the root). The path is checked as given
 * and after each round of percent-decoding, so `%2e%2e` or `%252e%252e` cannot smuggle a `..`.
 * Throws InvalidArgument (`Invalid path ...`) otherwise.
 */
export function normalizeArtifactPath(path: string): string {
  let form = path;
  for (let round = 0; ; round++) {
    const broken = rules.find((rule) => rule.test(form));
    if (broken) throw invalidPath(path, broken.reason);
    const decoded = percentDecode(form);
    if (decoded === form) break;
    if (round === maxDecodeRounds) throw invalidPath(path, 'is percent-encoded too many times');
    form = decoded;
  }
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/** Like normalizeArtifactPath, but the root (`''`) is refused: a file key must name something. */
export function normalizeArtifactKey(key: string): string {
  const normalized = normalizeArtifactPath(key);
  if (normalized === '') throw new InvalidArgument('Invalid path: the artifact key is empty');
  return normalized;
}

/** Joins path pieces (each may hold several segments) into one normalised key, checking each. */
export function joinArtifactPath(...pieces: string[]): string {
  return pieces
    .map(normalizeArtifactPath)
    .filter((piece) => piece !== '')
    .join('/');
}

function invalidPath(path: string, reason: string): InvalidArgument {
  return new InvalidArgument(`Invalid path ${JSON.stringify(path)}: it ${reason}`);
}

// Like Python's urllib.parse.unquote: malformed escapes stay as they are, bad UTF-8 becomes U+FFFD.
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}
