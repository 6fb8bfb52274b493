import { afterAll } from "vitest";
import { stopStartedProcesses } from "./gleaner-process";

// Whatever a test file started, it does not outlive the file, even when a test failed.
afterAll(stopStartedProcesses);
