// chai 6 ships no type declarations and @types/chai is not a dependency: this is the part of the
// BDD and assert API the tests use, typed enough for `strict` to catch a wrong call.
declare module 'chai' {
  type Constructor = abstract new (...args: never[]) => unknown;

  interface Assertion {
    // Language chains: they read well and do nothing.
    readonly to: Assertion;
    readonly be: Assertion;
    readonly been: Assertion;
    readonly is: Assertion;
    readonly that: Assertion;
    readonly which: Assertion;
    readonly and: Assertion;
    readonly has: Assertion;
    readonly have: Assertion;
    readonly with: Assertion;
    readonly at: Assertion;
    readonly of: Assertion;
    readonly same: Assertion;
    readonly but: Assertion;
    readonly does: Assertion;
    readonly still: Assertion;
    readonly also: Assertion;
    // Flags.
    readonly not: Assertion;
    readonly deep: Assertion;
    readonly nested: Assertion;
    readonly own: Assertion;
    readonly ordered: Assertion;
    readonly any: Assertion;
    readonly all: Assertion;
    // Properties that assert.
    readonly ok: Assertion;
    readonly true: Assertion;
    readonly false: Assertion;
    readonly null: Assertion;
    readonly undefined: Assertion;
    readonly NaN: Assertion;
    readonly exist: Assertion;
    readonly empty: Assertion;
    readonly finite: Assertion;
    readonly extensible: Assertion;
    readonly sealed: Assertion;
    readonly frozen: Assertion;
    readonly length: Assertion & ((n: number, message?: string) => Assertion);
    // Methods.
    a(type: string, message?: string): Assertion;
    an(type: string, message?: string): Assertion;
    include(value: unknown, message?: string): Assertion;
    includes(value: unknown, message?: string): Assertion;
    contain(value: unknown, message?: string): Assertion;
    contains(value: unknown, message?: string): Assertion;
    equal(value: unknown, message?: string): Assertion;
    equals(value: unknown, message?: string): Assertion;
    eq(value: unknown, message?: string): Assertion;
    eql(value: unknown, message?: string): Assertion;
    above(n: number | bigint | Date, message?: string): Assertion;
    gt(n: number | bigint | Date, message?: string): Assertion;
    greaterThan(n: number | bigint | Date, message?: string): Assertion;
    least(n: number | bigint | Date, message?: string): Assertion;
    gte(n: number | bigint | Date, message?: string): Assertion;
    below(n: number | bigint | Date, message?: string): Assertion;
    lt(n: number | bigint | Date, message?: string): Assertion;
    lessThan(n: number | bigint | Date, message?: string): Assertion;
    most(n: number | bigint | Date, message?: string): Assertion;
    lte(n: number | bigint | Date, message?: string): Assertion;
    within(low: number | Date, high: number | Date, message?: string): Assertion;
    closeTo(expected: number, delta: number, message?: string): Assertion;
    instanceOf(ctor: Constructor, message?: string): Assertion;
    instanceof(ctor: Constructor, message?: string): Assertion;
    property(name: string | symbol, value?: unknown, message?: string): Assertion;
    ownProperty(name: string | symbol, value?: unknown, message?: string): Assertion;
    lengthOf(n: number, message?: string): Assertion;
    match(re: RegExp, message?: string): Assertion;
    matches(re: RegExp, message?: string): Assertion;
    string(text: string, message?: string): Assertion;
    keys(...keys: (string | readonly string[] | Record<string, unknown>)[]): Assertion;
    key(...keys: (string | readonly string[] | Record<string, unknown>)[]): Assertion;
    throw(expected?: string | RegExp | Constructor | Error, message?: string | RegExp): Assertion;
    throws(expected?: string | RegExp | Constructor | Error, message?: string | RegExp): Assertion;
    satisfy(matcher: (value: never) => boolean, message?: string): Assertion;
    members(set: readonly unknown[], message?: string): Assertion;
    oneOf(list: readonly unknown[], message?: string): Assertion;
    respondTo(method: string, message?: string): Assertion;
  }

  interface ExpectStatic {
    (value: unknown, message?: string): Assertion;
    fail(message?: string): never;
    fail(actual: unknown, expected: unknown, message?: string, operator?: string): never;
  }

  interface AssertStatic {
    (expression: unknown, message?: string): asserts expression;
    fail(message?: string): never;
    ok(value: unknown, message?: string): asserts value;
    equal<T>(actual: T, expected: T, message?: string): void;
    notEqual<T>(actual: T, expected: T, message?: string): void;
    strictEqual<T>(actual: T, expected: T, message?: string): void;
    deepEqual<T>(actual: T, expected: T, message?: string): void;
    notDeepEqual<T>(actual: T, expected: T, message?: string): void;
    include(haystack: unknown, needle: unknown, message?: string): void;
    match(value: string, re: RegExp, message?: string): void;
    throws(fn: () => unknown, expected?: string | RegExp | Constructor, message?: string): void;
    isTrue(value: unknown, message?: string): void;
    isFalse(value: unknown, message?: string): void;
    isNull(value: unknown, message?: string): void;
    isUndefined(value: unknown, message?: string): void;
    lengthOf(value: { readonly length: number } | { readonly size: number }, n: number, message?: string): void;
  }

  export class AssertionError extends Error {
    constructor(message?: string, props?: Record<string, unknown>);
    actual?: unknown;
    expected?: unknown;
    showDiff?: boolean;
  }

  export const expect: ExpectStatic;
  export const assert: AssertStatic;
  export function use(plugin: (chai: unknown, utils: unknown) => void): void;
}
