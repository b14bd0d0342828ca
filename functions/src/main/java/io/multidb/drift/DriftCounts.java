package io.multidb.drift;

/** How many children a scan (or one of its batches) found in each class. */
public record DriftCounts(long inSync, long behind, long diverged, long unreadable) {
    public static final DriftCounts ZERO = new DriftCounts(0, 0, 0, 0);

    public static DriftCounts of(DriftClass c) {
        return switch (c) {
            case IN_SYNC -> new DriftCounts(1, 0, 0, 0);
            case BEHIND -> new DriftCounts(0, 1, 0, 0);
            case DIVERGED -> new DriftCounts(0, 0, 1, 0);
            case UNREADABLE -> new DriftCounts(0, 0, 0, 1);
        };
    }

    public DriftCounts plus(DriftCounts o) {
        return new DriftCounts(inSync + o.inSync, behind + o.behind, diverged + o.diverged, unreadable + o.unreadable);
    }

    public long total() {
        return inSync + behind + diverged + unreadable;
    }
}
