package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import io.multidb.migrations.ChildFailure;
import io.multidb.migrations.JobPlan;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.Page;
import java.time.Duration;
import java.util.List;

/**
 * Migration jobs over HTTP, on both planes: {@code /v1/organizations/{org}/databases/{parent}/migrations[/{id}[/retry|
 * /abort]]} and {@code /db/{parent}/v1/jobs[/{id}]}.
 */
final class MigrationsApi {
    private static final Duration POLL = Duration.ofMillis(100);
    /** Named canary children are checked one by one when the job starts. */
    static final int MAX_CANARY_NAMES = 100;
    private final Services services;
    private final JobProgressApi progress;

    MigrationsApi(Services services) {
        this.services = services;
        this.progress = new JobProgressApi(services);
    }

    /** rest: what follows {@code databases/{parent}/migrations}. */
    APIGatewayV2HTTPResponse control(Request r, String org, String parent, List<String> rest) {
        var m = services.migrations();
        if (rest.isEmpty()) {
            return switch (r.method()) {
                case "GET" -> Responses.json(200, list(org, parent));
                case "POST" -> {
                    r.requireJsonBody(ControlPlane.MAX_BODY);
                    ObjectNode body = Json.parseObject(r.body());
                    JsonNode sql = body.get("sql");
                    if (sql == null || !sql.isTextual()) {
                        throw MultidbException.invalid("'sql' is required: the schema change as SQL text");
                    }
                    Integer mc = intField(body, "max_concurrency");
                    Integer wait = intField(body, "wait");
                    MigrationJob job = m.start(org, parent, sql.asText(), mc, plan(body));
                    yield answer(org, parent, job, wait);
                }
                default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, POST");
            };
        }
        if (rest.size() == 1 && rest.get(0).equals("unlock")) {
            requirePost(r);
            ObjectNode out = Json.object();
            m.releaseStaleLock(org, parent).ifPresentOrElse(j -> out.set("released", job(j)), () -> out.putNull("released"));
            return Responses.json(200, out);
        }
        String id = rest.get(0);
        if (rest.size() == 1) {
            if (!r.method().equals("GET")) {
                throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
            }
            return Responses.json(200, detail(org, parent, id, r.query().get("cursor")));
        }
        if (JobProgressApi.handles(rest)) {
            return progress.handle(r, org, parent, id, rest.get(1));
        }
        if (rest.size() == 2 && rest.get(1).equals("retry")) {
            requirePost(r);
            return answer(org, parent, m.retry(org, parent, id), null);
        }
        if (rest.size() == 2 && rest.get(1).equals("resume")) {
            requirePost(r);
            return Responses.json(202, job(m.resume(org, parent, id)));
        }
        if (rest.size() == 2 && rest.get(1).equals("abort")) {
            requirePost(r);
            return Responses.json(202, job(m.abort(org, parent, id)));
        }
        throw MultidbException.notFound("no such route: " + r.method() + " " + r.rawPath());
    }

    /** GET /db/{parent}/v1/jobs and /db/{parent}/v1/jobs/{id}, as the libSQL server names them. */
    APIGatewayV2HTTPResponse data(Request r, String org, String parent, List<String> rest) {
        if (!r.method().equals("GET")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
        }
        if (rest.isEmpty()) {
            return Responses.json(200, list(org, parent));
        }
        if (rest.size() == 1) {
            return Responses.json(200, detail(org, parent, rest.get(0), r.query().get("cursor")));
        }
        if (JobProgressApi.handles(rest)) {
            return progress.handle(r, org, parent, rest.get(0), rest.get(1));
        }
        throw MultidbException.notFound("no such route: " + r.method() + " " + r.rawPath());
    }

    /**
     * {@code POST .../databases/{parent}/drift/repair}: a job that brings behind children forward. Body (optional):
     * {@code children} (names; default: every child marked behind), {@code on_child_failure}, {@code max_concurrency},
     * {@code wait}.
     */
    APIGatewayV2HTTPResponse repair(Request r, String org, String parent) {
        requirePost(r);
        ObjectNode body = r.body() == null || r.body().length == 0 ? Json.object() : parseBody(r);
        List<String> children = null;
        JsonNode named = body.get("children");
        if (named != null && !named.isNull()) {
            if (!named.isArray() || named.isEmpty()) {
                throw MultidbException.invalid("'children' is a non-empty list of child database names (or absent: every child marked behind)");
            }
            children = new java.util.ArrayList<>();
            for (JsonNode n : named) {
                if (!n.isTextual()) {
                    throw MultidbException.invalid("'children' lists database names (strings)");
                }
                children.add(n.asText());
            }
        }
        MigrationJob job = services.migrations().repair(org, parent, children, policy(body), intField(body, "max_concurrency"));
        return answer(org, parent, job, intField(body, "wait"));
    }

    private static ObjectNode parseBody(Request r) {
        r.requireJsonBody(ControlPlane.MAX_BODY);
        return Json.parseObject(r.body());
    }

