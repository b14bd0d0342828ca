package io.multidb.databases;

/** standard: on its own; schema: a parent whose schema its children share; child: follows its parent's schema. */
public enum DatabaseKind {
    STANDARD, SCHEMA, CHILD;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static DatabaseKind fromWire(String s) {
        return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
}
