// What every end-to-end suite shares: where the runtime is (set by local/'s EndToEndTest, or by hand against
// bin/multidb-local), the admin token, a platform client, and a unique suffix for names.
import assert from "node:assert/strict";
import { createClient as createPlatformClient } from "@tursodatabase/api";
import { createClient } from "@libsql/client";

export const base = process.env.MULTIDB_URL ?? "http://127.0.0.1:8080";
export const token = process.env.MULTIDB_TOKEN;
export const org = process.env.MULTIDB_ORG ?? "local";
assert.ok(token, "MULTIDB_TOKEN must be set");
export const turso = createPlatformClient({ org, token, baseUrl: `${base}/v1/` });
export const suffix = Math.random().toString(36).slice(2, 8);
/** A libSQL client for a database (the trailing slash matters), with the admin token unless another is given. */
export const db = (name, authToken = token) => createClient({ url: `${base}/db/${name}/`, authToken });