    /** The rollout options of a new job: canary, verify, pause_after_canary, on_child_failure. */
    static JobPlan plan(ObjectNode body) {
        JsonNode c = body.get("canary");
        JobPlan.Canary canary = null;
        if (c != null && !c.isNull()) {
            if (c.isIntegralNumber() && c.canConvertToInt()) {
                canary = JobPlan.Canary.first(c.asInt());
            } else if (c.isArray()) {
                List<String> names = new java.util.ArrayList<>();
                for (JsonNode n : c) {
                    if (!n.isTextual()) {
                        throw MultidbException.invalid("'canary' lists child names (strings)");
                    }
                    names.add(n.asText());
                }
                if (names.size() > MAX_CANARY_NAMES) {
                    throw MultidbException.invalid("'canary' names at most " + MAX_CANARY_NAMES
                            + " children; for more, give a number (the first children by name)");
                }
                canary = JobPlan.Canary.named(names);
            } else {
                throw MultidbException.invalid("'canary' is a number of children (the first by name) or a list of child names");
            }
        }
        JsonNode v = body.get("verify");
        if (v != null && !v.isNull() && !v.isTextual()) {
            throw MultidbException.invalid("'verify' is a read-only SQL query (text) returning one row whose first column is true");
        }
        JsonNode pause = body.get("pause_after_canary");
        if (pause != null && !pause.isNull() && !pause.isBoolean()) {
            throw MultidbException.invalid("'pause_after_canary' is true or false");
        }
        return new JobPlan(canary, v == null || v.isNull() ? null : v.asText(), pause != null && pause.asBoolean(),
                policy(body), null);
    }

    private static JobPlan.FailurePolicy policy(ObjectNode body) {
        JsonNode p = body.get("on_child_failure");
        if (p == null || p.isNull()) {
            return JobPlan.FailurePolicy.ROLLBACK_ALL;
        }
        if (!p.isTextual()) {
            throw MultidbException.invalid("'on_child_failure' is \"rollback_all\" (the default) or \"quarantine\"");
        }
        return JobPlan.FailurePolicy.fromWire(p.asText());
    }

    private APIGatewayV2HTTPResponse answer(String org, String parent, MigrationJob job, Integer waitSeconds) {
        if (waitSeconds != null && waitSeconds > 0) {
            Duration bound = Duration.ofSeconds(Math.min(waitSeconds, services.migrationWait().toSeconds()));
            job = services.migrations().await(org, parent, job.id(), bound, POLL);
        }
        return Responses.json(job.status().isRunning() ? 202 : 200, job(job));
    }

    private ObjectNode list(String org, String parent) {
        Database p = services.databases().getDatabase(org, parent);
        ObjectNode out = Json.object();
        out.put("schema_version", p.schemaVersion());
        ArrayNode jobs = out.putArray("migrations");
        services.migrations().listJobs(org, parent).forEach(j -> jobs.add(job(j)));
        return out;
    }

    private ObjectNode detail(String org, String parent, String id, String cursor) {
        if (!MigrationJob.isValidId(id)) {
            throw MultidbException.notFound("migration job '" + Names.printable(id) + "' does not exist");
        }
        MigrationJob j = services.migrations().getJob(org, parent, id);
        ObjectNode out = job(j);
        Page<MigrationTask> page = services.migrations().progress(j.id(), cursor, 1000);
        ArrayNode progress = out.putArray("progress");
        for (MigrationTask t : page.items()) {
            ObjectNode n = progress.addObject();
            n.put("database", t.database());
            n.put("status", t.status().wire());
            if (t.error() != null) {
                n.put("error", t.error());
            } else {
                n.putNull("error");
            }
            n.put("schema_version", t.schemaVersion());
        }
        if (page.next() != null) {
            out.put("next_cursor", page.next());
        }
        return out;
    }

    static ObjectNode job(MigrationJob j) {
        ObjectNode n = Json.object();
        n.put("job_id", j.id());
        n.put("status", j.status().wire());
        n.put("schema_database", j.schemaDb());
        n.put("from_version", j.fromVersion());
        n.put("to_version", j.toVersion());
        if (j.error() != null) {
            n.put("error", j.error());
        } else {
            n.putNull("error");
        }
        ArrayNode failed = n.putArray("failed_children");
        for (ChildFailure f : j.failedChildren()) {
            failed.addObject().put("database", f.database()).put("error", f.error());
        }
        n.put("batches", j.batchCount());
        n.put("max_concurrency", j.maxConcurrency());
        n.put("abort_requested", j.abortRequested());
        n.put("created_at", j.createdAt().toString());
        if (j.finishedAt() != null) {
            n.put("finished_at", j.finishedAt().toString());
        } else {
            n.putNull("finished_at");
        }
        n.put("sql", j.sql());
        n.put("kind", j.plan().isRepair() ? "repair" : "migration");
        JobPlan p = j.plan();
        n.put("on_child_failure", p.onChildFailure().wire());
        if (p.canary() != null) {
            ObjectNode c = n.putObject("canary");
            if (p.canary().count() > 0) {
                c.put("count", p.canary().count());
            } else {
                ArrayNode names = c.putArray("children");
                p.canary().names().forEach(names::add);
            }
            c.put("verify", p.verify());
            c.put("pause_after_canary", p.pauseAfterCanary());
            c.put("batches", j.canaryBatches());
            c.put("resumed", j.resumed());
        } else {
            n.putNull("canary");
        }
        if (p.isRepair()) {
            ObjectNode rep = n.putObject("repair");
            ArrayNode targets = rep.putArray("children");
            p.repair().targets().stream().limit(100).forEach(targets::add);
            rep.put("child_count", p.repair().targets().size());
            ArrayNode steps = rep.putArray("replays");
            p.repair().steps().forEach(st -> steps.addObject().put("schema_version", st.version()).put("job_id", st.jobId()));
        }
        if (j.status() == JobStatus.PAUSED) {
            n.put("paused", "the canary children are migrated; the family stays write-blocked until POST .../migrations/"
                    + j.id() + "/resume (go on) or /abort (roll back)");
        }
        return n;
    }

    private static Integer intField(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw MultidbException.invalid("'" + field + "' must be a whole number");
        }
        return n.asInt();
    }

    private static void requirePost(Request r) {
        if (!r.method().equals("POST")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "POST");
        }
    }
}
