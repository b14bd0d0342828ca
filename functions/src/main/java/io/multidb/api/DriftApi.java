package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import io.multidb.drift.ChildDrift;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftService;
import io.multidb.drift.ScanStatus;

/**
 * The drift report over HTTP: {@code POST /v1/organizations/{org}/databases/{parent}/drift} runs a scan (a small
 * family answers 200 with the report, a big one 202 with the running header), {@code GET .../drift?cursor=&limit=}
 * reads the latest report, its children out of sync paged.
 */
final class DriftApi {
    static final int MAX_LIMIT = 1000;
    private final Services services;

    DriftApi(Services services) {
        this.services = services;
    }

    APIGatewayV2HTTPResponse handle(Request r, String org, String parent) {
        DriftService drift = services.drift();
        if (drift == null) {
            throw MultidbException.unavailable("drift reports are not configured in this deployment", null);
        }
        return switch (r.method()) {
            case "GET" -> {
                DriftReport report = drift.latest(org, parent);
                yield Responses.json(200, report(drift, report, r.query().get("cursor"), limit(r)));
            }
            case "POST" -> {
                Integer mc = null;
                if (r.body().length > 0) {
                    r.requireJsonBody(ControlPlane.MAX_BODY);
                    JsonNode n = Json.parseObject(r.body()).get("max_concurrency");
                    if (n != null && !n.isNull()) {
                        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                            throw MultidbException.invalid("'max_concurrency' must be a whole number");
                        }
                        mc = n.asInt();
                    }
                }
                DriftReport report = drift.start(org, parent, mc);
                boolean running = report.status() == ScanStatus.RUNNING;
                yield Responses.json(running ? 202 : 200, running ? header(report)
                        : report(drift, report, null, MAX_LIMIT));
            }
            default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, POST");
        };
    }

    private static int limit(Request r) {
        String l = r.query().get("limit");
        if (l == null || l.isEmpty()) {
            return MAX_LIMIT;
        }
        try {
            int n = Integer.parseInt(l);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw MultidbException.invalid("'limit' must be a whole number between 1 and " + MAX_LIMIT);
    }

    private static ObjectNode report(DriftService drift, DriftReport report, String cursor, int limit) {
        ObjectNode n = header(report);
        ArrayNode children = n.putArray("children");
        if (report.status() == ScanStatus.RUNNING) {
            n.putNull("next_cursor");
            return n; // the batches' results are partial until the scan completes
        }
        DriftService.ChildrenPage page = drift.children(report, cursor, limit);
        for (ChildDrift c : page.children()) {
            ObjectNode o = children.addObject();
            o.put("database", c.database());
            o.put("status", c.status().wire());
            if (c.schemaVersion() >= 0) {
                o.put("schema_version", c.schemaVersion());
            } else {
                o.putNull("schema_version");
            }
            ArrayNode d = o.putArray("details");
            c.details().forEach(d::add);
        }
        if (page.next() != null) {
            n.put("next_cursor", page.next());
        } else {
            n.putNull("next_cursor");
        }
        return n;
    }

    static ObjectNode header(DriftReport r) {
        ObjectNode n = Json.object();
        n.put("scan_id", r.scanId());
        n.put("status", r.status().wire());
        n.put("schema_database", r.schemaDb());
        n.put("schema_version", r.schemaVersion());
        n.put("started_at", r.startedAt().toString());
        if (r.finishedAt() != null) {
            n.put("finished_at", r.finishedAt().toString());
        } else {
            n.putNull("finished_at");
        }
        n.put("children_scanned", r.childrenScanned());
        n.put("batches", r.batchCount());
        ObjectNode counts = n.putObject("counts");
        counts.put("in_sync", r.counts().inSync());
        counts.put("behind", r.counts().behind());
        counts.put("diverged", r.counts().diverged());
        counts.put("unreadable", r.counts().unreadable());
        if (r.error() != null) {
            n.put("error", r.error());
        } else {
            n.putNull("error");
        }
        return n;
    }
}
