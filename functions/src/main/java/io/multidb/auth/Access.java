package io.multidb.auth;

import io.multidb.common.MultidbException;

/** What a token lets its holder do on the databases it covers: the {@code authorization} parameter. */
public enum Access {
    FULL_ACCESS("full-access"), READ_ONLY("read-only");

    private final String wire;

    Access(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** {@code full-access} (also when absent or empty, as Turso's API) or {@code read-only}; else INVALID_REQUEST. */
    public static Access parse(String s) {
        if (s == null || s.isEmpty()) {
            return FULL_ACCESS;
        }
        Access a = fromWire(s);
        if (a == null) {
            throw MultidbException.invalid("'authorization' must be 'full-access' (the default) or 'read-only', not "
                    + AuthText.quote(s));
        }
        return a;
    }

    static Access fromWire(String s) {
        for (Access a : values()) {
            if (a.wire.equals(s)) {
                return a;
            }
        }
        return null;
    }
}
