package io.multidb.drift;

import java.util.Locale;

/** Where a child stands against its schema database (see {@link DriftScanner}). */
public enum DriftClass {
    /** Same version, same shape: not listed in a report. */
    IN_SYNC,
    /** An older version whose recorded migrations, replayed, give exactly the schema database's shape. */
    BEHIND,
    /** Anything else: changed behind the API's back, ahead, no recorded way forward, or a replay that fails. */
    DIVERGED,
    /** The file could not be opened or read. */
    UNREADABLE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DriftClass fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
