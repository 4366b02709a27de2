// Dataset input formats: readers that turn OpenAI chat, Alpaca, prompt-completion, CSV and TSV files into
// canonical records, line by line, with typed issues for every line they reject.
// Internal: the line splitter, the shared checks and the zod schemas that only explain rejected lines.
export { datasetFormats, defaultColumns, defaultReaderOptions, type DatasetFormat, type ReaderOptions, type ColumnMapping, type ReadOutcome, type LineParser } from './record-reader.js';
export { parseOpenAiChat } from './parse-openai-chat.js';
export { parseAlpaca } from './parse-alpaca.js';
export { parsePromptCompletion } from './parse-prompt-completion.js';
export { parseTableRow, resolveColumns, type TableColumns } from './parse-table-row.js';
export { detectFormat } from './detect-format.js';
export { readRecords, resolveFormat, lineParsers, type ReadRecordsOptions } from './read-records.js';
export { lineBlocks, forEachLine, type LineBlock } from './line-blocks.js';
export { isBlank, lineTooLong } from './record-checks.js';
