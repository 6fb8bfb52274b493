/**
 * The Node entry: everything of the runtime-neutral entry, plus the file
 * journal that keeps unsent events across crashes and restarts.
 */
export * from "./index.js";
export { fileJournal, type FileJournalOptions } from "./file-journal.js";
