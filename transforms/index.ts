export { createCsvParser, type CsvParserOptions } from './csv-parser.js';
export { createCsvSerializer, CsvWriter } from './csv-serializer.js';
export { createHashTap, HashTap, type Digest, type HashTapOptions } from './hash.js';
export { createHashingPassThrough, HashingPassThrough } from './hashing-pass-through.js';
export { createHashingSink, FileHashingSink, type DigestSource, type HashingSink, type HashingSinkOptions } from './hashing-sink.js';
export { createJsonEscapeCheck, JsonEscapeCheck } from './json-escape-check.js';
export { createJsonParser, JsonDocumentReader, type ParserOptions } from './json-parser.js';
export { createJsonSerializer, JsonDocumentWriter } from './json-serializer.js';
export { createNdjsonParser, NdjsonReader } from './ndjson-parser.js';
export { createNdjsonSerializer, NdjsonWriter } from './ndjson-serializer.js';
export { createProgressTap, ProgressCounter, type ProgressTapOptions } from './progress.js';
export { createRedactTransform, RedactTransform, type RedactTransformOptions } from './redact.js';
export { createLeakScanTransform, LeakScanTransform, type LeakLocation, type LeakScanTransformOptions } from './leak-scan.js';
export type { ColumnInfo, ExportHeader, ExportRecord, ExportSummary, RowTextFormat, SqlValue, TableSchema } from '../lib/records.js';
export { RecordTextTransform, type Text, type TextWriter } from './record-text.js';
export { csvHeader, csvRows, CSV_EOL, encodeCsvRows, encodeJsonRows, jsonKeyPrefixes, jsonKeys, jsonRow, jsonRows, type JsonKeys } from './row-encoders.js';
export { TextBytes } from './text-bytes.js';
export { createTableSplitter, TableSplitter, type TableSplitterOptions } from './table-splitter.js';
export { createStrictGunzip, type StrictGunzip } from './strict-gunzip.js';
export { safeEntryName } from './tar-names.js';
export { createTarLayoutCheck, TarLayoutCheck } from './tar-layout.js';
export { createTarExtractor, createTarPacker, readTar, TarExtractor, type ReadTarOptions, type TarEntryHandler, type TarPacker, type TarPackerOptions } from './tar.js';
export {
  affinity,
  csvText,
  csvValue,
  decodeBase64,
  decodeCsvField,
  decodeJsonNumber,
  decodeJsonSpecial,
  encodeReal,
  isBlobColumn,
  sqliteDeclaredType,
  jsonValue,
  type Affinity,
} from './value-codec.js';
