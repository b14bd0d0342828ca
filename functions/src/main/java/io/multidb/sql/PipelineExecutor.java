package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.MultidbException;
import org.sqlite.SQLiteConnection;

/**
 * Runs one libSQL HTTP protocol v2 pipeline ("Hrana over HTTP", JSON) on one connection. To be implemented:
 * see the contract in the package documentation.
 */
public final class PipelineExecutor {
    private final SqlLimits limits;

    public PipelineExecutor(SqlLimits limits) {
        this.limits = limits;
    }

    /**
     * @throws MultidbException for HTTP-level protocol errors (malformed request, baton given): the caller
     *                          answers those with a non-2xx status
     */
    public PipelineResult execute(SQLiteConnection connection, JsonNode request, ExecutionPolicy policy) {
        throw new UnsupportedOperationException("not yet");
    }
}
