package io.multidb.sql;

/** Error codes of the libSQL server's Hrana implementation that this server reports the same way. */
final class ProtocolCodes {
    static final String SQL_PARSE_ERROR = "SQL_PARSE_ERROR";
    static final String SQL_NO_STATEMENT = "SQL_NO_STATEMENT";
    static final String SQL_MANY_STATEMENTS = "SQL_MANY_STATEMENTS";
    static final String ARGS_INVALID = "ARGS_INVALID";
    static final String ARGS_BOTH_POSITIONAL_AND_NAMED = "ARGS_BOTH_POSITIONAL_AND_NAMED";

    private ProtocolCodes() {
    }
}
