package io.multidb.sql;

/**
 * What the pipeline executor lets one request do on one database, decided by the caller from the database's
 * kind, its family's state and (later) the token.
 *
 * @param writeRefusalCode     null: writes allowed; else writes are refused by SQLite itself
 *                             ({@code PRAGMA query_only}) and reported as an error result with this code
 * @param writeRefusalMessage  the message of that error result (says why and what to do)
 * @param schemaChangeRefusal  null: DDL allowed; else DDL is detected by SQLite's schema cookie, undone, and
 *                             reported with this message (code {@link SqlErrorCodes#SCHEMA_CHANGE_REFUSED})
 * @param limits               bounds on the request's work
 */
public record ExecutionPolicy(
        String writeRefusalCode,
        String writeRefusalMessage,
        String schemaChangeRefusal,
        SqlLimits limits) {

    public static ExecutionPolicy unrestricted(SqlLimits limits) {
        return new ExecutionPolicy(null, null, null, limits);
    }

    public boolean writesAllowed() {
        return writeRefusalCode == null;
    }

    /** This policy with writes refused (if it does not refuse them already, for its own reason). */
    public ExecutionPolicy refusingWrites(String code, String message) {
        return writesAllowed() ? new ExecutionPolicy(code, message, schemaChangeRefusal, limits) : this;
    }
}
