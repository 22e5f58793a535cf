import { readFileSync } from 'node:fs';

// Built files live in dist/lib/, so the package file is two folders up.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const TOOL_NAME = 'acode';
export const TOOL_VERSION: string = pkg.version;
