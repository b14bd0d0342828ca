package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.storage.StorageException;
import java.util.List;
import java.util.Objects;
import org.sqlite.SQLiteConnection;

/**
 * Runs one libSQL HTTP protocol v2 pipeline ("Hrana over HTTP", JSON) on one connection. See the package
 * documentation for the contract. Stateless and thread-safe: one instance serves every request.
 */
public final class PipelineExecutor {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final SqlLimits limits;

    /** @param limits the limits used when a policy carries none */
    public PipelineExecutor(SqlLimits limits) {
        this.limits = Objects.requireNonNull(limits);
    }

    /**
     * Runs every request of the pipeline in order and answers one result per request. The connection is left as
     * it was lent: no transaction open, query_only off, settings restored.
     *
     * @throws MultidbException for HTTP-level protocol errors: a malformed request or a baton (nothing ran), or
     *                          a pipeline without close that leaves a transaction open, which only a stream
     *                          continued in a later request could finish (it was rolled back; statements that
     *                          committed before it stay committed). The caller answers with a non-2xx status.
     * @throws StorageException if the connection could not be put back in order (or the driver failed in a way
     *                          that is no client's fault): the caller must discard the connection, not pool it
     */
    public PipelineResult execute(SQLiteConnection connection, JsonNode request, ExecutionPolicy policy) {
        Objects.requireNonNull(connection);
        Objects.requireNonNull(policy);
        SqlLimits effective = policy.limits() != null ? policy.limits() : limits;
        List<StreamRequest> requests = ProtocolParser.parse(request, effective.maxRequestsPerPipeline());
        PipelineSession session = new PipelineSession(connection, policy, effective);
        ArrayNode results = JSON.arrayNode(requests.size());
        try {
            for (StreamRequest r : requests) {
                results.add(session.run(r));
            }
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        boolean closed = !requests.isEmpty() && requests.get(requests.size() - 1) instanceof StreamRequest.Close;
        if (!closed && session.transactionLeftOpen()) {
            // The client means to go on with this stream (client.transaction()) and needs a baton we cannot give:
            // the transaction is rolled back, and the client hears so now rather than at its COMMIT.
            session.close();
            throw new MultidbException(ErrorKind.STREAM_INVALID, SqlErrorCodes.STREAM_NOT_SUPPORTED,
                    "Interactive transactions are not supported yet: this server does not keep a stream open "
                            + "between HTTP requests, so the transaction this request began (client.transaction(), "
                            + "or a BEGIN without COMMIT and without close) was rolled back. Use batch(), which "
                            + "runs its statements in one transaction in one request.");
        }
        session.close();
        ObjectNode body = JSON.objectNode();
        body.putNull("baton");
        body.putNull("base_url");
        body.set("results", results);
        return new PipelineResult(body, session.writeRefused());
    }
}
