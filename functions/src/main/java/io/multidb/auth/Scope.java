package io.multidb.auth;

import io.multidb.common.Names;

/** What a token is for: one database, or every database of one group. */
public enum Scope {
    DATABASE("database"), GROUP("group");

    private final String wire;

    Scope(String wire) {
        this.wire = wire;
    }

    /** The value of the token's {@code scope} claim. */
    public String wire() {
        return wire;
    }

    /** Checks a name of this scope with {@link Names} (INVALID_REQUEST if it breaks the rule). */
    public String checkName(String name) {
        return this == DATABASE ? Names.database(name) : Names.group(name);
    }

    /** The scope named by a claim, or null if the claim names none. */
    static Scope fromWire(String s) {
        for (Scope scope : values()) {
            if (scope.wire.equals(s)) {
                return scope;
            }
        }
        return null;
    }
}
