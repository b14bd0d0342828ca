package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The response body of one pipeline request, and what the caller needs to know about it.
 *
 * @param body         the JSON response ({"baton","base_url","results"})
 * @param writeRefused true if at least one statement was refused because writes were not allowed (the
 *                     migration starter uses this to turn a refused write on a schema database into a job)
 */
public record PipelineResult(ObjectNode body, boolean writeRefused) {

    /**
     * Whether the answer carries a baton: the stream (an interactive transaction) stays open for a later request.
     * A refused write in such a pipeline is part of that transaction, not a change to hand to a migration.
     */
    public boolean streamOpen() {
        return body.path("baton").isTextual();
    }
}
