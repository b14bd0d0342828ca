package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import io.multidb.common.Names;
import io.multidb.migrations.JobProgress;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.TaskStatus;

/**
 * A job's progress for people watching it, on both planes ({@code .../migrations/{id}/summary|databases} and
 * {@code /db/{parent}/v1/jobs/{id}/summary|databases}): counts per status, the workflow step, and the databases a
 * page at a time filtered by status.
 */
final class JobProgressApi {
    private final JobProgress progress;

    JobProgressApi(Services services) {
        this.progress = new JobProgress(services.migrations());
    }

    static boolean handles(java.util.List<String> rest) {
        return rest.size() == 2 && (rest.get(1).equals("summary") || rest.get(1).equals("databases"));
    }

    APIGatewayV2HTTPResponse handle(Request r, String org, String parent, String id, String view) {
        if (!r.method().equals("GET")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
        }
        if (!MigrationJob.isValidId(id)) {
            throw MultidbException.notFound("migration job '" + Names.printable(id) + "' does not exist");
        }
        return Responses.json(200, view.equals("summary")
                ? summary(progress.summary(org, parent, id))
                : databases(progress.tasks(org, parent, id, r.query().get("status"), r.query().get("cursor"),
                        limit(r.query().get("limit")))));
    }

    private static ObjectNode summary(JobProgress.Summary s) {
        ObjectNode out = MigrationsApi.job(s.job());
        out.put("children_total", s.childCount());
        ObjectNode counts = out.putObject("children");
        for (TaskStatus t : TaskStatus.values()) {
            counts.put(t.wire(), s.children().get(t));
        }
        if (s.parent() != null) {
            out.put("schema_database_status", s.parent().wire());
        } else {
            out.putNull("schema_database_status");
        }
        out.put("counts_complete", s.complete());
        out.put("step", s.step());
        ArrayNode visited = out.putArray("visited");
        s.visited().forEach(visited::add);
        out.put("percent", s.percent());
        return out;
    }

    private static ObjectNode databases(JobProgress.TaskPage page) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("databases");
        for (MigrationTask t : page.items()) {
            ObjectNode n = list.addObject();
            n.put("database", t.database());
            n.put("is_schema", t.isParent());
            n.put("batch", t.batch());
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
        } else {
            out.putNull("next_cursor");
        }
        return out;
    }

    private static int limit(String s) {
        if (s == null || s.isEmpty()) {
            return 50;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw MultidbException.invalid("'limit' must be a whole number between 1 and " + JobProgress.MAX_LIMIT);
        }
    }
}
