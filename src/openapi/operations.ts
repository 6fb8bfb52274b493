import type { Operation } from "./operation";
import { adminOperations } from "./paths/admin";
import { adminScoringOperations } from "./paths/admin-scoring";
import { datasetOperations } from "./paths/datasets";
import { eventOperations } from "./paths/events";
import { otlpProxyOperations } from "./paths/otlp-proxy";
import { patternOperations } from "./paths/patterns";
import { serviceOperations } from "./paths/service";

/**
 * TRANSITION: the public routes not yet declared with createRoute (see
 * src/openapi/legacy.ts). Converting a route file: delete its
 * src/openapi/paths/*.ts file and its line here.
 */
export const OPERATIONS: readonly Operation[] = [
  ...eventOperations,
  ...patternOperations,
  ...datasetOperations,
  ...otlpProxyOperations,
  ...adminOperations,
  ...adminScoringOperations,
  // /openapi.json and /docs are declared in src/routes/openapi.ts.
  ...serviceOperations.filter((op) => op.path !== "/openapi.json" && op.path !== "/docs"),
];
