package io.multidb.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code expiration} and {@code authorization} query parameters. */
class TokenParametersTest {

    @ParameterizedTest
    @CsvSource({
            "2w, 1209600", "1d, 86400", "12h, 43200", "30m, 1800", "45s, 45",
            "1d12h, 129600", "2w1d30m, 1297800", "1w2d3h4m5s, 788645", "90m, 5400", "001h, 3600",
            "3650d, 315360000", "521w3d, 315360000"})
    void durations(String text, long seconds) {
        assertThat(Expiration.parse(text)).isEqualTo(Expiration.of(Duration.ofSeconds(seconds)));
        assertThat(Expiration.parse(text).never()).isFalse();
    }

    @Test
    void neverIsTheDefault() {
        assertThat(Expiration.parse("never")).isEqualTo(Expiration.NEVER);
        assertThat(Expiration.parse(null)).isEqualTo(Expiration.NEVER);
        assertThat(Expiration.parse("")).isEqualTo(Expiration.NEVER);
        assertThat(Expiration.NEVER.lifetime()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Never", "NEVER", "forever", "2", "w", "2W", "2 w", " 2w", "2w ", "1h1d", "1d1d", "-1d",
            "+1d", "1.5h", "1y", "1ms", "0x10s", "1e3s", "2w,1d", "1d-12h", "P1D", "PT12H", "１d", "1d\u0000",
            "12345678w", "9999999999s", "1d\n", "٣d", "never2w"})
    void garbageIsRefusedSayingWhatWorks(String text) {
        assertThatThrownBy(() -> Expiration.parse(text)).isInstanceOfSatisfying(MultidbException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.getMessage()).startsWith("'expiration' '").contains("'never'").doesNotContain("\u0000", "\n");
        });
    }

    @Test
    void zeroAndTooLongAreRefused() {
        for (String zero : new String[] {"0s", "0w0d", "00h"}) {
            assertThatThrownBy(() -> Expiration.parse(zero)).isInstanceOfSatisfying(MultidbException.class,
                    e -> assertThat(e.getMessage()).contains("is zero"));
        }
        for (String tooLong : new String[] {"3651d", "522w", "999999999s", "9999999w"}) {
            assertThatThrownBy(() -> Expiration.parse(tooLong)).isInstanceOfSatisfying(MultidbException.class,
                    e -> assertThat(e.getMessage()).contains("longer than 3650 days").contains("'never'"));
        }
    }

    @Test
    void echoedInputIsBounded() {
        String long_ = "x".repeat(10_000);
        assertThatThrownBy(() -> Expiration.parse(long_)).isInstanceOfSatisfying(MultidbException.class,
                e -> assertThat(e.getMessage().length()).isLessThan(300));
        assertThatThrownBy(() -> Access.parse(long_)).isInstanceOfSatisfying(MultidbException.class,
                e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void authorization() {
        assertThat(Access.parse(null)).isEqualTo(Access.FULL_ACCESS);
        assertThat(Access.parse("")).isEqualTo(Access.FULL_ACCESS);
        assertThat(Access.parse("full-access")).isEqualTo(Access.FULL_ACCESS);
        assertThat(Access.parse("read-only")).isEqualTo(Access.READ_ONLY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"readonly", "READ-ONLY", "read_only", "full", "write", "admin", " read-only", "read-only\u0000"})
    void authorizationGarbageIsRefused(String text) {
        assertThatThrownBy(() -> Access.parse(text)).isInstanceOfSatisfying(MultidbException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.getMessage()).startsWith("'authorization' must be 'full-access' (the default) or 'read-only'")
                    .doesNotContain("\u0000");
        });
    }
}
