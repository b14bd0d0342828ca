package io.multidb.migrations;

import java.time.Duration;

/**
 * How a paused job waits for a person without holding a Lambda: the workflow looks (a short task), then waits in a
 * Wait state for {@link #nextWait} seconds, and looks again. Looks come every 2 s at first, then less often, up to
 * once a minute, so that a resume is noticed quickly and a day-long pause stays within the execution's history
 * (statemachines/README.md, "The numbers": about 1,410 looks of 9 events in 23 hours).
 */
public final class PauseClock {
    /** After this long paused, the job rolls back by itself (the execution's own limit is 24 hours). */
    public static final Duration LIMIT = Duration.ofHours(23);
    static final int FIRST_WAIT_SECONDS = 2;
    static final int MAX_WAIT_SECONDS = 60;

    /**
     * One look.
     *
     * @param resumed     a person resumed the job: go on with the other children
     * @param waitSeconds how long to wait before the next look
     * @param checks      how many looks so far (passed to the next look)
     */
    public record Look(boolean resumed, int waitSeconds, int checks) {
    }

    private PauseClock() {
    }

    /** The wait after look number {@code checks} (0-based): 2 s, 3 s, … up to a minute. */
    static int nextWait(int checks) {
        return Math.min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS + Math.max(0, checks));
    }

    /** About how long the job has been paused after {@code checks} looks (the waits between them). */
    static Duration waited(int checks) {
        long seconds = 0;
        for (int i = 0; i < checks; i++) {
            seconds += nextWait(i);
        }
        return Duration.ofSeconds(seconds);
    }
}
