package io.multidb.migrations;

import java.util.Objects;

/** One database that failed a job, with SQLite's own error text. */
public record ChildFailure(String database, String error) {
    public ChildFailure {
        Objects.requireNonNull(database);
        Objects.requireNonNull(error);
    }

    @Override
    public String toString() {
        return database + ": " + error;
    }
}
