#!/usr/bin/env node
// Runs the TypeScript CLI from a checkout: tsx compiles it on the fly, no build step.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/gleaner.ts", import.meta.url).href);
