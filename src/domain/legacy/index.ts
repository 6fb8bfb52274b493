export { LEGACY_SCHEMA_VERSION, isLegacyEnvelope, type LegacyEnvelope } from "./envelope";
export { canonicalJson, legacyEventId, type Sha256 } from "./event-id";
export { LEGACY_FORMATS, type LegacyFormat } from "./formats";
export { findScrubbed, isScrubbedText, scrubKind, type ScrubKind } from "./scrubbed";
export { upcastLegacyEnvelope, type UpcastResult } from "./upcast";
