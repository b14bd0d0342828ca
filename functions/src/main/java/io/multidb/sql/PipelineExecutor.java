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
     * Runs a pipeline without streams: a baton, or a pipeline that leaves a transaction open without close, is
     * refused with STREAM_NOT_SUPPORTED (see {@link #execute(SQLiteConnection, JsonNode, ExecutionPolicy,
     * StreamScope)}).
     */
    public PipelineResult execute(SQLiteConnection connection, JsonNode request, ExecutionPolicy policy) {
        return execute(connection, request, policy, null);
    }

    /**
     * Runs every request of the pipeline in order and answers one result per request. The connection is left as
     * it was lent: no transaction open, query_only off, settings restored.
     * <p>
     * With a scope, streams outlive the HTTP request: a pipeline without close that leaves a transaction open is
     * answered with a baton, and a pipeline carrying a baton first rebuilds that stream's transaction on this
     * connection (package documentation, "Interactive transactions").
     *
     * @param scope null: no streams
     * @throws MultidbException for HTTP-level protocol errors: a malformed request (nothing ran); a bad, reused or
     *                          expired baton (nothing ran); a stream that conflicts with a change made since it
     *                          began, or that hit a stream limit (rolled back, the stream ended). Without a scope:
     *                          a baton, or a pipeline without close that leaves a transaction open (rolled back;
     *                          statements that committed before it stay committed). The caller answers with a
     *                          non-2xx status.
     * @throws StorageException if the connection could not be put back in order (or the driver failed in a way
     *                          that is no client's fault): the caller must discard the connection, not pool it
     */
    public PipelineResult execute(SQLiteConnection connection, JsonNode request, ExecutionPolicy policy,
                                  StreamScope scope) {
        return execute(new ConnectionCache(Objects.requireNonNull(connection)), true, request, policy, scope);
    }

    /**
     * As {@link #execute(SQLiteConnection, JsonNode, ExecutionPolicy, StreamScope)} on a pooled connection with the
     * cache that lives as long as it (statements prepared by earlier requests are used again).
     */
    public PipelineResult execute(ConnectionCache cache, JsonNode request, ExecutionPolicy policy, StreamScope scope) {
        return execute(Objects.requireNonNull(cache), false, request, policy, scope);
    }

    private PipelineResult execute(ConnectionCache connection, boolean ownsCache, JsonNode request,
                                   ExecutionPolicy policy, StreamScope scope) {
        Objects.requireNonNull(policy);
        SqlLimits effective = policy.limits() != null ? policy.limits() : limits;
        ProtocolParser.Pipeline pipeline = ProtocolParser.pipeline(request, effective.maxRequestsPerPipeline());
        List<StreamRequest> requests = pipeline.requests();
        if (scope == null) {
            return executeWithoutStreams(connection, ownsCache, pipeline, policy, effective);
        }
        Streams streams = scope.streams();
        Streams.Resumed resumed = pipeline.baton() == null ? null : streams.resume(pipeline.baton(), scope);
        ExecutionPolicy p = resumed != null && scope.writeRefusal() != null
                ? policy.refusingWrites(SqlErrorCodes.BLOCKED, scope.writeRefusal()) : policy;
        PipelineSession session = new PipelineSession(connection, p, effective, true, ownsCache);
        boolean[] claimed = {false};
        ArrayNode results = JSON.arrayNode(requests.size());
        String baton = null;
        try {
            if (resumed != null) {
                try {
                    session.resume(resumed.state(), () -> {
                        streams.claim(resumed);
                        claimed[0] = true;
                    });
                } catch (MultidbException e) {
                    streams.endQuietly(resumed); // a conflict does not go away: the stream is over
                    throw e;
                }
            }
            for (StreamRequest r : requests) {
                results.add(session.run(r));
            }
            boolean closed = !requests.isEmpty() && requests.get(requests.size() - 1) instanceof StreamRequest.Close;
            boolean open = session.streamTransactionOpen();
            // A new stream is kept only if a transaction is left open (what client.transaction() sends first);
            // a continued stream stays open until close, as the protocol says, even between transactions.
            if (!closed && (open || resumed != null)) {
                if (resumed == null && scope.writeRefusal() != null
                        && (session.streamWrote() || session.writeRefused())) {
                    // A transaction left open here that wrote, or tried to (the database's own policy may
                    // already refuse writes there, as a step towards a migration that a stream cannot become).
                    throw new MultidbException(ErrorKind.WRITES_BLOCKED, SqlErrorCodes.BLOCKED,
                            scope.writeRefusal());
                }
                try {
                    baton = streams.save(scope, resumed, claimed[0], session.streamState());
                } catch (MultidbException e) {
                    if (resumed != null && !claimed[0] && e.kind() == ErrorKind.LIMIT_EXCEEDED) {
                        streams.endQuietly(resumed);
                    }
                    throw e;
                }
            } else if (resumed != null && !claimed[0]) {
                streams.claim(resumed); // ended (close) or, if reused, refused before the answer goes out
            }
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        session.close();
        return answer(results, baton, session.writeRefused());
    }

    private PipelineResult executeWithoutStreams(ConnectionCache connection, boolean ownsCache,
                                                 ProtocolParser.Pipeline pipeline, ExecutionPolicy policy,
                                                 SqlLimits effective) {
        if (pipeline.baton() != null) {
            throw new MultidbException(ErrorKind.STREAM_INVALID, SqlErrorCodes.STREAM_NOT_SUPPORTED,
                    "Transactions across requests are not supported here: this server does not keep a stream "
                            + "open between HTTP requests, so a request carrying a baton (client.transaction(), "
                            + "an interactive transaction) cannot continue. Use batch() or executeMultiple(), "
                            + "which run in one request.");
        }
        List<StreamRequest> requests = pipeline.requests();
        PipelineSession session = new PipelineSession(connection, policy, effective, false, ownsCache);
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
                    "Interactive transactions are not supported here: this server does not keep a stream open "
                            + "between HTTP requests, so the transaction this request began (client.transaction(), "
                            + "or a BEGIN without COMMIT and without close) was rolled back. Use batch(), which "
                            + "runs its statements in one transaction in one request.");
        }
        session.close();
        return answer(results, null, session.writeRefused());
    }

    private static PipelineResult answer(ArrayNode results, String baton, boolean writeRefused) {
        ObjectNode body = JSON.objectNode();
        if (baton == null) {
            body.putNull("baton");
        } else {
            body.put("baton", baton);
        }
        body.putNull("base_url");
        body.set("results", results);
        return new PipelineResult(body, writeRefused);
    }
}
