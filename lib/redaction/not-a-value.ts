/**
 * Values that stand where a secret would without being one: placeholders and types, references
 * and templates, masks.
 */

/** Values that name a secret without being one: references, types, empties, earlier placeholders. */
export const NOT_A_VALUE = /^(?:null|none|nil|undefined|true|false|yes|no|on|off|~|[|>][-+]?|\*+|x{3,}|\.{3}|…|str|string|int|integer|number|bool|boolean|bytes|any|unknown|object|optional|secretstr|secretstring|required|env|redacted)$/i;
/**
 * Values that name a secret without being one: references and templates (`$PW`, `%s`, `{{pw}}`,
 * `<password>`), and the inside of a string concatenation (`'" + pw + "'`, PHP's `'" . $pw . "'`,
 * VB's `'" & pw & "'`), whose quotes close one literal and open the next.
 */
export const REFERENCE = /^(?:["'`][ \t]*(?:\+|\.{1,2}|\|\||&)[ \t]*[\w$@(]|\$|%\(|%s$|%\w+%$|\{\{|<%|<[^>]*>$|\[REDACTED|\{[\w.]*(?:![rsa])?(?::[^{}]{0,32})?\}$)/;
export const MASKED = /^(?:\*+|x{3,}|\.{3}|…)$/i;
