import type { Operation } from "./operation";
import { adminOperations } from "./paths/admin";
import { adminScoringOperations } from "./paths/admin-scoring";
import { datasetOperations } from "./paths/datasets";
import { eventOperations } from "./paths/events";
import { otlpProxyOperations } from "./paths/otlp-proxy";
import { patternOperations } from "./paths/patterns";
import { serviceOperations } from "./paths/service";

/** Every public route, in the order the reference lists them. */
export const OPERATIONS: readonly Operation[] = [
  ...eventOperations,
  ...patternOperations,
  ...datasetOperations,
  ...otlpProxyOperations,
  ...adminOperations,
  ...adminScoringOperations,
  ...serviceOperations,
];
