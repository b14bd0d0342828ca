package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Migration jobs over the control plane: {@code /v1/organizations/{org}/databases/{parent}/migrations[...]}. */
final class Migrations {
    /** At most this many pages of {@code progress} (1,000 databases each) per look at a job. */
    static final int MAX_PAGES = 200;

    private final Api api;
    private final boolean dataPlaneViews;

    /** Control-plane routes (the admin token). */
    Migrations(Api api) {
        this(api, false);
    }

    /**
     * @param dataPlaneViews read jobs through {@code /db/{parent}/v1/jobs}, which any token of the parent may read
     *                       (the shell uses it with database and group tokens)
     */
    Migrations(Api api, boolean dataPlaneViews) {
        this.api = api;
        this.dataPlaneViews = dataPlaneViews;
    }

    private String base(String parent) {
        return api.org("/databases/" + Api.enc(parent) + "/migrations");
    }

    private String views(String parent) {
        return dataPlaneViews ? "/db/" + Api.enc(parent) + "/v1/jobs" : base(parent);
    }

    /** Starts a job and returns its view at once (wait 0: the client polls with its own bar). */
    JsonNode start(String parent, String sql, Integer maxConcurrency) {
        return start(parent, sql, maxConcurrency, Rollout.NONE);
    }

    JsonNode start(String parent, String sql, Integer maxConcurrency, Rollout rollout) {
        ObjectNode body = Api.object().put("sql", sql).put("wait", 0);
        if (maxConcurrency != null) {
            body.put("max_concurrency", maxConcurrency);
        }
        rollout.addTo(body);
        return api.post(base(parent), body);
    }

