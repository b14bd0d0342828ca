package io.multidb.drift;

import java.util.Locale;

/** Where a drift scan is. */
public enum ScanStatus {
    RUNNING, COMPLETE, FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ScanStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
