package io.multidb.databases;

import java.time.Instant;
import java.util.Objects;

/** A group of databases; a schema database and its children always share a group. */
public record Group(String name, String location, Instant createdAt) {
    public Group {
        Objects.requireNonNull(name);
        Objects.requireNonNull(location);
        Objects.requireNonNull(createdAt);
    }
}