    /**
     * How a job rolls out (the API's canary, verify, pause_after_canary, on_child_failure); nulls are left out so the
     * server's defaults apply.
     *
     * @param canaryCount the first this many children by name are the canary (or null)
     * @param canaryNames these children are the canary (or null)
     */
    record Rollout(Integer canaryCount, java.util.List<String> canaryNames, String verify, boolean pauseAfterCanary,
                   String onChildFailure) {
        static final Rollout NONE = new Rollout(null, null, null, false, null);
        static final java.util.List<String> POLICIES = java.util.List.of("rollback_all", "quarantine");

        /** {@code --canary 5} or {@code --canary a,b}. */
        static Rollout parse(String canary, String verify, boolean pause, String policy) {
            Integer count = null;
            java.util.List<String> names = null;
            if (canary != null) {
                String c = canary.strip();
                if (c.matches("\\d+")) {
                    count = Integer.parseInt(c);
                    if (count < 1) {
                        throw CliException.usage("--canary takes a number of children (1 or more) or child names: a,b");
                    }
                } else {
                    names = java.util.Arrays.stream(c.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
                    if (names.isEmpty()) {
                        throw CliException.usage("--canary takes a number of children or a comma-separated list of child names");
                    }
                }
            }
            if ((verify != null || pause) && canary == null) {
                throw CliException.usage((verify != null ? "--verify" : "--pause-after-canary")
                        + " applies to the canary children: give --canary N or --canary a,b too");
            }
            if (policy != null && !POLICIES.contains(policy)) {
                throw CliException.usage("--on-child-failure takes rollback_all (the default) or quarantine, not '" + policy + "'");
            }
            return new Rollout(count, names, verify, pause, policy);
        }

        void addTo(ObjectNode body) {
            if (canaryCount != null) {
                body.put("canary", canaryCount);
            } else if (canaryNames != null) {
                ArrayNode a = body.putArray("canary");
                canaryNames.forEach(a::add);
            }
            if (verify != null) {
                body.put("verify", verify);
            }
            if (pauseAfterCanary) {
                body.put("pause_after_canary", true);
            }
            if (onChildFailure != null) {
                body.put("on_child_failure", onChildFailure);
            }
        }
    }

    JsonNode list(String parent) {
        return api.get(views(parent));
    }

    JsonNode retry(String parent, String id) {
        return api.post(base(parent) + "/" + Api.enc(id) + "/retry", null);
    }

    JsonNode resume(String parent, String id) {
        return api.post(base(parent) + "/" + Api.enc(id) + "/resume", null);
    }

    /** {@code POST .../drift/repair}: a repair job over the given children (null: every behind child). */
    JsonNode repair(String parent, java.util.List<String> children, String onChildFailure, Integer maxConcurrency) {
        ObjectNode body = Api.object().put("wait", 0);
        if (children != null && !children.isEmpty()) {
            ArrayNode a = body.putArray("children");
            children.forEach(a::add);
        }
        if (onChildFailure != null) {
            body.put("on_child_failure", onChildFailure);
        }
        if (maxConcurrency != null) {
            body.put("max_concurrency", maxConcurrency);
        }
        return api.post(api.org("/databases/" + Api.enc(parent) + "/drift/repair"), body);
    }

    JsonNode abort(String parent, String id) {
        return api.post(base(parent) + "/" + Api.enc(id) + "/abort", null);
    }

    JsonNode unlock(String parent) {
        return api.post(base(parent) + "/unlock", null);
    }

    /** The job's view with every page of {@code progress} joined (up to {@link #MAX_PAGES}). */
    Snapshot snapshot(String parent, String id) {
        JsonNode first = api.get(views(parent) + "/" + Api.enc(id));
        ObjectNode job = first.deepCopy();
        ArrayNode progress = job.withArray("progress");
        JsonNode next = first.get("next_cursor");
        int pages = 1;
        while (next != null && next.isTextual() && pages < MAX_PAGES) {
            JsonNode page = api.get(views(parent) + "/" + Api.enc(id) + Api.query(Api.params("cursor", next.asText())));
            page.path("progress").forEach(progress::add);
            next = page.get("next_cursor");
            pages++;
        }
        job.remove("next_cursor");
        return new Snapshot(job, Counts.of(job), pages);
    }

    /** A job and what its per-database statuses add up to. */
    record Snapshot(JsonNode job, Counts counts, int pages) {
        String id() {
            return job.path("job_id").asText();
        }

        String status() {
            return job.path("status").asText();
        }

        boolean running() {
            return isRunning(status());
        }

        boolean paused() {
            return status().equals("paused");
        }

        /** "migration" or "repair" (a job that brings behind children forward). */
        String kind() {
            return job.path("kind").asText("migration");
        }

        /** Server time from creation to the end (or null while running). */
        Duration took() {
            Instant a = instant(job.path("created_at"));
            Instant b = instant(job.path("finished_at"));
            return a == null || b == null ? null : Duration.between(a, b);
        }
    }

    static boolean isRunning(String status) {
        return switch (status) {
            case "pending", "dry_running", "applying", "paused", "rolling_back" -> true;
            default -> false;
        };
    }

    static Instant instant(JsonNode n) {
        if (n == null || !n.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Children of the job by task status (the schema database itself is not counted). */
    record Counts(int total, int pending, int dryRunOk, int dryRunFailed, int applied, int failed, int verifyFailed,
                  int restored) {
        static Counts of(JsonNode job) {
            String parent = job.path("schema_database").asText();
            int total = 0;
            int pending = 0;
            int ok = 0;
            int dryFailed = 0;
            int applied = 0;
            int failed = 0;
            int verifyFailed = 0;
            int restored = 0;
            for (JsonNode t : job.path("progress")) {
                if (t.path("database").asText().equals(parent)) {
                    continue;
                }
                total++;
                switch (t.path("status").asText()) {
                    case "pending" -> pending++;
                    case "dry_run_ok" -> ok++;
                    case "dry_run_failed" -> dryFailed++;
                    case "applied" -> applied++;
                    case "failed" -> failed++;
                    case "verify_failed" -> verifyFailed++;
                    case "restored" -> restored++;
                    default -> {
                    }
                }
            }
            return new Counts(total, pending, ok, dryFailed, applied, failed, verifyFailed, restored);
        }
    }

    /** What a running job is doing, as the bar shows it. */
    record Phase(String name, int done, int failed, int total) {
        static Phase of(String status, Counts c) {
            return switch (status) {
                case "pending" -> new Phase("starting", 0, 0, 0); // the children are still being listed
                case "dry_running" -> new Phase("dry-run", c.total() - c.pending(), c.dryRunFailed(), c.total());
                case "applying" -> new Phase("apply", c.applied() + c.failed() + c.verifyFailed() + c.restored(),
                        c.failed() + c.verifyFailed(), c.total());
                case "paused" -> new Phase("paused", c.applied(), c.failed() + c.verifyFailed(), c.total());
                case "rolling_back" -> new Phase("rollback", c.restored(), 0, c.restored() + c.applied());
                default -> new Phase(status.replace('_', ' '), c.total() - c.pending(),
                        c.dryRunFailed() + c.failed() + c.verifyFailed(), c.total());
            };
        }
    }
}
