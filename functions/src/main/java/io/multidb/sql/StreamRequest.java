package io.multidb.sql;

import java.util.List;

/** One request of a pipeline, as parsed by {@link ProtocolParser}; shapes are already checked. */
sealed interface StreamRequest {

    /** The "type" of the request, which its ok response repeats. */
    String type();

    /** SQL given inline or by an id from an earlier store_sql of the same HTTP request. */
    record SqlSource(String sql, Integer sqlId) {
        static SqlSource inline(String sql) {
            return new SqlSource(sql, null);
        }

        static SqlSource stored(int sqlId) {
            return new SqlSource(null, sqlId);
        }
    }

    record NamedArg(String name, SqlValue value) {
    }

    record Stmt(SqlSource source, List<SqlValue> args, List<NamedArg> namedArgs, boolean wantRows) {
    }

    record Execute(Stmt stmt) implements StreamRequest {
        public String type() {
            return "execute";
        }
    }

    /** @param condition null: always run */
    record BatchStep(BatchCondition condition, Stmt stmt) {
    }

    /** @param usesIsAutocommit a condition uses is_autocommit, which protocol version 2 does not have */
    record Batch(List<BatchStep> steps, boolean usesIsAutocommit) implements StreamRequest {
        public String type() {
            return "batch";
        }
    }

    record Sequence(SqlSource source) implements StreamRequest {
        public String type() {
            return "sequence";
        }
    }

    /** What a statement is, without running it: its parameters and columns, whether it is EXPLAIN or read-only. */
    record Describe(SqlSource source) implements Unsupported {
        public String type() {
            return "describe";
        }
    }

    record StoreSql(int sqlId, String sql) implements StreamRequest {
        public String type() {
            return "store_sql";
        }
    }

    record CloseSql(int sqlId) implements StreamRequest {
        public String type() {
            return "close_sql";
        }
    }

    record Close() implements StreamRequest {
        public String type() {
            return "close";
        }
    }

    /**
     * Requests that run no statement, which a pipeline turned into a migration therefore skips: describe (answered
     * by {@code StatementDescriber}) and get_autocommit (a Hrana 3 request the client never sends over version 2; an
     * error result). The name is older than describe's support; code that only needs "runs nothing" matches it.
     */
    sealed interface Unsupported extends StreamRequest permits Describe, GetAutocommit {
    }

    record GetAutocommit() implements Unsupported {
        public String type() {
            return "get_autocommit";
        }
    }
}
