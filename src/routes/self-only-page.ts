import { secureHeaders } from "hono/secure-headers";

/**
 * Headers for the pages the worker serves itself (the dashboard, the API
 * reference): a CSP that allows this origin only, no inline script or style,
 * no framing, no referrer. Apply it to a page's own paths only.
 */
export const selfOnlyPageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
});

/** Response headers of a bundled page asset. */
export const assetHeaders = (type: string) => ({ "Content-Type": type, "Cache-Control": "no-cache" });
