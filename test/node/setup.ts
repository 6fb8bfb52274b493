import { afterAll } from "vitest";
import { closeIdleConnectionsEarly } from "../support/keep-alive";
import { stopStartedProcesses } from "./gleaner-process";

// Whatever a test file started, it does not outlive the file, even when a test failed.
afterAll(stopStartedProcesses);

// Every test talks to workerd over keep-alive connections: close idle ones before workerd does (see keep-alive.ts).
closeIdleConnectionsEarly();
