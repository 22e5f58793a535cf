/**
 * Values that stand where a secret would without being one: placeholders and types, references
 * and templates, masks.
 */

/** Values that name a secret without being one: references, types, empties, earlier placeholders, `-` (a CLI's "read it from the input": `vault kv put … password=-`). */
export const NOT_A_VALUE = /^(?:null|none|nil|undefined|true|false|yes|no|on|off|~|-|[|>][-+]?|\*+|x{3,}|\.{3}|…|str|string|int|integer|number|bool|boolean|bytes|any|unknown|object|optional|secretstr|secretstring|required|env|redacted)$/i;
/**
 * Values that name a secret without being one: references and templates (`$PW`, `%s`, `{{pw}}`,
 * `<password>`), and the inside of a string concatenation (`'" + pw + "'`, PHP's `'" . $pw . "'`,
 * VB's `'" & pw & "'`), whose quotes close one literal and open the next.
 */
export const REFERENCE = /^(?:["'`][ \t]*(?:\+|\.{1,2}|\|\||&)[ \t]*[\w$@(]|\$|%\(|%s$|%\w+%$|\{\{|<%|<[^>]*>$|\[REDACTED|\{[\w.]*(?:![rsa])?(?::[^{}]{0,32})?\}$)/;
export const MASKED = /^(?:\*+|x{3,}|\.{3}|…)$/i;
/** A CLI's file argument (`vault kv put … password=@pw.txt`, az's `@file`, HTTPie's `field=@file`): a path after `@`, with a folder or a file's extension. */
export const FILE_ARGUMENT = /^@(?:(?:~|\.{1,2})?\/[\w.\/-]{1,200}|[\w-]{1,64}(?:\/[\w.-]{1,64})*\.(?:txt|json|ya?ml|pem|key|crt|cer|env|b64|bin|asc|gpg|p12|pfx|pub|conf|cfg|ini|toml|xml|csv|hcl))$/;
