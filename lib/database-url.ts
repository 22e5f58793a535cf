import { inspect } from 'node:util';
import type { DatabaseConfig } from './config.js';

/**
 * `postgresql://agent:pa/ss@host/db` is read (by libpq too) as host `agent`, port `pa` and a
 * database named `ss@host/db`; `agent:2024#Summer!@host/db` as host `agent`, port 2024 and a
 * fragment `#Summer!@host/db` (`?` likewise, as a query): with an unescaped '/' or '@' in its
 * database part, any fragment, or a query parameter libpq does not know, no part of a URL is
 * known not to be the password, so it is never shown.
 */
export function passwordMaySpill(url: URL): boolean {
  return /[@/]/.test(url.pathname.slice(1)) || url.href.includes('#') || [...url.searchParams].some(([key, value]) => !LIBPQ_PARAMS.has(key) && /@/.test(`${key}${value}`));
}

/**
 * Query parameters libpq reads (and node-postgres' uselibpqcompat). A password's tail after an
 * unescaped '?' (`agent:2024?Secret=pw@host/db`) always holds the '@' before the host: a
 * parameter outside these with an '@' in it is that tail, however plain it looks; one without
 * (`?ssl=true`, a newer libpq's `sslnegotiation`) is read, and `?user=admin@srv` is a user name.
 */
const LIBPQ_PARAMS = new Set(
  (
    'host hostaddr port dbname user password passfile require_auth channel_binding connect_timeout client_encoding options ' +
    'application_name fallback_application_name keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout ' +
    'replication gssencmode sslmode requiressl sslcompression sslcert sslkey sslcertmode sslpassword sslrootcert sslcrl sslcrldir ' +
    'sslsni requirepeer ssl_min_protocol_version ssl_max_protocol_version krbsrvname gsslib gssdelegation service ' +
    'target_session_attrs load_balance_hosts uselibpqcompat'
  ).split(' '),
);

/** The live database in words safe to print: the SQLite path, or the URL without its password. */
export function databaseLabel(database: DatabaseConfig): string {
  if (database.type === 'sqlite') return database.path;
  if (!database.url) return '(no database.url)';
  return urlLabel(database.url);
}

function urlLabel(text: string): string {
  try {
    const url = new URL(text);
    if (passwordMaySpill(url)) return '(database.url, not shown: it cannot be read as a URL and may hold a password)';
    url.password = '';
    // libpq also reads a password from the query string.
    for (const key of ['password', 'sslpassword']) url.searchParams.delete(key);
    return url.toString();
  } catch {
    return '(unparseable database.url)';
  }
}

/**
 * The database section with database.url as given (password included, for the connection), that
 * prints without its password: `JSON.stringify(config)`, `console.log(config)` and
 * `util.inspect` show the URL as databaseLabel does. The two methods are not enumerable, so the
 * section still reads and compares as { type, path, url }.
 */
export function loggable(database: DatabaseConfig): DatabaseConfig {
  const shown = (): Record<string, unknown> => ({ type: database.type, path: database.path, url: database.url === null ? null : urlLabel(database.url) });
  return Object.defineProperties(database, { toJSON: { value: shown }, [inspect.custom]: { value: shown } });
}

