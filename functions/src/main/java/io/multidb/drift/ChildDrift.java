package io.multidb.drift;

import java.util.List;
import java.util.Objects;

/**
 * One child a scan found out of sync.
 *
 * @param schemaVersion the child's own version (max(version) of its _multidb_schema; 0 without it; -1 unreadable)
 * @param details       what differs, or why: sentences for people (see {@link DriftScanner})
 */
public record ChildDrift(String database, DriftClass status, long schemaVersion, List<String> details) {
    public ChildDrift {
        Objects.requireNonNull(database);
        Objects.requireNonNull(status);
        details = List.copyOf(details);
    }
}
