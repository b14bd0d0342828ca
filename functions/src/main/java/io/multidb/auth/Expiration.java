package io.multidb.auth;

import io.multidb.common.MultidbException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a token lives: {@code never}, or a duration written as Turso writes it: one or more
 * {@code <number><unit>} parts with units {@code w d h m s}, largest first, each at most once
 * ({@code 2w}, {@code 1d12h}, {@code 2w1d30m}, {@code 45s}). At most {@link #MAX} (use {@code never} for longer).
 *
 * @param duration the lifetime, or null for a token that never expires
 */
public record Expiration(Duration duration) {
    /** Ten years: far beyond any sensible finite lifetime, and far from overflowing anything. */
    public static final Duration MAX = Duration.ofDays(3650);
    public static final Expiration NEVER = new Expiration(null);
    public static final String FORMS = "'never' or a duration such as 2w, 1d, 12h, 30m, 45s or 1d12h (units w d h m s, "
            + "largest first, each once)";
    private static final Pattern DURATION = Pattern.compile(
            "(?:(\\d{1,7})w)?(?:(\\d{1,7})d)?(?:(\\d{1,7})h)?(?:(\\d{1,9})m)?(?:(\\d{1,9})s)?");
    private static final long[] UNIT_SECONDS = {7 * 86_400L, 86_400L, 3_600L, 60L, 1L};

    public Expiration {
        if (duration != null && (duration.isNegative() || duration.isZero() || duration.compareTo(MAX) > 0)) {
            throw new IllegalArgumentException("expiration must be positive and at most " + MAX);
        }
    }

    public static Expiration of(Duration d) {
        return new Expiration(d);
    }

    public Optional<Duration> lifetime() {
        return Optional.ofNullable(duration);
    }

    public boolean never() {
        return duration == null;
    }

    /** Parses the {@code expiration} parameter: absent or empty means {@code never} (Turso's default). */
    public static Expiration parse(String s) {
        if (s == null || s.isEmpty() || s.equals("never")) {
            return NEVER;
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw MultidbException.invalid("'expiration' " + AuthText.quote(s) + " is not understood: use " + FORMS);
        }
        long seconds = 0;
        for (int i = 0; i < UNIT_SECONDS.length; i++) {
            String n = m.group(i + 1);
            if (n != null) {
                // At most 9 digits times at most 604800 stays far below Long.MAX_VALUE.
                seconds += Long.parseLong(n) * UNIT_SECONDS[i];
            }
        }
        if (seconds == 0) {
            throw MultidbException.invalid("'expiration' " + AuthText.quote(s) + " is zero: use " + FORMS);
        }
        if (seconds > MAX.toSeconds()) {
            throw MultidbException.invalid("'expiration' " + AuthText.quote(s) + " is longer than " + MAX.toDays()
                    + " days: use 'never' for a token that does not expire");
        }
        return new Expiration(Duration.ofSeconds(seconds));
    }
}
